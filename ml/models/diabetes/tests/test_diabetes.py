"""diabetes: sample data -> preprocess -> train -> model.tar.gz -> evaluate -> serve, through
the scripts' command lines as the jobs run them, and its bad inputs."""

import json
import os
import re

import numpy as np
import pandas as pd
import pytest

from helpers import ML_DIR, assert_clean_error, files_digest, make_tarball, model_scripts
from helpers import run_model_script
from mlenv_model import artifact, metrics

DIABETES = model_scripts("diabetes")
DECLARED = json.load(open(os.path.join(ML_DIR, "evaluation-metrics.json")))


def run(script, *args, **env):
    return run_model_script("diabetes", script, args, ML_DIR, **env)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The whole run on the full sample: splits, model directory, archive, evaluation."""
    base = tmp_path_factory.mktemp("diabetes")
    steps = [
        ("make_sample_data.py", "--output", base / "raw" / "data.csv"),
        ("preprocess.py", "--input-dir", base / "raw", "--output-dir", base / "out"),
        ("train.py", "--num_round", "100", "--max-depth", "2", "--eta", "0.1"),
    ]
    outputs = []
    env = {"SM_CHANNEL_TRAIN": str(base / "out" / "train"),
           "SM_CHANNEL_VALIDATION": str(base / "out" / "validation"),
           "SM_MODEL_DIR": str(base / "model")}
    for script, *args in steps:
        result = run(script, *args, **env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    make_tarball(base / "model", base / "artifact")
    result = run("evaluate.py", "--model-dir", base / "artifact", "--test-dir", base / "out" / "test",
                 "--output-dir", base / "evaluation")
    assert result.returncode == 0, result.stderr
    report = json.loads((base / "evaluation" / "evaluation.json").read_text())
    return {"base": base, "train_output": outputs[2], "report": report}


def test_sample_data_is_the_bundled_dataset_with_a_numeric_target(tmp_path):
    frame = DIABETES.make_sample_data.make_sample_data(str(tmp_path / "d.csv"))
    written = pd.read_csv(tmp_path / "d.csv")
    assert written.shape == (442, 11)
    assert list(written.columns)[-1] == "target"
    assert written.notna().all().all()
    assert written["target"].nunique() > 100  # a measurement, not classes
    assert len(DIABETES.make_sample_data.make_sample_data(str(tmp_path / "s.csv"), rows=50)) == 50
    assert np.allclose(frame.to_numpy(), written.to_numpy())


def test_training_prints_the_regression_metrics_its_definitions_capture(trained):
    lines = trained["train_output"].splitlines()
    names = ["train:rmse"] + ["validation:" + name for name in DECLARED["regression"]]
    assert metrics.training_metric_names(DIABETES.inference.PROBLEM_TYPE) == names
    for name in names:
        found = [float(m.group(1)) for m in (re.fullmatch(r"metric %s=(-?[0-9.]+)" % name, l) for l in lines) if m]
        assert len(found) == 1, (name, lines)
    model = trained["base"] / "model"
    assert sorted(os.listdir(str(model))) == ["code", "model-metadata.json", "xgboost-model.json"]
    assert os.path.isfile(str(model / "code" / "mlenv_model" / "serving.py"))
    metadata = json.loads((model / "model-metadata.json").read_text())
    assert metadata["hyperparameters"]["num_round"] == 100
    assert metadata["feature_columns"] == ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def test_evaluation_writes_the_regression_group_and_the_artifact_digests(trained):
    report = trained["report"]
    group = report["regression_metrics"]
    assert list(group) == list(DECLARED["regression"])
    assert group["r2"]["value"] > 0.2  # well above predicting the mean (0)
    assert group["rmse"]["value"] >= group["mae"]["value"] > 0
    archive = trained["base"] / "artifact" / "model.tar.gz"
    assert report["mlenv_artifact"] == {
        "sha256": artifact.file_sha256(str(archive)),
        "files_sha256": files_digest(trained["base"] / "model"),
    }


def test_serving_answers_each_row_with_its_predicted_value(trained, monkeypatch):
    model_dir = trained["base"] / "model"
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(model_dir))
    model = DIABETES.inference.model_fn(str(model_dir))
    test = pd.read_csv(trained["base"] / "out" / "test" / "test.csv")
    rows = test[model.feature_columns].head(3)
    body, content_type = DIABETES.inference.transform_fn(
        model, rows.to_csv(header=False, index=False), "text/csv", "application/json")
    assert content_type == "application/json"
    scores = [p["score"] for p in json.loads(body)["predictions"]]
    expected = DIABETES.inference.predict(model, rows.to_numpy(dtype=np.float64))
    assert scores == pytest.approx(expected.tolist())
    assert all(25 <= s <= 346 for s in scores)  # within the target's range
    bad = DIABETES.inference.transform_fn(model, "1,2,3", "text/csv", "application/json")
    assert bad.status == 400 and "expected 10 feature values" in bad.body


def test_serving_refuses_a_changed_booster(trained, tmp_path, monkeypatch):
    import shutil

    served = tmp_path / "served"
    shutil.copytree(str(trained["base"] / "model"), str(served))
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(served))
    (served / "xgboost-model.json").write_text("{}")
    with pytest.raises(artifact.ModelIntegrityError, match="refusing to load a changed artifact"):
        DIABETES.inference.model_fn(str(served))


def test_bad_inputs_exit_with_one_error_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "target": [1.0, "high", 2.0]}).to_csv(raw / "d.csv", index=False)
    assert_clean_error(run("preprocess.py", "--input-dir", raw, "--output-dir", tmp_path / "out"),
                       "target column 'target'", "must be a finite number, found 'high'")
    assert_clean_error(run("train.py", "--eta", "0", "--train", raw, "--validation", raw,
                           "--model-dir", tmp_path / "m"), "--eta must be in (0, 1], got 0.0")
    assert_clean_error(run("make_sample_data.py", "--output", tmp_path / "x.csv", "--rows", "0"),
                       "--rows must be between 1 and 442, got 0")
