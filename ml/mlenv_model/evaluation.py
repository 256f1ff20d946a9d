"""The evaluate step (a Processing job): a trained model's metrics on the test split.

  input   --model-dir (default /opt/ml/processing/model): model.tar.gz (the training job's
          artifact; extracted to a temp dir) or an already-extracted model directory
          --test-dir (default /opt/ml/processing/test): CSV with header, holding the target
          column and every feature column the model's metadata lists (others are ignored)
  output  --output-dir (default /opt/ml/processing/evaluation)/evaluation.json: the metrics
          group of the model's problem type (SageMaker's model-quality shape) and, when given
          the archive, ``mlenv_artifact`` (the archive's SHA-256 and its files' SHA-256, hashed
          before anything is unpickled), which the registration records in the package
  args    --target-column (default: the one in model-metadata.json)

A model's evaluate.py passes its serving module, which gives PROBLEM_TYPE, MODEL_FILE,
``load_model(model_dir)`` (an object with ``feature_columns`` and ``metadata``) and
``predict(model, features)`` (positive-class scores, class probabilities or values).
"""

import os
import tempfile

from . import artifact, metrics
from .cli import ArgumentParser, MLError
from .data import DEFAULT_TARGET_COLUMN, describe_source, read_csv_dir, select_features
from .data import validate_labeled_frame, write_json

DEFAULT_MODEL_DIR = "/opt/ml/processing/model"
DEFAULT_TEST_DIR = "/opt/ml/processing/test"
DEFAULT_OUTPUT_DIR = "/opt/ml/processing/evaluation"
EVALUATION_FILENAME = "evaluation.json"


def _evaluate_loaded(program, model, test_dir, output_dir, target_column, record=None):
    problem_type = program.PROBLEM_TYPE
    target_column = target_column or model.metadata.get("target_column", DEFAULT_TARGET_COLUMN)
    frame, paths = read_csv_dir(test_dir, "test")
    source = describe_source(paths, test_dir)
    if target_column not in frame.columns:
        raise MLError("target column '%s' not found in %s" % (target_column, source))
    columns = list(model.feature_columns)
    features = select_features(frame, columns, source)
    # validate the target (and only the model's features, ignoring extra columns)
    frame, _ = validate_labeled_frame(frame[columns + [target_column]], target_column, source,
                                      problem_type)
    values, matrix = metrics.compute(
        problem_type, frame[target_column].to_numpy(), program.predict(model, features),
        classes=model.metadata.get("classes"), source=source,
    )
    report = metrics.report(problem_type, values, matrix)
    if record is not None:
        report[artifact.ARTIFACT_FIELD] = record
    os.makedirs(output_dir, exist_ok=True)
    write_json(os.path.join(output_dir, EVALUATION_FILENAME), report)
    return report


def evaluate(program, model_dir=DEFAULT_MODEL_DIR, test_dir=DEFAULT_TEST_DIR,
             output_dir=DEFAULT_OUTPUT_DIR, target_column=None):
    """Evaluate and write evaluation.json. Returns the report dict."""
    if not os.path.isdir(model_dir):
        raise MLError("model directory not found: %s" % model_dir)
    archive = os.path.join(model_dir, artifact.MODEL_ARCHIVE)
    if os.path.isfile(archive):
        with tempfile.TemporaryDirectory(prefix="model-") as scratch:
            extracted = artifact.extract_model_archive(archive, scratch, program.MODEL_FILE)
            # Hashed before anything is unpickled: the files as SageMaker will extract them.
            record = artifact.archive_record(archive, scratch)
            model = program.load_model(extracted)
            return _evaluate_loaded(program, model, test_dir, output_dir, target_column, record)
    if os.path.isfile(os.path.join(model_dir, program.MODEL_FILE)):
        model = program.load_model(model_dir)
        return _evaluate_loaded(program, model, test_dir, output_dir, target_column)
    raise MLError(
        "neither %s nor %s found in model directory %s"
        % (artifact.MODEL_ARCHIVE, program.MODEL_FILE, model_dir)
    )


def main(argv, program):
    """The evaluate script's command line, for the model whose serving module is ``program``."""
    parser = ArgumentParser(description="Evaluate the model on the test split.")
    parser.add_argument("--model-dir", default=DEFAULT_MODEL_DIR)
    parser.add_argument("--test-dir", default=DEFAULT_TEST_DIR)
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--target-column", default=None,
                        help="default: target_column from model-metadata.json")
    args = parser.parse_args(argv)
    report = evaluate(program, args.model_dir, args.test_dir, args.output_dir, args.target_column)
    group = report["%s_metrics" % program.PROBLEM_TYPE]
    print(
        "evaluate: %s -> %s"
        % (
            " ".join("%s=%.6f" % (name, group[name]["value"])
                     for name in metrics.metric_names(program.PROBLEM_TYPE)),
            os.path.join(args.output_dir, EVALUATION_FILENAME),
        )
    )
    return 0
