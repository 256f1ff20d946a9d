"""Training job of __MODEL_NAME__ (XGBoost script mode): a booster of gradient-boosted trees with
the problem type's objective: binary:logistic, multi:softprob (one probability per class) or
reg:squarederror.

Contract (mlenv_model.contract)
  hyperparameters  --num-round (int, 100)  --max-depth (int, 3)  --eta (float, 0.1)
                   --subsample (float, 1.0)  --target-column (target); --num_round too
  input   SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION (defaults /opt/ml/input/data/<channel>): CSV
          with a header, numeric features and the target
  output  SM_MODEL_DIR (default /opt/ml/model): xgboost-model.json (XGBoost's JSON format),
          model-metadata.json, and code/ (inference.py and mlenv_model) for serving

Metric lines (the problem type's, mlenv_model.metrics.training_metric_names), 6 decimals:
``metric train:<first metric>=...``, then ``metric validation:<metric>=...`` for each.
Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os

import inference
from mlenv_model import cli, contract, data, metrics, training

SEED = 42
HYPERPARAMETERS = [
    contract.Hyperparameter("num-round", int, 100, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("max-depth", int, 3, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("eta", float, 0.1, lambda v: 0 < v <= 1, "in (0, 1]"),
    contract.Hyperparameter("subsample", float, 1.0, lambda v: 0 < v <= 1, "in (0, 1]"),
]


def fit(features, target, columns, settings, classes=None):
    """The booster for ``settings`` (the hyperparameters by their argument names)."""
    import xgboost

    params = {
        "objective": inference.OBJECTIVES[inference.PROBLEM_TYPE],
        "max_depth": settings["max_depth"],
        "eta": settings["eta"],
        "subsample": settings["subsample"],
        "seed": SEED,
    }
    if inference.PROBLEM_TYPE == "multiclass_classification":
        params["num_class"] = len(classes)
    matrix = xgboost.DMatrix(features, label=target, feature_names=list(columns))
    return xgboost.train(params, matrix, num_boost_round=settings["num_round"])


def train(train_dir, validation_dir, model_dir, settings=None,
          target_column=data.DEFAULT_TARGET_COLUMN, log=print):
    """Fit, save the booster, its metadata and the serving code; print the metric lines."""
    settings = dict((hp.dest, hp.default) for hp in HYPERPARAMETERS) if settings is None else settings
    contract.check_hyperparameters(HYPERPARAMETERS, settings)
    channels = training.Channels(train_dir, validation_dir, target_column, inference.PROBLEM_TYPE)
    details = {"hyperparameters": dict(settings, seed=SEED)}
    classes = None
    if inference.PROBLEM_TYPE != "regression":
        seen = sorted(set(int(v) for v in channels.y_train.tolist()))
        if len(seen) < 2:
            raise cli.MLError("%s contains only one target class (%d); need at least two"
                              % (channels.train_source, seen[0]))
        # XGBoost's classes are 0 ... n-1: one probability for each class up to the largest
        classes = list(range(max(seen + [int(v) for v in channels.y_validation.tolist()]) + 1))
        details["classes"] = [0, 1] if inference.PROBLEM_TYPE == "binary_classification" else classes
        if inference.PROBLEM_TYPE == "binary_classification":
            details["decision_threshold"] = metrics.DECISION_THRESHOLD
    import xgboost

    booster = fit(channels.x_train, channels.y_train, channels.columns, settings, classes)
    values = training.score(inference, booster, channels, log, details.get("classes"))
    os.makedirs(model_dir, exist_ok=True)
    booster.save_model(os.path.join(model_dir, inference.MODEL_FILE))
    details["xgboost_version"] = xgboost.__version__
    training.finish(model_dir, inference, __file__, channels, values, details, log)
    return values


run = training.command_line("Train __MODEL_NAME__.", HYPERPARAMETERS, train)


main = cli.entry_point(__name__, run)
