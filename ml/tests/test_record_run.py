"""ml/tracking/record_run.py: a pipeline run recorded in MLflow (a local store in a file), linked to its package."""

import json
import os
import socket
import subprocess
import sys
import tarfile

import pytest

mlflow = pytest.importorskip("mlflow")  # installed by scripts/setup (ml/requirements-tracking.txt)

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tracking", "record_run.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
import record_run  # noqa: E402

# The report evaluate.py writes (its documented shape): metrics by problem type, plus a matrix.
EVALUATION = {
    "binary_classification_metrics": {
        "auc": {"value": 0.991, "standard_deviation": "NaN"},
        "accuracy": {"value": 0.953, "standard_deviation": "NaN"},
        "confusion_matrix": {"0": {"0": 40, "1": 2}, "1": {"0": 3, "1": 69}},
    }
}
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlenv-local-churn/1"
# No AWS credentials and no instance metadata: an s3:// read or upload fails at once, offline.
NO_AWS = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_SESSION_TOKEN": "",
    "AWS_PROFILE": "",
}


def run_script(*args, env=None):
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        capture_output=True,
        text=True,
        env={k: v for k, v in {**os.environ, **NO_AWS, **(env or {})}.items() if v != "" or not k.startswith("AWS_")},
        timeout=300,
    )


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    # A file store keeps its artifacts under the working directory (./mlruns): the test's own.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def store(tmp_path):
    # A local store in a file (MLflow 3 refuses its old directory store unless told otherwise).
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def evaluation(tmp_path):
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(EVALUATION))
    return str(path)


@pytest.fixture
def model_archive(tmp_path):
    """A model archive as a training job writes one (model.tar.gz of the model's files)."""
    (tmp_path / "model.joblib").write_bytes(b"a trained model")
    path = tmp_path / "trained" / "model.tar.gz"
    path.parent.mkdir()
    with tarfile.open(path, "w:gz") as archive:
        archive.add(tmp_path / "model.joblib", arcname="model.joblib")
    return str(path)


def artifacts(store, run_id):
    client = mlflow.MlflowClient(tracking_uri=store)
    return sorted(
        a.path for top in client.list_artifacts(run_id) for a in ([top] if not top.is_dir else client.list_artifacts(run_id, top.path))
    )


def record(store, evaluation, tmp_path, *extra, env=None, model_artifact="s3://models/churn/runs/r1/train/output/model.tar.gz"):
    return run_script(
        "record",
        "--tracking-uri", store,
        "--experiment", "churn",
        "--run-name", "manual-20261201T100000-abc123",
        "--evaluation", evaluation,
        "--param", "n-estimators=100",
        "--param", "learning-rate=0.1",
        "--dataset-version", "46b9fe08b62bf1d1",
        "--dataset-uri", "s3://curated/churn/data/features/46b9fe08b62bf1d1/",
        "--code-version", "dc63fd3",
        "--model-artifact", model_artifact,
        "--run-id-file", str(tmp_path / "run-id"),
        *extra,
        env=env,
    )


def test_a_run_is_recorded_with_its_parameters_metrics_and_lineage(store, evaluation, tmp_path):
    result = record(store, evaluation, tmp_path)
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    assert run_id and (tmp_path / "run-id").read_text() == run_id
    run = mlflow.MlflowClient(tracking_uri=store).get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "manual-20261201T100000-abc123"
    assert mlflow.MlflowClient(tracking_uri=store).get_experiment(run.info.experiment_id).name == "churn"
    assert run.data.params == {"n-estimators": "100", "learning-rate": "0.1", "dataset_version": "46b9fe08b62bf1d1"}
    # Every numeric metric of the report, by its name; the confusion matrix is not a metric.
    expected = {name: entry["value"] for name, entry in EVALUATION["binary_classification_metrics"].items() if "value" in entry}
    assert run.data.metrics == expected
    assert {k: v for k, v in run.data.tags.items() if k.startswith("mlenv.")} == {
        "mlenv.dataset_version": "46b9fe08b62bf1d1",
        "mlenv.dataset_uri": "s3://curated/churn/data/features/46b9fe08b62bf1d1/",
        "mlenv.code_version": "dc63fd3",
        "mlenv.model_artifact": "s3://models/churn/runs/r1/train/output/model.tar.gz",
    }


def test_the_run_is_linked_to_the_package_it_produced(store, evaluation, tmp_path):
    run_id = json.loads(record(store, evaluation, tmp_path).stdout)["runId"]
    result = run_script("link", "--tracking-uri", store, "--run-id", run_id, "--model-package-arn", PACKAGE)
    assert result.returncode == 0, result.stderr
    assert mlflow.MlflowClient(tracking_uri=store).get_run(run_id).data.tags["mlenv.model_package_arn"] == PACKAGE


def test_with_no_tracking_server_it_warns_and_training_goes_on(evaluation, tmp_path):
    result = record("", evaluation, tmp_path, env={"MLFLOW_TRACKING_URI": ""})
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"runId": ""}
    assert (tmp_path / "run-id").read_text() == ""
    assert result.stderr.strip() == "warning: no MLflow tracking server configured: the run is not recorded"


def test_a_server_that_does_not_answer_is_a_warning_too(evaluation, tmp_path):
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = record(f"http://127.0.0.1:{port}", evaluation, tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"runId": ""}
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"warning: MLflow at http://127.0.0.1:{port} did not record the run: ")
    assert "Traceback" not in result.stderr


