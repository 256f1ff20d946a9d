"""mlenv_model: what every model of mlenv shares under SageMaker's container contract.

Shipped inside each model's source archive beside its scripts (``sourcedir.tar.gz``: the model's
``train.py``, ``evaluate.py``, ``inference.py``, ``preprocess.py`` and this package), and copied
into the model artifact's ``code/`` with the serving program, so that SageMaker's script mode, the
processing jobs, the serving container and local runs all import it the same way.

Modules:
  cli         MLError, the one-line ``error:`` exits, an argparse parser that keeps them
  data        CSV discovery and reading, feature and target validation by problem type
  contract    SageMaker paths and SM_* variables, hyperparameters as arguments, model metadata,
              the serving code bundled into the artifact
  metrics     the metrics of each problem type (ml/evaluation-metrics.json) and the metric lines
              the training job prints
  splits      the preprocess step: train/validation/test splits and the Model Monitor baseline
  artifact    the artifact's integrity: archive and files digests, safe extraction, the serving
              check of MLENV_MODEL_FILES_SHA256
  evaluation  the evaluate step: evaluation.json by problem type, with ``mlenv_artifact``
  serving     the inference contract: request decoding, prediction encoding, 4xx responses

Runs on Python 3.8+ with numpy 1.24+ and pandas 1.x-3.x (the framework containers as well as
current releases), so it avoids newer-only syntax and APIs.
"""

PROBLEM_TYPES = ("binary_classification", "multiclass_classification", "regression")
