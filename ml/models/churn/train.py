"""Training job of churn (script mode): GradientBoostingClassifier in a scaling Pipeline.

Contract (mlenv_model.contract)
  hyperparameters  --n-estimators (int, 100)  --max-depth (int, 3)  --learning-rate (float, 0.1)
                   --target-column (target); underscore spellings such as --n_estimators too
  input   SM_CHANNEL_TRAIN       (default /opt/ml/input/data/train)       CSV with header
          SM_CHANNEL_VALIDATION  (default /opt/ml/input/data/validation)  CSV with header
  output  SM_MODEL_DIR           (default /opt/ml/model):
              model.joblib         the fitted sklearn Pipeline (StandardScaler -> GBC)
              model-metadata.json  feature column order, target column, hyperparameters, metrics
              code/                inference.py and mlenv_model: the serving code travels inside
                                   model.tar.gz (SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code)
  --train, --validation and --model-dir override the environment variables.

Metric lines (binary_classification's, mlenv_model.metrics.training_metric_names), 6 decimals:

    metric train:auc=0.999123
    metric validation:auc=0.991234
    metric validation:accuracy=0.953488
    ... precision, recall, f1

Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os

import inference
from mlenv_model import cli, contract, data, metrics, training

RANDOM_STATE = 42
HYPERPARAMETERS = [
    contract.Hyperparameter("n-estimators", int, 100, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("max-depth", int, 3, lambda v: v >= 1, ">= 1"),
    contract.Hyperparameter("learning-rate", float, 0.1, lambda v: v > 0, "> 0"),
]
# Ready-made value for the training job's AlgorithmSpecification.MetricDefinitions.
METRIC_DEFINITIONS = [
    {"Name": name, "Regex": metrics.metric_regex(name)}
    for name in metrics.training_metric_names(inference.PROBLEM_TYPE)
]


def build_pipeline(n_estimators=100, max_depth=3, learning_rate=0.1):
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline(
        [
            ("scaler", StandardScaler()),
            (
                "classifier",
                GradientBoostingClassifier(
                    n_estimators=n_estimators,
                    max_depth=max_depth,
                    learning_rate=learning_rate,
                    random_state=RANDOM_STATE,
                ),
            ),
        ]
    )


def train(
    train_dir=contract.DEFAULT_TRAIN_DIR,
    validation_dir=contract.DEFAULT_VALIDATION_DIR,
    model_dir=contract.DEFAULT_MODEL_DIR,
    n_estimators=100,
    max_depth=3,
    learning_rate=0.1,
    target_column=data.DEFAULT_TARGET_COLUMN,
    log=print,
):
    """Fit, save model + metadata + serving code, print metric lines. Returns the metrics dict."""
    hyperparameters = {"n_estimators": n_estimators, "max_depth": max_depth,
                       "learning_rate": learning_rate}
    contract.check_hyperparameters(HYPERPARAMETERS, hyperparameters)
    channels = training.Channels(train_dir, validation_dir, target_column, inference.PROBLEM_TYPE)
    if len(set(channels.y_train.tolist())) < 2:
        raise cli.MLError("%s contains only one target class; need both 0 and 1" % channels.train_source)

    # Imported only after the input is validated so bad input fails fast.
    import joblib
    import sklearn

    pipeline = build_pipeline(n_estimators, max_depth, learning_rate)
    pipeline.fit(channels.x_train, channels.y_train)
    values = training.score(inference, pipeline, channels, log)
    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(pipeline, os.path.join(model_dir, inference.MODEL_FILE))
    training.finish(model_dir, inference, __file__, channels, values, {
        "hyperparameters": dict(hyperparameters, random_state=RANDOM_STATE),
        "classes": [0, 1],
        "decision_threshold": metrics.DECISION_THRESHOLD,
        "sklearn_version": sklearn.__version__,
    }, log)
    return values


def run(argv=None):
    args = contract.training_parser("Train churn.", HYPERPARAMETERS).parse_args(argv)
    train(args.train, args.validation, args.model_dir, args.n_estimators, args.max_depth,
          args.learning_rate, args.target_column, log=contract.print_line)
    return 0


main = cli.entry_point(__name__, run)