def test_a_report_without_metrics_is_refused(store, tmp_path):
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps({"binary_classification_metrics": {"confusion_matrix": {}}}))
    result = record(store, str(path), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the evaluation report has no numeric")


def test_a_parameter_that_is_not_name_value_is_refused(store, evaluation, tmp_path):
    result = record(store, evaluation, tmp_path, "--param", "oops")
    assert result.returncode == 2 and "'oops' is not name=value" in result.stderr


def test_metrics_are_read_from_every_problem_group():
    assert record_run.evaluation_metrics({"regression_metrics": {"mse": {"value": 2}, "r2": {"value": True}}}) == {"mse": 2.0}


def test_parameters_may_come_as_one_json_object(store, evaluation, tmp_path):
    # What the pipeline passes: the model's hyperparameters, as the configuration holds them.
    result = record(store, evaluation, tmp_path, "--params-json", json.dumps({"max-depth": 3, "warm-start": True}))
    run = mlflow.MlflowClient(tracking_uri=store).get_run(json.loads(result.stdout)["runId"])
    assert run.data.params["max-depth"] == "3" and run.data.params["warm-start"] == "true"
    assert run.data.params["n-estimators"] == "100"


def test_parameters_that_are_not_a_json_object_are_refused(store, evaluation, tmp_path):
    result = record(store, evaluation, tmp_path, "--params-json", "[1, 2]")
    assert result.returncode == 2 and "must be a JSON object of parameters" in result.stderr


def test_a_build_step_passes_everything_as_variables(store, evaluation, tmp_path):
    env = {
        "MLFLOW_TRACKING_URI": store,
        "MLENV_EXPERIMENT": "churn",
        "MLENV_RUN_NAME": "new-data-1",
        "MLENV_EVALUATION": evaluation,
        "MLENV_PARAMS": json.dumps({"n-estimators": 100}),
        "MLENV_DATASET_VERSION": "v9",
    }
    result = run_script("record", "--run-id-file", str(tmp_path / "run-id"), env=env)
    assert result.returncode == 0, result.stderr
    run_id = (tmp_path / "run-id").read_text()
    run = mlflow.MlflowClient(tracking_uri=store).get_run(run_id)
    assert run.info.run_name == "new-data-1" and run.data.params == {"n-estimators": "100", "dataset_version": "v9"}
    linked = run_script(
        "link",
        "--run-id-file", str(tmp_path / "linked"),
        env={"MLFLOW_TRACKING_URI": store, "MLFLOW_RUN_ID": run_id, "MLENV_MODEL_PACKAGE_ARN": PACKAGE},
    )
    assert linked.returncode == 0, linked.stderr
    assert mlflow.MlflowClient(tracking_uri=store).get_run(run_id).data.tags["mlenv.model_package_arn"] == PACKAGE


def test_a_record_without_its_experiment_is_refused():
    result = run_script("record", "--run-name", "x", env={"MLENV_EXPERIMENT": ""})
    assert result.returncode == 2 and "missing --experiment" in result.stderr


def test_the_run_carries_its_evaluation_report_and_its_model_as_artifacts(store, evaluation, model_archive, tmp_path):
    result = record(store, evaluation, tmp_path, model_artifact=model_archive)
    assert result.returncode == 0, result.stderr
    assert "warning:" not in result.stderr
    run_id = json.loads(result.stdout)["runId"]
    assert artifacts(store, run_id) == ["evaluation.json", "model/model.tar.gz"]
    # What a reader of the run downloads is what training wrote, byte for byte.
    downloaded = mlflow.artifacts.download_artifacts(run_id=run_id, tracking_uri=store, dst_path=str(tmp_path / "dl"))
    assert json.loads(open(os.path.join(downloaded, "evaluation.json"), encoding="utf-8").read()) == EVALUATION
    with open(os.path.join(downloaded, "model", "model.tar.gz"), "rb") as got, open(model_archive, "rb") as wrote:
        assert got.read() == wrote.read()


def test_a_model_that_cannot_be_read_is_one_warning_and_the_run_is_recorded_without_it(store, evaluation, tmp_path):
    missing = str(tmp_path / "no-such" / "model.tar.gz")
    result = record(store, evaluation, tmp_path, model_artifact=missing)
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    assert run_id
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: the model {missing} is not in the run's artifacts: ")
    assert "Traceback" not in result.stderr
    assert artifacts(store, run_id) == ["evaluation.json"]
    assert mlflow.MlflowClient(tracking_uri=store).get_run(run_id).data.metrics["auc"] == 0.991


def test_a_model_in_s3_that_cannot_be_read_is_a_warning_too(store, evaluation, tmp_path):
    # Read with the caller's credentials: here there are none.
    result = record(store, evaluation, tmp_path)
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: the model s3://models/churn/runs/r1/")
    assert artifacts(store, run_id) == ["evaluation.json"]


def test_an_artifact_store_that_refuses_uploads_is_a_warning_and_the_run_is_recorded(store, evaluation, model_archive, tmp_path):
    # A SageMaker server's store is S3, written with the caller's credentials (here none): both
    # uploads fail, each is one warning, and the run keeps its parameters and metrics.
    mlflow.MlflowClient(tracking_uri=store).create_experiment("churn", artifact_location="s3://mlenv-test-no-such-bucket/mlflow")
    result = record(store, evaluation, tmp_path, model_artifact=model_archive)
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    run = mlflow.MlflowClient(tracking_uri=store).get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.metrics["auc"] == 0.991
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [w.split(" is not in the run's artifacts: ")[0] for w in warnings] == [
        "warning: the evaluation report",
        f"warning: the model {model_archive}",
    ]
    assert "Traceback" not in result.stderr
