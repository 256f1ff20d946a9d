"""Serving entry point of __MODEL_NAME__ in the SageMaker scikit-learn container (1.2-1).

The container calls two hooks:
  model_fn(model_dir)   refuses files whose digest is not MLENV_MODEL_FILES_SHA256 (the pinned
                        package's), then loads model.joblib + model-metadata.json
  transform_fn(model, request_body, content_type, accept)
                        CSV or JSON rows in -> {"predictions": [...]}, by problem type:
                        {"score", "label"} (binary), {"label", "scores"} (multiclass),
                        {"score"} (regression)

The request and answer formats, the 4xx answers and why the steps are not called
input_fn/predict_fn/output_fn are mlenv_model.serving's (shipped beside this file in the
artifact's code/).
"""

import os

from mlenv_model import artifact, contract, serving

PROBLEM_TYPE = "__PROBLEM_TYPE__"
MODEL_FILE = "model.joblib"


def load_model(model_dir):
    """The fitted estimator and its metadata (no integrity check: see model_fn)."""
    import joblib

    metadata = contract.load_model_metadata(model_dir, MODEL_FILE)
    try:
        estimator = joblib.load(os.path.join(model_dir, MODEL_FILE))
    except Exception as exc:  # corrupt/incompatible pickle is bad input, not a bug
        raise contract.MLError("could not load model from %s: %s" % (model_dir, exc))
    return serving.Model(estimator, metadata)


def predict(model, features):
    """Probability of class 1 (binary), each class's probability in the order of the metadata's
    ``classes`` (multiclass), or the predicted value (regression) of each row."""
    if PROBLEM_TYPE == "regression":
        return model.estimator.predict(features)
    probabilities = model.estimator.predict_proba(features)
    classes = [int(c) for c in model.estimator.classes_]
    if PROBLEM_TYPE == "binary_classification":
        return probabilities[:, classes.index(1)]
    return probabilities


def model_fn(model_dir):
    artifact.check_model_files(model_dir)
    return load_model(model_dir)


def transform_fn(model, request_body, content_type, accept):
    return serving.transform(model, request_body, content_type, accept, predict, PROBLEM_TYPE)
