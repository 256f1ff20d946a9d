"""The model-quality stand-in on small generated data: captures in SageMaker's capture format,
labels in SageMaker's ground-truth format, metrics compared with scikit-learn's."""

import json
import os
import sys

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "ml"))

import model_monitor_standin as analyzer  # noqa: E402  (the image's one entrypoint)
import model_quality_standin as quality  # noqa: E402


def capture(directory, answers, with_inference_id=True):
    """One capture file: each answer the serving contract's JSON, under the hour folders."""
    folder = directory / "ep" / "AllTraffic" / "2026" / "12" / "08" / "01"
    folder.mkdir(parents=True)
    with open(folder / "00-00-abc.jsonl", "w") as out:
        for i, answer in enumerate(answers):
            metadata = {"eventId": "event-%d" % i, "inferenceTime": "2026-12-08T01:00:00.000Z"}
            if with_inference_id:
                metadata["inferenceId"] = "req-%d" % i
            out.write(json.dumps({
                "captureData": {
                    "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1,2", "encoding": "CSV"},
                    "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                                       "data": json.dumps({"predictions": [answer]}), "encoding": "JSON"},
                },
                "eventMetadata": metadata,
                "eventVersion": "0",
            }) + "\n")
    return directory


def ground_truth(directory, labels, prefix="req-"):
    folder = directory / "2026" / "12" / "08" / "02"
    folder.mkdir(parents=True)
    with open(folder / "labels.jsonl", "w") as out:
        for i, label in enumerate(labels):
            out.write(json.dumps({"groundTruthData": {"data": str(label), "encoding": "CSV"},
                                  "eventMetadata": {"eventId": "%s%d" % (prefix, i)}, "eventVersion": "0"}) + "\n")
    return directory


def constraints(path, document):
    path.write_text(json.dumps(document))
    return path


def run(tmp_path, problem_type, inference, probability=None, constraint=None):
    environ = {
        "analysis_type": "MODEL_QUALITY",
        "dataset_source": str(tmp_path / "capture"),
        "ground_truth_source": str(tmp_path / "truth"),
        "output_path": str(tmp_path / "out"),
        "problem_type": problem_type,
        "inference_attribute": inference,
        "MLENV_CONTAINER_ROOT": str(tmp_path / "root"),
    }
    if probability:
        environ["probability_attribute"] = probability
    if constraint:
        environ["baseline_constraints"] = str(constraints(tmp_path / "constraints.json", constraint))
    code = analyzer.main(environ)
    out = tmp_path / "out"
    read = lambda name: json.loads((out / name).read_text()) if (out / name).exists() else None  # noqa: E731
    message_file = tmp_path / "root" / "opt" / "ml" / "output" / "message"
    return code, read("statistics.json"), read("constraint_violations.json"), (
        message_file.read_text() if message_file.exists() else None)


def test_binary_metrics_are_sklearns_on_the_joined_records(tmp_path):
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 60)
    scores = np.clip(truth * 0.6 + rng.uniform(0, 0.5, 60), 0, 1)
    answers = [{"score": float(s), "label": int(s >= 0.5)} for s in scores]
    capture(tmp_path / "capture", answers)
    ground_truth(tmp_path / "truth", truth[:50])  # 10 requests have no label yet
    code, statistics, report, message = run(
        tmp_path, "BinaryClassification", "predictions[0].label", "predictions[0].score",
        {"version": 0.0, "binary_classification_constraints": {"auc": {"threshold": 0.5, "comparison_operator": "LessThanThreshold"}}},
    )
    assert code == 0
    group = statistics["binary_classification_metrics"]
    assert statistics["dataset"]["item_count"] == 50
    assert group["auc"]["value"] == pytest.approx(roc_auc_score(truth[:50], scores[:50]))
    assert group["accuracy"]["value"] == pytest.approx(accuracy_score(truth[:50], scores[:50] >= 0.5))
    assert group["f1"]["value"] == pytest.approx(f1_score(truth[:50], scores[:50] >= 0.5))
    assert sum(sum(row.values()) for row in group["confusion_matrix"].values()) == 50
    assert report["violations"] == []
    assert message.startswith("Completed: ")


