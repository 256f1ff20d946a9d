"""The shared library on its own: the metric groups, regression and multiclass metrics, targets
by problem type, answers by problem type, and the serving code bundled into a model directory."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

from helpers import ML_DIR
from mlenv_model import PROBLEM_TYPES, cli, contract, data, metrics, serving

DECLARED = json.load(open(os.path.join(ML_DIR, "evaluation-metrics.json")))


def test_the_metric_groups_are_exactly_those_of_evaluation_metrics_json():
    assert sorted(PROBLEM_TYPES) == sorted(DECLARED)
    for problem_type, group in DECLARED.items():
        assert list(metrics.metric_names(problem_type)) == list(group)


def test_each_problem_type_computes_and_reports_its_whole_group():
    labels = np.array([0, 1, 1, 0, 1, 2])
    probabilities = np.eye(3)[[0, 1, 2, 0, 1, 2]] * 0.8 + 0.2 / 3
    cases = {
        "binary_classification": (labels.clip(0, 1), np.array([0.1, 0.9, 0.4, 0.2, 0.8, 0.7]), None),
        "multiclass_classification": (labels, probabilities, [0, 1, 2]),
        "regression": (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 2.5, 4.0]), None),
    }
    for problem_type, (targets, predictions, classes) in cases.items():
        values, _ = metrics.compute(problem_type, targets, predictions, classes)
        group = metrics.report(problem_type, values)["%s_metrics" % problem_type]
        assert [name for name in group if name != "confusion_matrix"] == list(DECLARED[problem_type])
        assert all(math.isfinite(group[name]["value"]) for name in DECLARED[problem_type])


def test_regression_metrics_from_their_definitions():
    values, matrix = metrics.compute("regression", [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.0])
    # errors 0.5, 0, -0.5, 0; total sum of squares about the mean 2.5 is 5.
    assert values["rmse"] == pytest.approx(math.sqrt(0.5 / 4))
    assert values["mae"] == pytest.approx(1.0 / 4)
    assert values["r2"] == pytest.approx(1 - 0.5 / 5)
    assert matrix is None
    with pytest.raises(cli.MLError, match="at least two different target values"):
        metrics.compute("regression", [3.0, 3.0], [1.0, 2.0])


def test_multiclass_metrics_take_the_most_probable_class():
    values, matrix = metrics.compute(
        "multiclass_classification", [0, 1, 2, 2], np.eye(3)[[0, 1, 2, 1]], classes=[0, 1, 2]
    )
    assert values["accuracy"] == pytest.approx(0.75)
    assert matrix["2"] == {"0": 0, "1": 1, "2": 1}


def test_training_metric_lines_and_their_regex_capture_negative_values():
    assert metrics.training_metric_names("regression") == [
        "train:rmse", "validation:rmse", "validation:mae", "validation:r2"]
    line = metrics.format_metric("validation:r2", -0.25)
    assert line == "metric validation:r2=-0.250000"
    import re

    assert float(re.fullmatch(metrics.metric_regex("validation:r2"), line).group(1)) == -0.25


@pytest.mark.parametrize(
    "problem_type, values, message",
    [
        ("binary_classification", [0, 2], "must be binary 0/1, found 2"),
        ("multiclass_classification", [0, 1.5], "must be a class number 0, 1, 2, ..., found 1.5"),
        ("multiclass_classification", [0, -1], "must be a class number 0, 1, 2, ..., found -1"),
        ("regression", [1.0, "x"], "must be a finite number, found 'x'"),
        ("regression", [1.0, float("inf")], "must be a finite number, found inf"),
    ],
)
def test_targets_are_validated_by_problem_type(problem_type, values, message):
    frame = pd.DataFrame({"a": [1.0, 2.0], "target": values})
    with pytest.raises(cli.MLError, match=message.replace(".", r"\.").replace("(", r"\(")):
        data.validate_labeled_frame(frame, "target", "t.csv", problem_type)


def test_a_regression_target_is_kept_as_numbers():
    frame, columns = data.validate_labeled_frame(
        pd.DataFrame({"a": [1.0, 2.0], "target": [151.0, 75.5]}), "target", "t.csv", "regression")
    assert columns == ["a"]
    assert frame["target"].tolist() == [151.0, 75.5]


def test_answers_by_problem_type():
    assert json.loads(serving.encode_output("regression", np.array([151.5]), None)[0]) == {
        "predictions": [{"score": 151.5}]}
    assert serving.encode_output("regression", np.array([151.5, 2.0]), "text/csv")[0] == "151.5\n2.0\n"
    body, _ = serving.encode_output("binary_classification", np.array([0.7]), "application/json")
    assert json.loads(body) == {"predictions": [{"score": 0.7, "label": 1}]}
    body, _ = serving.encode_output(
        "multiclass_classification", np.array([[0.1, 0.2, 0.7]]), "application/json", [3, 4, 5])
    assert json.loads(body) == {"predictions": [{"label": 5, "scores": [0.1, 0.2, 0.7]}]}


def test_the_serving_code_travels_with_the_library(tmp_path):
    script_dir = tmp_path / "model-code"
    script_dir.mkdir()
    (script_dir / "inference.py").write_text("from mlenv_model import serving\n")
    contract.bundle_serving_code(str(tmp_path / "model"), str(script_dir))
    code = tmp_path / "model" / "code"
    library = sorted(f for f in os.listdir(os.path.join(ML_DIR, "mlenv_model")) if f.endswith(".py"))
    assert sorted(os.listdir(str(code))) == ["inference.py", "mlenv_model"]
    assert sorted(os.listdir(str(code / "mlenv_model"))) == library
