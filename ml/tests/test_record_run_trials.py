"""ml/tracking/record_run.py with a tuning job: its trials are child runs of the pipeline's run.

MLflow is a local store in a file; SageMaker is a boto3 client whose answers are stubbed (botocore's
Stubber checks each request and answer against the API's model: DescribeHyperParameterTuningJob's
answer, HyperParameterTrainingJobSummary, ListTrainingJobsForHyperParameterTuningJob's MaxResults
of at most 100 and its NextToken). A child run is what MLflow documents for nested runs: the tag
``mlflow.parentRunId`` names its parent.
"""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

mlflow = pytest.importorskip("mlflow")  # installed by scripts/setup (ml/requirements-tracking.txt)
boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tracking", "record_run.py")
sys.path.insert(0, os.path.dirname(SCRIPT))
import record_run  # noqa: E402


TAGS = record_run.RUN_TAGS
TUNING_JOB = "churn-tune-0a1b2c3d4e5f6a7b8c9d"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/" + TUNING_JOB
OBJECTIVE = {"Type": "Maximize", "MetricName": "validation:auc"}
OUTPUT = "s3://models/churn/runs/r1/tune/"
START = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
PARAMS = {"n-estimators": 100, "max-depth": 3, "learning-rate": 0.1}


def trial(i, status="Completed", auc=None):
    """Trial ``i`` as ListTrainingJobsForHyperParameterTuningJob lists it (HyperParameterTrainingJobSummary)."""
    name = "%s-%03d-%08x" % (TUNING_JOB, i, i)
    summary = {
        "TrainingJobName": name,
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/" + name,
        "TuningJobName": TUNING_JOB,
        "CreationTime": START + timedelta(minutes=i),
        "TrainingStartTime": START + timedelta(minutes=i),
        "TrainingEndTime": START + timedelta(minutes=i, seconds=30),
        "TrainingJobStatus": status,
        "TunedHyperParameters": {"max-depth": str(2 + i % 4), "learning-rate": "%.3f" % (0.02 + i / 1000)},
        "ObjectiveStatus": "Failed" if auc is None else "Succeeded",
    }
    if auc is not None:
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {**OBJECTIVE, "Value": auc}
    return summary


def description(best):
    """DescribeHyperParameterTuningJob's answer for a finished tuning job whose best trial is ``best``."""
    return {
        "HyperParameterTuningJobName": TUNING_JOB,
        "HyperParameterTuningJobArn": ARN,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": OBJECTIVE,
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "IntegerParameterRanges": [{"Name": "max-depth", "MinValue": "2", "MaxValue": "5"}],
                "ContinuousParameterRanges": [{"Name": "learning-rate", "MinValue": "0.02", "MaxValue": "0.3"}],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"n-estimators": "100"},
            "AlgorithmSpecification": {"TrainingImage": "image", "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::123456789012:role/training",
            "OutputDataConfig": {"S3OutputPath": OUTPUT},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": START,
        "TrainingJobStatusCounters": {"Completed": 2, "NonRetryableError": 1},
        "ObjectiveStatusCounters": {"Succeeded": 2, "Failed": 1},
        "BestTrainingJob": best,
    }


def stubbed(trials, best, page=record_run.TRIALS_PAGE):
    """A SageMaker client that answers the describe, then the list in pages of ``page``, and checks
    that it is asked for exactly that."""
    client = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response("describe_hyper_parameter_tuning_job", description(best), {"HyperParameterTuningJobName": TUNING_JOB})
    pages = [trials[i:i + page] for i in range(0, len(trials), page)] or [[]]
    for n, summaries in enumerate(pages):
        expected = {"HyperParameterTuningJobName": TUNING_JOB, "MaxResults": 100}
        if n:
            expected["NextToken"] = "page-%d" % n
        answer = {"TrainingJobSummaries": summaries}
        if n + 1 < len(pages):
            answer["NextToken"] = "page-%d" % (n + 1)
        stubber.add_response("list_training_jobs_for_hyper_parameter_tuning_job", answer, expected)
    stubber.activate()
    return client, stubber