def test_flipped_labels_break_the_gate_and_the_job_says_completed_with_violations(tmp_path):
    scores = np.linspace(0.05, 0.95, 40)
    capture(tmp_path / "capture", [{"score": float(s), "label": int(s >= 0.5)} for s in scores])
    ground_truth(tmp_path / "truth", [1 - int(s >= 0.5) for s in scores])  # a degraded model
    code, statistics, report, message = run(
        tmp_path, "BinaryClassification", "predictions[0].label", "predictions[0].score",
        {"version": 0.0, "binary_classification_constraints": {"auc": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}}},
    )
    assert code == 0
    assert statistics["binary_classification_metrics"]["auc"]["value"] == pytest.approx(0.0)
    [violation] = report["violations"]
    assert violation["metric_name"] == "auc" and violation["constraint_check_type"] == "LessThanThreshold"
    assert message.startswith("CompletedWithViolations: ")


def test_regression_metrics_are_sklearns_and_a_higher_is_better_gate_holds(tmp_path):
    rng = np.random.default_rng(5)
    truth = rng.normal(150, 40, 30)
    predicted = truth + rng.normal(0, 10, 30)
    capture(tmp_path / "capture", [{"score": float(p)} for p in predicted])
    ground_truth(tmp_path / "truth", truth)
    code, statistics, report, _ = run(
        tmp_path, "Regression", "predictions[0].score", None,
        {"version": 0.0, "regression_constraints": {"r2": {"threshold": 0.3, "comparison_operator": "LessThanThreshold"}}},
    )
    assert code == 0
    group = statistics["regression_metrics"]
    assert group["r2"]["value"] == pytest.approx(r2_score(truth, predicted))
    assert group["mae"]["value"] == pytest.approx(mean_absolute_error(truth, predicted))
    assert report["violations"] == []


def test_multiclass_accuracy(tmp_path):
    truth = [0, 1, 2, 2, 1, 0, 2, 1]
    predicted = [0, 1, 2, 1, 1, 0, 0, 1]
    capture(tmp_path / "capture", [{"label": p, "scores": [0.2, 0.3, 0.5]} for p in predicted])
    ground_truth(tmp_path / "truth", truth)
    code, statistics, report, _ = run(
        tmp_path, "MulticlassClassification", "predictions[0].label", None,
        {"version": 0.0, "multiclass_classification_constraints": {"accuracy": {"threshold": 0.8, "comparison_operator": "LessThanThreshold"}}},
    )
    assert code == 0
    assert statistics["multiclass_classification_metrics"]["accuracy"]["value"] == pytest.approx(accuracy_score(truth, predicted))
    assert [v["metric_name"] for v in report["violations"]] == ["accuracy"]


def test_without_an_inference_id_the_event_id_is_the_join_key(tmp_path):
    capture(tmp_path / "capture", [{"score": 0.9, "label": 1}, {"score": 0.1, "label": 0}], with_inference_id=False)
    ground_truth(tmp_path / "truth", [1, 0], prefix="event-")
    code, statistics, _, _ = run(tmp_path, "BinaryClassification", "predictions[0].label", "predictions[0].score")
    assert code == 0 and statistics["dataset"]["item_count"] == 2


def test_labels_that_match_no_capture_are_one_error_line(tmp_path, capsys):
    capture(tmp_path / "capture", [{"score": 0.9, "label": 1}])
    ground_truth(tmp_path / "truth", [1], prefix="other-")
    code, statistics, _, _ = run(tmp_path, "BinaryClassification", "predictions[0].label", "predictions[0].score")
    assert code == 2 and statistics is None
    assert "none of the 1 captured request(s) has a label among the 1 pushed" in capsys.readouterr().err


def test_attribute_paths():
    answer = {"predictions": [{"score": 0.4, "label": 0, "scores": [0.1, 0.9]}]}
    assert quality.attribute(answer, "predictions[0].score") == 0.4
    assert quality.attribute(answer, "predictions[0].scores[1]") == 0.9
    assert quality.attribute(answer, "predictions[1].score") is None
    assert quality.attribute(answer, "missing") is None
