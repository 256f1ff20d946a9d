"""Training job of __MODEL_NAME__ (scikit-learn script mode): histogram gradient-boosted trees,
HistGradientBoostingClassifier for classification, HistGradientBoostingRegressor for regression.

Contract (mlenv_model.contract)
  hyperparameters  --max-iter (int, 100)  --learning-rate (float, 0.1)
                   --max-leaf-nodes (int, 15)  --min-samples-leaf (int, 20)
                   --target-column (target); underscore spellings such as --max_iter too
  input   SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION (defaults /opt/ml/input/data/<channel>): CSV
          with a header, numeric features and the target
  output  SM_MODEL_DIR (default /opt/ml/model): model.joblib (the fitted estimator),
          model-metadata.json, and code/ (inference.py and mlenv_model) for serving

Metric lines (the problem type's, mlenv_model.metrics.training_metric_names), 6 decimals:
``metric train:<first metric>=...``, then ``metric validation:<metric>=...`` for each.
Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os

import inference
from mlenv_model import cli, contract, data, metrics, training

RANDOM_STATE = 42
HYPERPARAMETERS = [
    contract.Hyperparameter("max-iter", int, 100, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("learning-rate", float, 0.1, lambda v: v > 0, "> 0"),
    contract.Hyperparameter("max-leaf-nodes", int, 15, lambda v: v >= 2, ">= 2"),
    contract.Hyperparameter("min-samples-leaf", int, 20, lambda v: v >= 1, ">= 1"),
]


def build_estimator(settings):
    """The unfitted estimator of the problem type for ``settings`` (hyperparameters by dest)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    kind = (HistGradientBoostingRegressor if inference.PROBLEM_TYPE == "regression"
            else HistGradientBoostingClassifier)
    # early_stopping off: the same data and settings always give the same model
    return kind(max_iter=settings["max_iter"], learning_rate=settings["learning_rate"],
                max_leaf_nodes=settings["max_leaf_nodes"],
                min_samples_leaf=settings["min_samples_leaf"], early_stopping=False,
                random_state=RANDOM_STATE)


def train(train_dir, validation_dir, model_dir, settings=None,
          target_column=data.DEFAULT_TARGET_COLUMN, log=print):
    """Fit, save the estimator, its metadata and the serving code; print the metric lines."""
    settings = dict((hp.dest, hp.default) for hp in HYPERPARAMETERS) if settings is None else settings
    contract.check_hyperparameters(HYPERPARAMETERS, settings)
    channels = training.Channels(train_dir, validation_dir, target_column, inference.PROBLEM_TYPE)
    details = {"hyperparameters": dict(settings, random_state=RANDOM_STATE)}
    classes = None
    if inference.PROBLEM_TYPE != "regression":
        classes = sorted(set(int(v) for v in channels.y_train.tolist()))
        if len(classes) < 2:
            raise cli.MLError("%s contains only one target class (%d); need at least two"
                              % (channels.train_source, classes[0]))
        details["classes"] = classes
        if inference.PROBLEM_TYPE == "binary_classification":
            details["decision_threshold"] = metrics.DECISION_THRESHOLD

    # Imported only after the input is validated so bad input fails fast.
    import joblib
    import sklearn

    estimator = build_estimator(settings)
    estimator.fit(channels.x_train, channels.y_train)
    values = training.score(inference, estimator, channels, log, classes)
    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(estimator, os.path.join(model_dir, inference.MODEL_FILE))
    details["sklearn_version"] = sklearn.__version__
    training.finish(model_dir, inference, __file__, channels, values, details, log)
    return values


run = training.command_line("Train __MODEL_NAME__.", HYPERPARAMETERS, train)


main = cli.entry_point(__name__, run)