# No AWS credentials, region or instance metadata: a real client's call fails at once, offline.
NO_AWS = {"AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": os.devnull}


def without_aws(environ):
    return {k: v for k, v in environ.items() if not k.startswith("AWS_")} | NO_AWS


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a file store keeps its artifacts under the working directory
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in {**NO_AWS, **record_run.FAST_FAILURE}.items():
        monkeypatch.setenv(name, value)
    return "sqlite:///%s" % (tmp_path / "mlflow.db")


def record(store, capsys, client=None, *extra):
    """record_run.py record of a tuned run, in this process; (exit status, run id, stderr)."""
    if client is not None:
        record_run.sagemaker_client = lambda: client
    argv = ["record", "--tracking-uri", store, "--experiment", "churn", "--run-name", "manual-1",
            "--params-json", json.dumps(PARAMS), "--dataset-version", "v1", "--code-version", "dc63fd3",
            "--execution", "arn:aws:states:us-east-1:123456789012:execution:churn-pipeline:manual-1",
            "--model-artifact", "", "--tuning-job", TUNING_JOB, *extra]
    status = record_run.main(argv)
    captured = capsys.readouterr()
    return status, json.loads(captured.out)["runId"], captured.err


@pytest.fixture(autouse=True)
def real_client():
    original = record_run.sagemaker_client
    yield
    record_run.sagemaker_client = original


def children(store, parent):
    client = mlflow.MlflowClient(tracking_uri=store)
    experiment = client.get_run(parent).info.experiment_id
    runs = client.search_runs([experiment], filter_string="tags.mlflow.parentRunId = '%s'" % parent, max_results=1000)
    return {run.info.run_name: run for run in runs}


def test_each_trial_is_a_child_run_with_its_tuned_parameters_objective_and_status(store, capsys):
    trials = [trial(1, auc=0.95), trial(2, status="Failed"), trial(3, auc=0.91)]
    best = trials[0]
    client, stubber = stubbed(trials, best)
    status, parent, err = record(store, capsys, client)
    assert status == 0 and parent, err
    assert "warning:" not in err
    stubber.assert_no_pending_responses()

    runs = children(store, parent)
    assert sorted(runs) == sorted(t["TrainingJobName"] for t in trials)
    lineage = {TAGS["datasetVersion"]: "v1", TAGS["codeVersion"]: "dc63fd3",
               TAGS["execution"]: "arn:aws:states:us-east-1:123456789012:execution:churn-pipeline:manual-1"}
    for summary in trials:
        name = summary["TrainingJobName"]
        run = runs[name]
        assert run.data.tags["mlflow.parentRunId"] == parent
        assert run.data.params == summary["TunedHyperParameters"]
        mlenv_tags = {k: v for k, v in run.data.tags.items() if k.startswith("mlenv.")}
        expected = {
            **lineage,
            TAGS["tuningJob"]: TUNING_JOB,
            TAGS["trainingJob"]: name,
            TAGS["trialStatus"]: summary["TrainingJobStatus"],
            TAGS["bestTrial"]: "true" if name == best["TrainingJobName"] else "false",
        }
        if summary["TrainingJobStatus"] == "Completed":
            # SageMaker's layout of a training job's output: <S3OutputPath><job name>/output/model.tar.gz.
            expected[TAGS["modelArtifact"]] = "%s%s/output/model.tar.gz" % (OUTPUT, name)
        assert mlenv_tags == expected
        objective = summary.get("FinalHyperParameterTuningJobObjectiveMetric")
        assert run.data.metrics == ({"validation:auc": objective["Value"]} if objective else {})
        assert run.info.status == {"Completed": "FINISHED", "Failed": "FAILED"}[summary["TrainingJobStatus"]]


