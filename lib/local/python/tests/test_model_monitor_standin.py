import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "ml", "models", "churn"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "ml"))

import model_monitor_standin as analyzer  # noqa: E402
from make_sample_data import make_sample_data  # noqa: E402


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    """The sample dataset's features (the target dropped), as endpoint capture records them, in a
    random order: its two halves are two samples of one distribution."""
    frame = make_sample_data(str(tmp_path_factory.mktemp("raw") / "data.csv"))
    return frame.drop(columns=["target"]).sample(frac=1.0, random_state=7).reset_index(drop=True)


def write_csv(frame, directory):
    os.makedirs(directory, exist_ok=True)
    frame.to_csv(os.path.join(directory, "part-0.csv"), index=False)
    return str(directory)


def run(environ):
    """Runs the analyzer with ``/opt/ml`` under ``<output>-root`` (where its exit message goes)."""
    root = str(environ["output_path"]) + "-root"
    code = analyzer.main({**{k: str(v) for k, v in environ.items()}, "MLENV_CONTAINER_ROOT": root})
    return code


def exit_message(output):
    """What the job wrote to ``/opt/ml/output/message`` (SageMaker's ExitMessage)."""
    with open(os.path.join(str(output) + "-root", "opt", "ml", "output", "message")) as message:
        return message.read()


