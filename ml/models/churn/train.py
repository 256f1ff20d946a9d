"""SageMaker script-mode training: GradientBoostingClassifier in a scaling Pipeline.

Contract
  hyperparameters (passed by SageMaker as ``--name value``):
      --n-estimators (int, 100)  --max-depth (int, 3)  --learning-rate (float, 0.1)
      --target-column (target)
      (underscore spellings such as --n_estimators are accepted too)
  input   SM_CHANNEL_TRAIN       (default /opt/ml/input/data/train)       CSV with header
          SM_CHANNEL_VALIDATION  (default /opt/ml/input/data/validation)  CSV with header
  output  SM_MODEL_DIR           (default /opt/ml/model):
              model.joblib         the fitted sklearn Pipeline (StandardScaler -> GBC)
              model-metadata.json  feature column order, target column, hyperparameters
              code/inference.py    the serving code: a network-isolated endpoint cannot
                                   download it, so it travels inside model.tar.gz
                                   (SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code)
  --train, --validation and --model-dir override the environment variables.

Metrics are printed one per line, 6 decimals, in exactly this format:

    metric train:auc=0.999123
    metric validation:auc=0.991234
    metric validation:accuracy=0.953488

and captured by these SageMaker ``MetricDefinitions`` regexes (METRIC_REGEXES):

    train:auc            metric train:auc=([0-9.]+)
    validation:auc       metric validation:auc=([0-9.]+)
    validation:accuracy  metric validation:accuracy=([0-9.]+)

Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import os
import shutil
import sys

# SageMaker runs these scripts from a code directory that also holds common.py
# (training source dir / processing code input), but not always as the current
# directory or as sys.path[0] (e.g. `python -m`, runpy, imports from tests).
# Putting this file's own directory first makes `import common` always work.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

DEFAULT_TRAIN_DIR = "/opt/ml/input/data/train"
DEFAULT_VALIDATION_DIR = "/opt/ml/input/data/validation"
DEFAULT_MODEL_DIR = "/opt/ml/model"
RANDOM_STATE = 42

METRIC_LINE_FORMAT = "metric {name}={value:.6f}"
METRIC_REGEXES = {
    "train:auc": r"metric train:auc=([0-9.]+)",
    "validation:auc": r"metric validation:auc=([0-9.]+)",
    "validation:accuracy": r"metric validation:accuracy=([0-9.]+)",
}
# Ready-made value for the training job's AlgorithmSpecification.MetricDefinitions.
METRIC_DEFINITIONS = [{"Name": name, "Regex": regex} for name, regex in METRIC_REGEXES.items()]


SERVING_CODE = ("inference.py",)


def bundle_serving_code(model_dir):
    """Copy the serving code into <model_dir>/code, where the serving container looks for it."""
    code_dir = os.path.join(model_dir, "code")
    os.makedirs(code_dir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    for name in SERVING_CODE:
        shutil.copyfile(os.path.join(here, name), os.path.join(code_dir, name))


def format_metric(name, value):
    return METRIC_LINE_FORMAT.format(name=name, value=float(value))


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


def _auc(labels, scores, source):
    from sklearn.metrics import roc_auc_score

    if len(set(int(v) for v in labels)) < 2:
        raise common.MLError("%s contains only one target class; AUC is undefined" % source)
    return float(roc_auc_score(labels, scores))


def train(
    train_dir=DEFAULT_TRAIN_DIR,
    validation_dir=DEFAULT_VALIDATION_DIR,
    model_dir=DEFAULT_MODEL_DIR,
    n_estimators=100,
    max_depth=3,
    learning_rate=0.1,
    target_column=common.DEFAULT_TARGET_COLUMN,
    log=print,
):
    """Fit, save model + metadata, print metric lines. Returns the metrics dict."""
    if n_estimators < 1:
        raise common.MLError("--n-estimators must be >= 1, got %s" % n_estimators)
    if max_depth < 1:
        raise common.MLError("--max-depth must be >= 1, got %s" % max_depth)
    if not learning_rate > 0:
        raise common.MLError("--learning-rate must be > 0, got %s" % learning_rate)

    train_frame, train_paths = common.read_csv_dir(train_dir, "train channel")
    train_source = "train channel %s" % train_dir
    train_frame, feature_columns = common.validate_labeled_frame(
        train_frame, target_column, train_source
    )
    validation_frame, _ = common.read_csv_dir(validation_dir, "validation channel")
    validation_source = "validation channel %s" % validation_dir
    validation_frame, _ = common.validate_labeled_frame(
        validation_frame, target_column, validation_source
    )

    x_train = common.select_features(train_frame, feature_columns, train_source)
    y_train = train_frame[target_column].to_numpy()
    x_validation = common.select_features(validation_frame, feature_columns, validation_source)
    y_validation = validation_frame[target_column].to_numpy()
    if len(set(y_train.tolist())) < 2:
        raise common.MLError("%s contains only one target class; need both 0 and 1" % train_source)

    # Imported only after the input is validated so bad input fails fast.
    import joblib
    import sklearn
    from sklearn.metrics import accuracy_score

    pipeline = build_pipeline(n_estimators, max_depth, learning_rate)
    pipeline.fit(x_train, y_train)

    train_scores = common.positive_class_scores(pipeline, x_train)
    validation_scores = common.positive_class_scores(pipeline, x_validation)
    metrics = {
        "train:auc": _auc(y_train, train_scores, train_source),
        "validation:auc": _auc(y_validation, validation_scores, validation_source),
        "validation:accuracy": float(
            accuracy_score(y_validation, common.labels_from_scores(validation_scores))
        ),
    }
    for name in METRIC_REGEXES:
        log(format_metric(name, metrics[name]))

    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(pipeline, os.path.join(model_dir, common.MODEL_FILENAME))
    metadata = {
        "model_file": common.MODEL_FILENAME,
        "feature_columns": list(feature_columns),
        "target_column": target_column,
        "hyperparameters": {
            "n_estimators": n_estimators,
            "max_depth": max_depth,
            "learning_rate": learning_rate,
            "random_state": RANDOM_STATE,
        },
        "classes": [0, 1],
        "decision_threshold": common.DECISION_THRESHOLD,
        "metrics": metrics,
        "train_rows": int(len(y_train)),
        "validation_rows": int(len(y_validation)),
        "sklearn_version": sklearn.__version__,
    }
    common.write_json(os.path.join(model_dir, common.METADATA_FILENAME), metadata)
    bundle_serving_code(model_dir)
    log(
        "train: %d train rows, %d validation rows, %d features -> %s"
        % (len(y_train), len(y_validation), len(feature_columns), model_dir)
    )
    return metrics


def parse_args(argv=None, environ=None):
    environ = os.environ if environ is None else environ
    parser = common.ArgumentParser(description="Train the mlenv reference model.")
    parser.add_argument("--n-estimators", "--n_estimators", dest="n_estimators", type=int,
                        default=100)
    parser.add_argument("--max-depth", "--max_depth", dest="max_depth", type=int, default=3)
    parser.add_argument("--learning-rate", "--learning_rate", dest="learning_rate", type=float,
                        default=0.1)
    parser.add_argument("--target-column", "--target_column", dest="target_column",
                        default=common.DEFAULT_TARGET_COLUMN)
    parser.add_argument("--train", default=environ.get("SM_CHANNEL_TRAIN", DEFAULT_TRAIN_DIR))
    parser.add_argument("--validation",
                        default=environ.get("SM_CHANNEL_VALIDATION", DEFAULT_VALIDATION_DIR))
    parser.add_argument("--model-dir", "--model_dir", dest="model_dir",
                        default=environ.get("SM_MODEL_DIR", DEFAULT_MODEL_DIR))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def log(line):
        print(line, flush=True)

    train(
        train_dir=args.train,
        validation_dir=args.validation,
        model_dir=args.model_dir,
        n_estimators=args.n_estimators,
        max_depth=args.max_depth,
        learning_rate=args.learning_rate,
        target_column=args.target_column,
        log=log,
    )
    return 0


if __name__ == "__main__":
    sys.exit(common.run_cli(main))
