"""__MODEL_NAME__: sample data -> preprocess -> train -> model.tar.gz -> evaluate -> serve, through
the scripts' command lines as the jobs run them, with the default hyperparameters (those of a
scaffolded configuration), and its bad inputs.

Scaffolded by `mlenv model new` from ml/templates/; it finds its scripts beside its own tests/
directory, and the library (mlenv_model) and the tests' helpers on the path (ml/conftest.py)."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import ML_DIR, assert_clean_error, files_digest, make_tarball
from mlenv_model import artifact, metrics

MODEL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DECLARED = json.load(open(os.path.join(ML_DIR, "evaluation-metrics.json")))
# The quality gate `mlenv model new` configures for each problem type: metric, minimum.
GATES = {"binary_classification": ("auc", 0.7), "multiclass_classification": ("accuracy", 0.5),
         "regression": ("r2", 0.3)}


def load_inference():
    """The model's inference.py under a name of its own (another model's ``inference`` may be
    imported in the same test run)."""
    name = "inference_" + os.path.basename(MODEL_DIR).replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, os.path.join(MODEL_DIR, "inference.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INFERENCE = load_inference()
PROBLEM_TYPE = INFERENCE.PROBLEM_TYPE


def run(script, *args, **env_overrides):
    """``python <model dir>/<script> args...`` as a job runs it: no SM_* variables but those
    given, the library importable (it is beside the scripts in the source archive)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = ML_DIR
    env.update(env_overrides)
    return subprocess.run([sys.executable, os.path.join(MODEL_DIR, script)] + [str(a) for a in args],
                          cwd=MODEL_DIR, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The whole run on the full sample: splits, model directory, archive, evaluation."""
    base = tmp_path_factory.mktemp("model")
    env = {"SM_CHANNEL_TRAIN": str(base / "out" / "train"),
           "SM_CHANNEL_VALIDATION": str(base / "out" / "validation"),
           "SM_MODEL_DIR": str(base / "model")}
    outputs = []
    for script, *args in [
        ("make_sample_data.py", "--output", base / "raw" / "data.csv"),
        ("preprocess.py", "--input-dir", base / "raw", "--output-dir", base / "out"),
        ("train.py",),  # the defaults: a scaffolded model's configuration sets no hyperparameters
    ]:
        result = run(script, *args, **env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    make_tarball(base / "model", base / "artifact")
    result = run("evaluate.py", "--model-dir", base / "artifact", "--test-dir", base / "out" / "test",
                 "--output-dir", base / "evaluation")
    assert result.returncode == 0, result.stderr
    report = json.loads((base / "evaluation" / "evaluation.json").read_text())
    return {"base": base, "train_output": outputs[2], "report": report}


def test_sample_data_has_numeric_features_and_a_target_of_the_problem_type(trained):
    written = pd.read_csv(trained["base"] / "raw" / "data.csv")
    assert list(written.columns)[-1] == "target" and written.shape[1] >= 3
    assert written.notna().all().all()
    assert all(pd.api.types.is_numeric_dtype(written[c]) for c in written.columns)
    classes = sorted(written["target"].unique().tolist())
    if PROBLEM_TYPE == "binary_classification":
        assert classes == [0, 1]
    elif PROBLEM_TYPE == "multiclass_classification":
        assert classes == [0, 1, 2]
    else:
        assert len(classes) > 100  # a measurement, not classes


def test_training_prints_the_problem_types_metric_lines(trained):
    lines = trained["train_output"].splitlines()
    names = DECLARED[PROBLEM_TYPE]
    expected = ["train:" + list(names)[0]] + ["validation:" + name for name in names]
    assert metrics.training_metric_names(PROBLEM_TYPE) == expected
    for name in expected:
        found = [line for line in lines if line.startswith("metric %s=" % name)]
        assert len(found) == 1, (name, lines)
        float(found[0].split("=", 1)[1])
    model = trained["base"] / "model"
    assert sorted(os.listdir(str(model))) == sorted(["code", "model-metadata.json", INFERENCE.MODEL_FILE])
    assert os.path.isfile(str(model / "code" / "inference.py"))
    assert os.path.isfile(str(model / "code" / "mlenv_model" / "serving.py"))
    metadata = json.loads((model / "model-metadata.json").read_text())
    assert metadata["problem_type"] == PROBLEM_TYPE and metadata["target_column"] == "target"
    train = pd.read_csv(trained["base"] / "out" / "train" / "train.csv")
    assert metadata["feature_columns"] == [c for c in train.columns if c != "target"]


def test_evaluation_writes_the_problem_types_group_and_passes_the_scaffolds_gate(trained):
    report = trained["report"]
    group = report["%s_metrics" % PROBLEM_TYPE]
    classification = PROBLEM_TYPE != "regression"
    assert list(group) == list(DECLARED[PROBLEM_TYPE]) + (["confusion_matrix"] if classification else [])
    metric, minimum = GATES[PROBLEM_TYPE]
    assert group[metric]["value"] >= minimum
    assert report["mlenv_artifact"] == {
        "sha256": artifact.file_sha256(str(trained["base"] / "artifact" / "model.tar.gz")),
        "files_sha256": files_digest(trained["base"] / "model"),
    }


def test_serving_the_evaluated_archive_answers_as_evaluation_scored(trained, monkeypatch):
    served = trained["base"] / "served"
    served.mkdir()
    artifact.extract_model_archive(str(trained["base"] / "artifact" / "model.tar.gz"), str(served),
                                   INFERENCE.MODEL_FILE)
    report = trained["report"]
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, report["mlenv_artifact"]["files_sha256"])
    model = INFERENCE.model_fn(str(served))
    test = pd.read_csv(trained["base"] / "out" / "test" / "test.csv")
    body, content_type = INFERENCE.transform_fn(
        model, test[model.feature_columns].to_csv(header=False, index=False), "text/csv",
        "application/json")
    assert content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == len(test)
    actual = test["target"].to_numpy()
    group = report["%s_metrics" % PROBLEM_TYPE]
    if PROBLEM_TYPE == "regression":
        scores = np.array([p["score"] for p in predictions])
        r2 = 1 - np.sum((scores - actual) ** 2) / np.sum((actual - actual.mean()) ** 2)
        assert r2 == pytest.approx(group["r2"]["value"])
    else:
        labels = np.array([p["label"] for p in predictions])
        assert float((labels == actual).mean()) == pytest.approx(group["accuracy"]["value"])
        if PROBLEM_TYPE == "binary_classification":
            assert all(0 <= p["score"] <= 1 and p["label"] == int(p["score"] >= 0.5) for p in predictions)
        else:
            assert all(len(p["scores"]) == 3 and abs(sum(p["scores"]) - 1) < 1e-6 for p in predictions)
    bad = INFERENCE.transform_fn(model, "1,2", "text/csv", "application/json")
    assert bad.status == 400 and "expected %d feature values" % len(model.feature_columns) in bad.body


def test_serving_refuses_a_changed_model_file(trained, tmp_path, monkeypatch):
    import shutil

    served = tmp_path / "served"
    shutil.copytree(str(trained["base"] / "model"), str(served))
    monkeypatch.setenv(artifact.EXPECTED_FILES_SHA256_ENV, files_digest(served))
    (served / INFERENCE.MODEL_FILE).write_bytes(b"changed")
    with pytest.raises(artifact.ModelIntegrityError, match="refusing to load a changed artifact"):
        INFERENCE.model_fn(str(served))


def test_bad_inputs_exit_with_one_error_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    bad, wanted = {"binary_classification": (2, "must be binary 0/1, found 2"),
                   "multiclass_classification": (1.5, "must be a class number 0, 1, 2, ..., found 1.5"),
                   "regression": ("high", "must be a finite number, found 'high'")}[PROBLEM_TYPE]
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "target": [1, bad, 0]}).to_csv(raw / "d.csv", index=False)
    assert_clean_error(run("preprocess.py", "--input-dir", raw, "--output-dir", tmp_path / "out"),
                       "target column 'target'", wanted)
    assert_clean_error(run("train.py", "--train", tmp_path / "none", "--validation", raw,
                           "--model-dir", tmp_path / "m"), "train channel directory not found")
    assert_clean_error(run("make_sample_data.py", "--output", tmp_path / "x.csv", "--rows", "0"),
                       "--rows must be between 1 and")