def baseline(features, tmp_path):
    """Runs the baseline job over the first half of the data; returns its output directory."""
    source = write_csv(features.iloc[: len(features) // 2], tmp_path / "baseline-in")
    output = tmp_path / "baseline-out"
    assert run({"dataset_source": source, "output_path": output}) == 0
    return output


def reported_violations(output):
    """The violations a check reported, after asserting its exit message says the same."""
    violations = json.loads((output / "constraint_violations.json").read_text())["violations"]
    # The drift rule matches the ExitMessage's prefix, as Model Monitor words it.
    expected = (
        "CompletedWithViolations: Job completed successfully with %d violations." % len(violations)
        if violations
        else "Completed: Job completed successfully with no violations."
    )
    assert exit_message(output) == expected
    return violations


def check(features, tmp_path, base, name="check"):
    source = write_csv(features, tmp_path / ("%s-in" % name))
    output = tmp_path / ("%s-out" % name)
    code = run(
        {
            "dataset_source": source,
            "output_path": output,
            "baseline_statistics": base / "statistics.json",
            "baseline_constraints": base / "constraints.json",
        }
    )
    assert code == 0
    return reported_violations(output)


def test_baseline_writes_model_monitor_statistics_and_constraints(features, tmp_path):
    base = baseline(features, tmp_path)
    stats = json.loads((base / "statistics.json").read_text())
    constraints = json.loads((base / "constraints.json").read_text())
    assert stats["dataset"]["item_count"] == len(features) // 2
    assert [f["name"] for f in stats["features"]] == list(features.columns)
    first = stats["features"][0]
    assert first["inferred_type"] == "Fractional"
    numbers = first["numerical_statistics"]
    column = features.iloc[: len(features) // 2][features.columns[0]]
    assert numbers["common"] == {"num_present": len(column), "num_missing": 0}
    assert numbers["min"] == pytest.approx(column.min())
    assert numbers["max"] == pytest.approx(column.max())
    assert numbers["mean"] == pytest.approx(column.mean())
    assert [f["name"] for f in constraints["features"]] == list(features.columns)
    assert all(f["completeness"] == 1.0 for f in constraints["features"])
    assert constraints["monitoring_config"]["distribution_constraints"]["comparison_method"] == "Robust"
    assert "stand-in" in stats["note"] and "stand-in" in constraints["note"]


def test_data_like_the_baseline_has_no_drift(features, tmp_path):
    base = baseline(features, tmp_path)
    # The other half of the same dataset: the same distribution, sampled differently.
    assert check(features.iloc[len(features) // 2 :], tmp_path, base) == []


def test_shifted_data_drifts_on_the_shifted_features_only(features, tmp_path):
    base = baseline(features, tmp_path)
    shifted = features.iloc[len(features) // 2 :].copy()
    moved = list(features.columns[:3])
    for name in moved:
        shifted[name] = shifted[name] * 3 + shifted[name].std()
    found = check(shifted, tmp_path, base)
    drift = sorted(v["feature_name"] for v in found if v["constraint_check_type"] == "baseline_drift_check")
    assert drift == sorted(moved)


def test_missing_columns_wrong_types_and_negatives_are_violations(features, tmp_path):
    base = baseline(features, tmp_path)
    broken = features.iloc[len(features) // 2 :].copy()
    dropped, retyped, negated = features.columns[0], features.columns[1], features.columns[2]
    broken = broken.drop(columns=[dropped])
    broken[retyped] = "n/a"
    broken[negated] = -broken[negated]
    kinds = {(v["feature_name"], v["constraint_check_type"]) for v in check(broken, tmp_path, base)}
    assert (dropped, "missing_column_check") in kinds
    assert (retyped, "data_type_check") in kinds
    assert (negated, "non_negative_check") in kinds


def test_bad_input_exits_2_with_one_error_line(tmp_path, capsys):
    assert run({"dataset_source": tmp_path / "empty", "output_path": tmp_path / "out"}) == 2
    assert capsys.readouterr().err.startswith("error: no CSV file under")
    assert run({"output_path": tmp_path / "out"}) == 2


def capture_record(frame, start, encoding):
    """One captured request of rows ``start`` to ``start + 10``, as SageMaker records it: CSV rows
    without a header, or the serving contract's JSON ``{"instances": [...]}``."""
    chunk = frame.iloc[start : start + 10]
    if encoding == "CSV":
        data, content_type = chunk.to_csv(header=False, index=False), "text/csv"
    else:
        data, content_type = json.dumps({"instances": chunk.values.tolist()}), "application/json"
    return {"captureData": {"endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding}}}


def write_capture(frame, directory, encodings=("CSV",), extra=()):
    """Requests as SageMaker data capture records them (JSON lines), in turn of ``encodings``, and
    then the ``extra`` records."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "00-00-000-capture.jsonl"), "w") as out:
        for i, start in enumerate(range(0, len(frame), 10)):
            out.write(json.dumps(capture_record(frame, start, encodings[i % len(encodings)])) + "\n")
        for record in extra:
            out.write(json.dumps(record) + "\n")
    return str(directory)


def check_capture(frame, tmp_path, base, name):
    output = tmp_path / ("%s-out" % name)
    code = run(
        {
            "dataset_source": write_capture(frame, tmp_path / ("%s-capture" % name) / "churn-local" / "AllTraffic" / "2026" / "11" / "30" / "10"),
            "dataset_format": json.dumps({"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput"]}}),
            "output_path": output,
            "baseline_statistics": base / "statistics.json",
            "baseline_constraints": base / "constraints.json",
        }
    )
    assert code == 0
    return reported_violations(output)


def test_captured_requests_are_checked_by_the_baseline_feature_order(features, tmp_path):
    base = baseline(features, tmp_path)
    other_half = features.iloc[len(features) // 2 :]
    assert check_capture(other_half, tmp_path, base, "same") == []
    shifted = other_half.copy()
    shifted[features.columns[0]] = shifted[features.columns[0]] * 3
    drift = [v["feature_name"] for v in check_capture(shifted, tmp_path, base, "shifted") if v["constraint_check_type"] == "baseline_drift_check"]
    assert drift == [features.columns[0]]


def test_json_requests_count_like_csv_ones_and_a_request_without_rows_breaks_no_check(features, tmp_path, capsys):
    """An application/json request is read as its rows, and one that holds none (refused by the
    model) is left out with a note, instead of failing every check of its capture hour."""
    base = baseline(features, tmp_path)
    other_half = features.iloc[len(features) // 2 :]
    not_rows = {"captureData": {"endpointInput": {"observedContentType": "application/json", "mode": "INPUT", "data": '{"inputs": "x"}', "encoding": "JSON"}}}
    directory = tmp_path / "mixed-capture" / "churn-local" / "AllTraffic" / "2026" / "11" / "30" / "10"
    write_capture(other_half, directory, encodings=("CSV", "JSON"), extra=[not_rows])
    output = tmp_path / "mixed-out"
    code = run(
        {
            "dataset_source": directory,
            "dataset_format": json.dumps({"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput"]}}),
            "output_path": output,
            "baseline_statistics": base / "statistics.json",
            "baseline_constraints": base / "constraints.json",
        }
    )
    assert code == 0
    assert reported_violations(output) == []
    assert "left out 1 captured request(s)" in capsys.readouterr().err
    with open(os.path.join(str(output), "statistics.json")) as s:
        counted = json.load(s)["dataset"]["item_count"]
    assert counted == len(other_half)
