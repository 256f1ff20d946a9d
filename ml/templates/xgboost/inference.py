"""Serving entry point of __MODEL_NAME__ in the SageMaker XGBoost container (1.7-1, script mode).

  model_fn(model_dir)   refuses files whose digest is not MLENV_MODEL_FILES_SHA256 (the pinned
                        package's), then loads the booster (XGBoost's JSON model format, which
                        every XGBoost from 1.0 on reads) and model-metadata.json
  transform_fn(model, request_body, content_type, accept)
                        CSV or JSON rows in -> {"predictions": [...]}, by problem type:
                        {"score", "label"} (binary), {"label", "scores"} (multiclass),
                        {"score"} (regression)

Request and answer formats and the 4xx answers are mlenv_model.serving's (shipped beside this
file in the artifact's code/).
"""

import os

from mlenv_model import artifact, cli, contract, serving

PROBLEM_TYPE = "__PROBLEM_TYPE__"
MODEL_FILE = "xgboost-model.json"
# The booster's objective for each problem type (train.py trains with it).
OBJECTIVES = {
    "binary_classification": "binary:logistic",
    "multiclass_classification": "multi:softprob",
    "regression": "reg:squarederror",
}


def load_model(model_dir):
    """The booster and its metadata (no integrity check: see model_fn)."""
    import xgboost

    metadata = contract.load_model_metadata(model_dir, MODEL_FILE)
    booster = xgboost.Booster()
    try:
        booster.load_model(os.path.join(model_dir, MODEL_FILE))
    except xgboost.core.XGBoostError as exc:
        raise cli.MLError("could not load the booster in %s: %s" % (model_dir, exc))
    return serving.Model(booster, metadata)


def predict(model, features):
    """Probability of class 1 (binary), each class's probability (multiclass: classes 0, 1, ...
    as the metadata's ``classes``), or the predicted value (regression) of each row."""
    import xgboost

    matrix = xgboost.DMatrix(features, feature_names=list(model.feature_columns))
    return model.estimator.predict(matrix)


def model_fn(model_dir):
    artifact.check_model_files(model_dir)
    return load_model(model_dir)


def transform_fn(model, request_body, content_type, accept):
    return serving.transform(model, request_body, content_type, accept, predict, PROBLEM_TYPE)
