"""SageMaker Processing job: evaluate a trained model on the test split.

Contract
  input   --model-dir (default /opt/ml/processing/model): either model.tar.gz
          (the training job's output artifact; extracted to a temp dir) or an
          already-extracted model.joblib + model-metadata.json
          --test-dir (default /opt/ml/processing/test): CSV with header, holding
          the target column and every feature column listed in the metadata
  output  --output-dir (default /opt/ml/processing/evaluation)/evaluation.json,
          with "mlenv_artifact": {"sha256": <of model.tar.gz>, "files_sha256":
          <inference.model_files_sha256 of its files>} when given the archive: the
          registration records both in the package (serving and promotion check them)
  args    --target-column (default: the one recorded in model-metadata.json)

evaluation.json (SageMaker model-quality shape; labels use threshold 0.5;
confusion_matrix[actual][predicted]):

    {"binary_classification_metrics": {
        "auc":       {"value": 0.99, "standard_deviation": "NaN"},
        "accuracy":  {"value": ..., "standard_deviation": "NaN"},
        "precision": {...}, "recall": {...}, "f1": {...},
        "confusion_matrix": {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}}}

Bad input -> one ``error: ...`` line on stderr and exit status 2.
"""

import hashlib
import os
import sys
import tarfile
import tempfile

# SageMaker runs these scripts from a code directory that also holds common.py
# (training source dir / processing code input), but not always as the current
# directory or as sys.path[0] (e.g. `python -m`, runpy, imports from tests).
# Putting this file's own directory first makes `import common` always work.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import inference  # noqa: E402

# Where evaluation.json records the artifact it evaluated, for the registration (the package's
# artifactSha256 and artifactFilesSha256): the archive's bytes, as S3 holds them, and its files,
# as the serving container sees them (inference.model_files_sha256).
ARTIFACT_FIELD = "mlenv_artifact"

DEFAULT_MODEL_DIR = "/opt/ml/processing/model"
DEFAULT_TEST_DIR = "/opt/ml/processing/test"
DEFAULT_OUTPUT_DIR = "/opt/ml/processing/evaluation"
MODEL_ARCHIVE = "model.tar.gz"
EVALUATION_FILENAME = "evaluation.json"


def _safe_members(archive, destination):
    destination = os.path.realpath(destination)
    for member in archive.getmembers():
        if not (member.isfile() or member.isdir()):
            continue  # skip links, devices, fifos
        target = os.path.realpath(os.path.join(destination, member.name))
        if target != destination and not target.startswith(destination + os.sep):
            raise common.MLError("unsafe path in model archive: %s" % member.name)
        yield member


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extract_model_archive(archive_path, destination):
    """Safely extract a model.tar.gz; returns the directory holding model.joblib."""
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            members = list(_safe_members(archive, destination))
            if hasattr(tarfile, "data_filter"):  # Python 3.12+ / patched 3.9-3.11
                archive.extractall(destination, members=members, filter="data")
            else:
                archive.extractall(destination, members=members)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise common.MLError("could not extract %s: %s" % (archive_path, exc))
    for root, dirs, files in os.walk(destination):
        dirs.sort()
        if common.MODEL_FILENAME in files:
            return root
    raise common.MLError("%s does not contain %s" % (archive_path, common.MODEL_FILENAME))


def compute_metrics(labels, scores):
    """SageMaker model-quality ``binary_classification_metrics`` dict."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    predicted = common.labels_from_scores(scores)

    def metric(value):
        return {"value": float(value), "standard_deviation": "NaN"}

    matrix = confusion_matrix(labels, predicted, labels=[0, 1])
    return {
        "binary_classification_metrics": {
            "auc": metric(roc_auc_score(labels, scores)),
            "accuracy": metric(accuracy_score(labels, predicted)),
            "precision": metric(precision_score(labels, predicted, zero_division=0)),
            "recall": metric(recall_score(labels, predicted, zero_division=0)),
            "f1": metric(f1_score(labels, predicted, zero_division=0)),
            "confusion_matrix": {
                str(actual): {
                    str(guess): int(matrix[actual][guess]) for guess in (0, 1)
                }
                for actual in (0, 1)
            },
        }
    }


def _evaluate_loaded(model, metadata, test_dir, output_dir, target_column, artifact=None):
    target_column = target_column or metadata.get(
        "target_column", common.DEFAULT_TARGET_COLUMN
    )
    frame, paths = common.read_csv_dir(test_dir, "test")
    source = paths[0] if len(paths) == 1 else "%d CSV files in %s" % (len(paths), test_dir)
    if target_column not in frame.columns:
        raise common.MLError(
            "target column '%s' not found in %s" % (target_column, source)
        )
    feature_columns = list(metadata["feature_columns"])
    features = common.select_features(frame, feature_columns, source)
    # validate the target (and only the model's features, ignoring extra columns)
    frame, _ = common.validate_labeled_frame(
        frame[feature_columns + [target_column]], target_column, source
    )
    labels = frame[target_column].to_numpy()
    if len(set(labels.tolist())) < 2:
        raise common.MLError("%s contains only one target class; AUC is undefined" % source)
    scores = common.positive_class_scores(model, features)
    report = compute_metrics(labels, scores)
    if artifact is not None:
        report[ARTIFACT_FIELD] = artifact
    os.makedirs(output_dir, exist_ok=True)
    common.write_json(os.path.join(output_dir, EVALUATION_FILENAME), report)
    return report


def evaluate(
    model_dir=DEFAULT_MODEL_DIR,
    test_dir=DEFAULT_TEST_DIR,
    output_dir=DEFAULT_OUTPUT_DIR,
    target_column=None,
):
    """Evaluate and write evaluation.json. Returns the report dict."""
    if not os.path.isdir(model_dir):
        raise common.MLError("model directory not found: %s" % model_dir)
    archive = os.path.join(model_dir, MODEL_ARCHIVE)
    if os.path.isfile(archive):
        with tempfile.TemporaryDirectory(prefix="model-") as scratch:
            extracted = extract_model_archive(archive, scratch)
            # Hashed before anything is unpickled: the files as SageMaker will extract them.
            artifact = {"sha256": file_sha256(archive), "files_sha256": inference.model_files_sha256(scratch)}
            model, metadata = common.load_model_dir(extracted)
            return _evaluate_loaded(model, metadata, test_dir, output_dir, target_column, artifact)
    if os.path.isfile(os.path.join(model_dir, common.MODEL_FILENAME)):
        model, metadata = common.load_model_dir(model_dir)
        return _evaluate_loaded(model, metadata, test_dir, output_dir, target_column)
    raise common.MLError(
        "neither %s nor %s found in model directory %s"
        % (MODEL_ARCHIVE, common.MODEL_FILENAME, model_dir)
    )


def main(argv=None):
    parser = common.ArgumentParser(description="Evaluate the model on the test split.")
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--test-dir", default=DEFAULT_TEST_DIR)
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--target-column", default=None,
                        help="default: target_column from model-metadata.json")
    args = parser.parse_args(argv)
    report = evaluate(args.model_dir, args.test_dir, args.output_dir, args.target_column)
    metrics = report["binary_classification_metrics"]
    print(
        "evaluate: auc=%.6f accuracy=%.6f precision=%.6f recall=%.6f f1=%.6f -> %s"
        % (
            metrics["auc"]["value"],
            metrics["accuracy"]["value"],
            metrics["precision"]["value"],
            metrics["recall"]["value"],
            metrics["f1"]["value"],
            os.path.join(args.output_dir, EVALUATION_FILENAME),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(common.run_cli(main))
