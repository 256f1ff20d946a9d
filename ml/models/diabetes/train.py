"""Training job of diabetes (XGBoost script mode): a booster of squared-error regression trees.

Contract (mlenv_model.contract)
  hyperparameters  --num-round (int, 200)  --max-depth (int, 2)  --eta (float, 0.05)
                   --subsample (float, 1.0)  --target-column (target)
  input   SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION (defaults /opt/ml/input/data/<channel>): CSV
  output  SM_MODEL_DIR (default /opt/ml/model): xgboost-model.json (XGBoost's JSON format),
          model-metadata.json, and code/ (inference.py and mlenv_model) for serving

Metric lines (regression's, mlenv_model.metrics.training_metric_names), 6 decimals:
``metric train:rmse=...``, then ``validation:rmse``, ``validation:mae`` and ``validation:r2``.
Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os

import inference
from mlenv_model import cli, contract, data, metrics, training

SEED = 42
HYPERPARAMETERS = [
    contract.Hyperparameter("num-round", int, 200, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("max-depth", int, 2, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("eta", float, 0.05, lambda v: 0 < v <= 1, "in (0, 1]"),
    contract.Hyperparameter("subsample", float, 1.0, lambda v: 0 < v <= 1, "in (0, 1]"),
]


def fit(features, target, columns, settings):
    """The booster for ``settings`` (the hyperparameters by their argument names)."""
    import xgboost

    params = {
        "objective": "reg:squarederror",
        "max_depth": settings["max_depth"],
        "eta": settings["eta"],
        "subsample": settings["subsample"],
        "seed": SEED,
    }
    matrix = xgboost.DMatrix(features, label=target, feature_names=list(columns))
    return xgboost.train(params, matrix, num_boost_round=settings["num_round"])


def train(train_dir, validation_dir, model_dir, settings, target_column=data.DEFAULT_TARGET_COLUMN,
          log=print):
    """Fit, save the booster, its metadata and the serving code; print the metric lines."""
    settings = dict((hp.dest, hp.default) for hp in HYPERPARAMETERS) if settings is None else settings
    contract.check_hyperparameters(HYPERPARAMETERS, settings)
    channels = training.Channels(train_dir, validation_dir, target_column, inference.PROBLEM_TYPE)
    import xgboost

    booster = fit(channels.x_train, channels.y_train, channels.columns, settings)
    values = training.score(inference, booster, channels, log)
    os.makedirs(model_dir, exist_ok=True)
    booster.save_model(os.path.join(model_dir, inference.MODEL_FILE))
    details = {"hyperparameters": dict(settings, seed=SEED), "xgboost_version": xgboost.__version__}
    training.finish(model_dir, inference, __file__, channels, values, details, log)
    return values


run = training.command_line("Train diabetes.", HYPERPARAMETERS, train)


main = cli.entry_point(__name__, run)
