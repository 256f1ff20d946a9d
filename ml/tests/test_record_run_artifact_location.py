"""record_run.py --artifact-location: each model's experiment keeps its runs' artifacts in a folder of its
own, so that IAM can keep one model's recorder from writing another model's artifacts on a shared server.

MLflow documents that a run's artifacts go to ``<experiment artifact location>/<run id>/artifacts/<path>``
and that an experiment's artifact location is fixed when it is created.
"""

import json
import os

import pytest

# The same working directory, store and evaluation report as test_record_run's runs (its fixtures).
from test_record_run import evaluation, in_tmp, record, run_script, store  # noqa: F401

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def artifact_store(tmp_path):
    """A shared artifact store (a folder standing in for s3://<models bucket>/mlflow/)."""
    root = tmp_path / "artifact-store"
    root.mkdir()
    return root


def warnings_of(result):
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def test_a_new_experiment_is_created_at_its_models_location_and_its_run_artifacts_go_there(store, evaluation, tmp_path, artifact_store):
    location = f"{artifact_store.as_uri()}/churn/"
    result = record(store, evaluation, tmp_path, "--artifact-location", location, model_artifact="")
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    assert run_id
    experiment = mlflow.MlflowClient(tracking_uri=store).get_experiment_by_name("churn")
    assert experiment.artifact_location.rstrip("/") == location.rstrip("/")
    # <location><run id>/artifacts/evaluation.json: under the model's folder, keyed by the run only.
    assert (artifact_store / "churn" / run_id / "artifacts" / "evaluation.json").is_file()
    assert sorted(os.listdir(artifact_store)) == ["churn"]


def test_a_build_passes_the_location_as_a_variable(store, evaluation, tmp_path, artifact_store):
    location = f"{artifact_store.as_uri()}/churn/"
    result = record(store, evaluation, tmp_path, model_artifact="", env={"MLENV_ARTIFACT_LOCATION": location})
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["runId"]
    assert (artifact_store / "churn" / run_id / "artifacts" / "evaluation.json").is_file()


def test_two_models_on_one_server_write_their_artifacts_in_separate_folders(store, evaluation, tmp_path, artifact_store):
    runs = {}
    for model in ("churn", "fraud"):
        result = run_script(
            "record",
            "--tracking-uri", store,
            "--experiment", model,
            "--run-name", f"{model}-1",
            "--evaluation", evaluation,
            "--artifact-location", f"{artifact_store.as_uri()}/{model}/",
        )
        assert result.returncode == 0, result.stderr
        runs[model] = json.loads(result.stdout)["runId"]
    for model, run_id in runs.items():
        assert os.listdir(artifact_store / model) == [run_id]


def test_the_next_run_of_the_model_uses_the_experiment_it_created(store, evaluation, tmp_path, artifact_store):
    location = f"{artifact_store.as_uri()}/churn/"
    first = record(store, evaluation, tmp_path, "--artifact-location", location, model_artifact="")
    # The same location, spelled without its trailing slash, is the same folder.
    second = record(store, evaluation, tmp_path, "--artifact-location", location.rstrip("/"), model_artifact="")
    assert second.returncode == 0 and warnings_of(second) == [], second.stderr
    ids = [json.loads(r.stdout)["runId"] for r in (first, second)]
    assert sorted(os.listdir(artifact_store / "churn")) == sorted(ids)


def test_an_experiment_that_exists_elsewhere_is_refused_in_one_line_and_nothing_is_recorded(store, evaluation, tmp_path, artifact_store):
    # An environment whose experiment was created before: its artifacts under the store's root, by experiment id.
    client = mlflow.MlflowClient(tracking_uri=store)
    old = f"{artifact_store.as_uri()}/1"
    experiment_id = client.create_experiment("churn", artifact_location=old)
    location = f"{artifact_store.as_uri()}/churn/"
    result = record(store, evaluation, tmp_path, "--artifact-location", location, model_artifact="")
    assert result.returncode == 0, result.stderr  # tracking never fails training
    assert json.loads(result.stdout) == {"runId": ""}
    assert (tmp_path / "run-id").read_text() == ""
    warnings = warnings_of(result)
    assert len(warnings) == 1 and "Traceback" not in result.stderr
    assert "'churn'" in warnings[0] and old in warnings[0] and location in warnings[0]
    assert client.search_runs([experiment_id]) == []
    assert not (artifact_store / "churn").exists()