def test_the_parent_run_has_the_best_trials_values_and_names_the_tuning_job_and_the_best_trial(store, capsys):
    trials = [trial(1, auc=0.9), trial(2, auc=0.97)]
    best = trials[1]
    client, _ = stubbed(trials, best)
    status, parent, err = record(store, capsys, client)
    assert status == 0, err
    run = mlflow.MlflowClient(tracking_uri=store).get_run(parent)
    assert "mlflow.parentRunId" not in run.data.tags and run.info.status == "FINISHED"
    # MLENV_PARAMS' values, with the tuned ones replaced by the best trial's.
    assert run.data.params == {
        "n-estimators": "100", **best["TunedHyperParameters"], "dataset_version": "v1",
    }
    assert run.data.tags[TAGS["tuningJob"]] == TUNING_JOB
    assert run.data.tags[TAGS["trainingJob"]] == best["TrainingJobName"]
    # Only the trials are its children.
    assert len(children(store, parent)) == 2


def test_more_trials_than_one_page_are_all_recorded(store, capsys):
    trials = [trial(i, auc=i / 1000) for i in range(1, 151)]
    client, stubber = stubbed(trials, trials[-1])
    status, parent, err = record(store, capsys, client)
    assert status == 0, err
    stubber.assert_no_pending_responses()  # two pages: MaxResults 100, then the NextToken
    runs = children(store, parent)
    assert len(runs) == 150
    assert [name for name, run in runs.items() if run.data.tags[TAGS["bestTrial"]] == "true"] == [trials[-1]["TrainingJobName"]]


@pytest.mark.parametrize("operation", ["describe_hyper_parameter_tuning_job", "list_training_jobs_for_hyper_parameter_tuning_job"])
def test_a_tuning_job_that_cannot_be_read_is_one_warning_and_the_run_is_recorded_without_trials(store, capsys, operation):
    client = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    if operation == "list_training_jobs_for_hyper_parameter_tuning_job":
        stubber.add_response("describe_hyper_parameter_tuning_job", description(trial(1, auc=0.9)))
    stubber.add_client_error(operation, service_error_code="AccessDeniedException", service_message="not authorized", http_status_code=400)
    stubber.activate()
    status, parent, err = record(store, capsys, client)
    assert status == 0 and parent
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: the trials of tuning job %s are not recorded: " % TUNING_JOB)
    assert "not authorized" in warnings[0] and "Traceback" not in err
    run = mlflow.MlflowClient(tracking_uri=store).get_run(parent)
    assert run.info.status == "FINISHED"
    assert run.data.params == {k: str(v) for k, v in PARAMS.items()} | {"dataset_version": "v1"}
    assert run.data.tags[TAGS["tuningJob"]] == TUNING_JOB and TAGS["trainingJob"] not in run.data.tags
    assert children(store, parent) == {}


def test_without_a_tuning_job_nothing_is_asked_of_sagemaker(store, capsys):
    def no_client():
        raise AssertionError("SageMaker was called for a run that was not tuned")

    record_run.sagemaker_client = no_client
    argv = ["record", "--tracking-uri", store, "--experiment", "churn", "--run-name", "manual-2",
            "--params-json", json.dumps(PARAMS)]
    assert record_run.main(argv) == 0
    parent = json.loads(capsys.readouterr().out)["runId"]
    run = mlflow.MlflowClient(tracking_uri=store).get_run(parent)
    assert not {TAGS["tuningJob"], TAGS["trainingJob"]} & set(run.data.tags)
    assert children(store, parent) == {}


def test_a_build_step_names_the_tuning_job_by_its_variable_and_no_credentials_is_a_warning(store, tmp_path):
    # What the recorder build gets (MLENV_TUNING_JOB); here boto3 has no region nor credentials.
    env = {"MLFLOW_TRACKING_URI": store, "MLENV_EXPERIMENT": "churn", "MLENV_RUN_NAME": "manual-3",
           "MLENV_TUNING_JOB": TUNING_JOB}
    result = subprocess.run([sys.executable, SCRIPT, "record", "--run-id-file", str(tmp_path / "run-id")],
                            capture_output=True, text=True, env=without_aws({**os.environ, **env}), timeout=300)
    assert result.returncode == 0, result.stderr
    parent = (tmp_path / "run-id").read_text()
    assert parent
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: the trials of tuning job %s are not recorded: " % TUNING_JOB)
    assert mlflow.MlflowClient(tracking_uri=store).get_run(parent).data.tags[TAGS["tuningJob"]] == TUNING_JOB
