import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mlenv_model import artifact, cli, evaluation
import inference
import evaluate
from helpers import assert_clean_error, files_digest, make_tarball

# The metrics the platform's configuration may gate on (config/schema.ts reads the same file).
DECLARED = json.loads((Path(__file__).parents[3] / "evaluation-metrics.json").read_text())
METRICS = tuple(DECLARED["binary_classification"])


def assert_evaluation_shape(report, test_rows):
    # Exactly the binary classifier's declared metrics (a gate on any of them can pass), and the
    # artifact evaluated when it was an archive.
    assert [k for k in report if k != artifact.ARTIFACT_FIELD] == ["binary_classification_metrics"]
    metrics = report["binary_classification_metrics"]
    assert set(metrics) == set(METRICS) | {"confusion_matrix"}
    for name in METRICS:
        assert set(metrics[name]) == {"value", "standard_deviation"}
        assert isinstance(metrics[name]["value"], float)
        assert 0.0 <= metrics[name]["value"] <= 1.0
        assert metrics[name]["standard_deviation"] == "NaN"
    matrix = metrics["confusion_matrix"]
    assert set(matrix) == {"0", "1"}
    for actual in ("0", "1"):
        assert set(matrix[actual]) == {"0", "1"}
        assert all(isinstance(n, int) for n in matrix[actual].values())
    assert sum(sum(row.values()) for row in matrix.values()) == test_rows


def test_function_from_tarball(model_dir, splits_dir, tmp_path):
    make_tarball(model_dir, tmp_path / "model")
    report = evaluation.evaluate(inference,
        str(tmp_path / "model"), str(splits_dir / "test"), str(tmp_path / "eval")
    )
    written = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert written == report
    test = pd.read_csv(splits_dir / "test" / "test.csv")
    assert_evaluation_shape(written, len(test))
    metrics = written["binary_classification_metrics"]
    assert metrics["auc"]["value"] > 0.9
    matrix = metrics["confusion_matrix"]
    assert matrix["1"]["0"] + matrix["1"]["1"] == int(test["target"].sum())  # actual-major
    accuracy = (matrix["0"]["0"] + matrix["1"]["1"]) / len(test)
    assert metrics["accuracy"]["value"] == pytest.approx(accuracy)


def test_the_report_records_the_archive_it_evaluated(model_dir, splits_dir, tmp_path):
    archive = make_tarball(model_dir, tmp_path / "model")
    report = evaluation.evaluate(inference, str(tmp_path / "model"), str(splits_dir / "test"), str(tmp_path / "eval"))
    with open(archive, "rb") as handle:
        archive_sha256 = hashlib.sha256(handle.read()).hexdigest()
    # The archive holds model_dir's files at its root: the same files, the same digest.
    assert report["mlenv_artifact"] == {"sha256": archive_sha256, "files_sha256": files_digest(model_dir)}


def test_function_from_extracted_model_and_reordered_columns(model_dir, splits_dir, tmp_path):
    (tmp_path / "test").mkdir()
    frame = pd.read_csv(splits_dir / "test" / "test.csv")
    frame[list(reversed(frame.columns))].assign(extra=1).to_csv(
        tmp_path / "test" / "t.csv", index=False
    )
    reordered = evaluation.evaluate(inference, str(model_dir), str(tmp_path / "test"), str(tmp_path / "a"))
    original = evaluation.evaluate(inference, str(model_dir), str(splits_dir / "test"), str(tmp_path / "b"))
    assert reordered == original


def test_function_errors(model_dir, splits_dir, tmp_path):
    (tmp_path / "nomodel").mkdir()
    with pytest.raises(cli.MLError, match="neither model.tar.gz nor model.joblib"):
        evaluation.evaluate(inference, str(tmp_path / "nomodel"), str(splits_dir / "test"), str(tmp_path))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.tar.gz").write_bytes(b"not a tarball")
    with pytest.raises(cli.MLError, match="could not extract"):
        evaluation.evaluate(inference, str(tmp_path / "broken"), str(splits_dir / "test"), str(tmp_path))


def test_cli_happy_path(run_script, model_dir, splits_dir, tmp_path):
    make_tarball(model_dir, tmp_path / "model")
    result = run_script(
        "evaluate.py", "--model-dir", tmp_path / "model", "--test-dir", splits_dir / "test",
        "--output-dir", tmp_path / "eval",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("evaluate: auc=")
    report = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert_evaluation_shape(report, len(pd.read_csv(splits_dir / "test" / "test.csv")))


def test_cli_missing_feature_column(run_script, model_dir, splits_dir, tmp_path):
    shutil.copytree(str(model_dir), str(tmp_path / "model"))
    (tmp_path / "test").mkdir()
    frame = pd.read_csv(splits_dir / "test" / "test.csv")
    frame.drop(columns=["worst_area"]).to_csv(tmp_path / "test" / "t.csv", index=False)
    result = run_script(
        "evaluate.py", "--model-dir", tmp_path / "model", "--test-dir", tmp_path / "test",
        "--output-dir", tmp_path / "eval",
    )
    assert_clean_error(result, "missing feature column(s): worst_area")
    assert not (tmp_path / "eval").exists()
