"""A tuning job run here, as SageMaker's API answers it from the emulator (the launcher,
lib/local/emulator/moto_server.py, with local_records.py's routes and calls), called with boto3.

The shapes and rules come from the API's model in botocore (DescribeHyperParameterTuningJob's
answer, HyperParameterTrainingJobSummary, ListTrainingJobsForHyperParameterTuningJob's request:
MaxResults 1-100 with 10 by default, SortBy Name by default, FinalObjectiveMetricValue listing only
trials with an objective value, ResourceNotFound for an unknown tuning job) and from the
contract of the local runner: a trial is a training job recorded with ``TuningJobArn``, and its
hyperparameters include SageMaker's ``_tuning_objective_metric``.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL_DIR = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(LOCAL_DIR, "emulator", "moto_server.py")
ML_MODELS = os.path.normpath(os.path.join(LOCAL_DIR, "..", "..", "ml", "models"))
MODELS = sorted(m for m in os.listdir(ML_MODELS) if os.path.isfile(os.path.join(ML_MODELS, m, "train.py")))
REGION = "us-east-1"
# The credentials the local environment gives its clients (lib/local/emulator-env.ts): any will do.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
ROLE = "arn:aws:iam::123456789012:role/training"
API = botocore.session.get_session().get_service_model("sagemaker")
OBJECTIVE = {"Type": "Maximize", "MetricName": "validation:auc"}
RANGES = {
    "IntegerParameterRanges": [{"Name": "max-depth", "MinValue": "2", "MaxValue": "5", "ScalingType": "Auto"}],
    "ContinuousParameterRanges": [
        {"Name": "learning-rate", "MinValue": "0.02", "MaxValue": "0.3", "ScalingType": "Logarithmic"}
    ],
}
STATIC = {"n-estimators": "100", "target-column": "target", "sagemaker_program": "train.py"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """The launcher on a free port, started in its state directory as lib/local/emulator.ts does."""
    state_dir = tmp_path_factory.mktemp("state")
    port_file = state_dir / "emulator.port"
    with open(state_dir / "emulator.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, LAUNCHER, "--port-file", str(port_file)], cwd=str(state_dir), stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.time() + 60
    while not port_file.exists():
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            raise AssertionError((state_dir / "emulator.log").read_text())
        time.sleep(0.1)
    yield "http://127.0.0.1:%s" % port_file.read_text().strip()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def sagemaker(emulator):
    return boto3.client("sagemaker", endpoint_url=emulator, region_name=REGION, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


@pytest.fixture(scope="module")
def unchecked(emulator):
    """A client that sends what botocore would refuse, to see what the emulator answers."""
    config = Config(retries={"max_attempts": 1}, parameter_validation=False)
    return boto3.client("sagemaker", endpoint_url=emulator, region_name=REGION, config=config, **CREDENTIALS)


def post_record(url, kind, record):
    """POST /_mlenv/records/<kind>: (HTTP status, answer)."""
    request = urllib.request.Request(
        "%s/_mlenv/records/%s" % (url, kind), data=json.dumps(record).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def definition(output="s3://models/out/"):
    """A TrainingJobDefinition as CreateHyperParameterTuningJob takes it (the contract's Tune state)."""
    return {
        "StaticHyperParameters": dict(STATIC),
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "image", "TrainingInputMode": "File",
                                   "MetricDefinitions": [{"Name": "validation:auc", "Regex": "validation:auc=(\\S+)"}]},
        "OutputDataConfig": {"S3OutputPath": output},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "EnableNetworkIsolation": True,
    }


def create_tuning_job(sagemaker, name, jobs=3):
    return sagemaker.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": OBJECTIVE,
            "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": RANGES,
            "TrainingJobEarlyStoppingType": "Off",
        },
        TrainingJobDefinition=definition(),
    )["HyperParameterTuningJobArn"]


def run_trial(url, sagemaker, tuning_arn, name, tuned, status="Completed", auc=None, started=None):
    """A trial as the local runner makes it: CreateTrainingJob with the static, sampled and
    SageMaker's own hyperparameters, then its description recorded with TuningJobArn."""
    started = started or datetime.now(timezone.utc)
    hyperparameters = {**STATIC, **tuned, "_tuning_objective_metric": OBJECTIVE["MetricName"]}
    arn = sagemaker.create_training_job(
        TrainingJobName=name,
        HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": "image", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://models/out/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )["TrainingJobArn"]
    metrics = [] if auc is None else [{"MetricName": OBJECTIVE["MetricName"], "Value": auc, "Timestamp": iso(started)}]
    record = {
        "TrainingJobName": name,
        "TrainingJobArn": arn,
        "TuningJobArn": tuning_arn,
        "HyperParameters": hyperparameters,
        "TrainingJobStatus": status,
        "SecondaryStatus": status,
        "FinalMetricDataList": metrics,
        "CreationTime": iso(started),
        "TrainingStartTime": iso(started),
        "LastModifiedTime": iso(started),
    }
    if status not in ("InProgress", "Stopping"):
        record["TrainingEndTime"] = iso(started + timedelta(seconds=5))
    if status == "Failed":
        record["FailureReason"] = "AlgorithmError: ExecuteUserScriptError"
    assert post_record(url, "training-job", record) == (200, {})
    return arn


def list_all(sagemaker, name, **request):
    summaries, token = [], None
    while True:
        page = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, **request, **({"NextToken": token} if token else {})
        )
        summaries += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            return summaries


def valid(shape_name, value):
    """The value is a well-formed `shape_name` of the API's model (required members, types)."""
    report = ParamValidator().validate(value, API.shape_for(shape_name))
    assert not report.has_errors(), report.generate_report()


def test_a_record_must_name_a_tuning_job_the_emulator_holds(emulator):
    arn = "arn:aws:sagemaker:%s:123456789012:hyper-parameter-tuning-job/never-created" % REGION
    status, answer = post_record(emulator, "hyper-parameter-tuning-job", {
        "HyperParameterTuningJobName": "never-created", "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobStatus": "Completed",
    })
    assert status == 400
    assert answer == {"message": "no hyper-parameter-tuning-job never-created in account 123456789012, %s: create it first" % REGION}


@pytest.mark.parametrize("model", MODELS)
def test_the_tuning_job_is_described_as_it_ran_not_as_moto_makes_it_up(emulator, sagemaker, model):
    name = "%s-tune-0a1b2c3d" % model
    arn = create_tuning_job(sagemaker, name)
    best = "%s-002-5e6f7a8b" % name
    started = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    ended = started + timedelta(minutes=3)
    training = {**definition(), "StaticHyperParameters": {**STATIC, "warmupTime": "5"}}
    record = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": iso(started),
        "HyperParameterTuningEndTime": iso(ended),
        "LastModifiedTime": iso(ended),
        "TrainingJobDefinition": training,
        "TrainingJobStatusCounters": {"Completed": 2, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 1, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": 2, "Pending": 0, "Failed": 1},
        "BestTrainingJob": {
            "TrainingJobName": best,
            "TrainingJobArn": "arn:aws:sagemaker:%s:123456789012:training-job/%s" % (REGION, best),
            "TuningJobName": name,
            "CreationTime": iso(started),
            "TrainingStartTime": iso(started),
            "TrainingEndTime": iso(ended),
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"max-depth": "4", "learning-rate": "0.05"},
            "FinalHyperParameterTuningJobObjectiveMetric": {**OBJECTIVE, "Value": 0.97},
            "ObjectiveStatus": "Succeeded",
        },
    }
    assert post_record(emulator, "hyper-parameter-tuning-job", record) == (200, {})
    described = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    described.pop("ResponseMetadata")
    valid("DescribeHyperParameterTuningJobResponse", described)
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["BestTrainingJob"]["TrainingJobName"] == best
    assert described["BestTrainingJob"]["TunedHyperParameters"] == {"max-depth": "4", "learning-rate": "0.05"}
    assert described["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"] == {**OBJECTIVE, "Value": 0.97}
    assert described["BestTrainingJob"]["TrainingEndTime"] == ended
    assert described["TrainingJobStatusCounters"] == record["TrainingJobStatusCounters"]
    assert described["ObjectiveStatusCounters"] == record["ObjectiveStatusCounters"]
    assert (described["CreationTime"], described["HyperParameterTuningEndTime"]) == (started, ended)
    # What the Tune state's ResultSelector reads: the definition's output path (and a
    # hyperparameter named like a date is still the model's string).
    assert described["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] == "s3://models/out/"
    assert described["TrainingJobDefinition"]["StaticHyperParameters"]["warmupTime"] == "5"
    # Nothing of moto's made-up job is left: no warm start's overall best, no completion details.
    for made_up in ("OverallBestTrainingJob", "TuningJobCompletionDetails", "ConsumedResources", "FailureReason"):
        assert made_up not in described
    assert "Fake" not in json.dumps(described, default=str)


def test_a_record_may_set_only_what_describe_answers(emulator, sagemaker):
    name = "hostile-tune-0a1b2c3d"
    arn = create_tuning_job(sagemaker, name)
    before = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    status, answer = post_record(emulator, "hyper-parameter-tuning-job", {
        "HyperParameterTuningJobName": name, "HyperParameterTuningJobArn": arn,
        "HyperParameterTuningJobStatus": "Failed", "Tags": [{"Key": "a", "Value": "b"}], "Describe": "broken",
    })
    assert (status, answer) == (400, {"message": "not members of a hyper-parameter-tuning-job's description: Describe, Tags"})
    after = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert after["HyperParameterTuningJobStatus"] == before["HyperParameterTuningJobStatus"]


@pytest.mark.parametrize("model", MODELS)
def test_the_trials_are_listed_as_the_tuning_jobs_training_jobs(emulator, sagemaker, model):
    name = "%s-tune-1a2b3c4d" % model
    arn = create_tuning_job(sagemaker, name)
    start = datetime(2026, 12, 7, 11, 0, tzinfo=timezone.utc)
    trials = {
        # name: (tuned, status, auc)
        "%s-003-00000003" % name: ({"max-depth": "2", "learning-rate": "0.3"}, "Completed", 0.91),
        "%s-001-00000001" % name: ({"max-depth": "5", "learning-rate": "0.02"}, "Completed", 0.95),
        "%s-002-00000002" % name: ({"max-depth": "3", "learning-rate": "0.1"}, "Failed", None),
    }
    for i, (trial, (tuned, status, auc)) in enumerate(sorted(trials.items())):
        run_trial(emulator, sagemaker, arn, trial, tuned, status, auc, started=start + timedelta(minutes=i))
    # A training job of no tuning job, and one of another tuning job, are not its trials.
    other = create_tuning_job(sagemaker, "%s-tune-ffffffff" % model)
    run_trial(emulator, sagemaker, other, "%s-tune-ffffffff-001-00000001" % model, {"max-depth": "4"}, auc=0.5)
    sagemaker.create_training_job(
        TrainingJobName="%s-train-alone" % model, AlgorithmSpecification={"TrainingImage": "image", "TrainingInputMode": "File"},
        RoleArn=ROLE, OutputDataConfig={"S3OutputPath": "s3://models/out/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600},
    )

    for trial in trials:
        assert sagemaker.describe_training_job(TrainingJobName=trial)["TuningJobArn"] == arn
    answer = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    answer.pop("ResponseMetadata")
    valid("ListTrainingJobsForHyperParameterTuningJobResponse", answer)
    summaries = answer["TrainingJobSummaries"]
    # Sorted by Name, ascending, by default.
    assert [s["TrainingJobName"] for s in summaries] == sorted(trials)
    for summary in summaries:
        tuned, status, auc = trials[summary["TrainingJobName"]]
        assert summary["TuningJobName"] == name
        assert summary["TrainingJobArn"].endswith(":training-job/" + summary["TrainingJobName"])
        assert summary["TrainingJobStatus"] == status
        # Only the hyperparameters the tuning job has ranges for: no static one, no _tuning_objective_metric.
        assert summary["TunedHyperParameters"] == tuned
        if auc is None:
            assert "FinalHyperParameterTuningJobObjectiveMetric" not in summary
            assert summary["ObjectiveStatus"] == "Failed"
        else:
            assert summary["FinalHyperParameterTuningJobObjectiveMetric"] == {**OBJECTIVE, "Value": auc}
            assert summary["ObjectiveStatus"] == "Succeeded"
        assert summary["TrainingEndTime"] > summary["TrainingStartTime"]

    by_objective = list_all(sagemaker, name, SortBy="FinalObjectiveMetricValue", SortOrder="Descending")
    assert [s["TrainingJobName"] for s in by_objective] == ["%s-001-00000001" % name, "%s-003-00000003" % name]
    by_creation = list_all(sagemaker, name, SortBy="CreationTime")
    assert [s["TrainingJobName"] for s in by_creation] == sorted(trials)
    failed = list_all(sagemaker, name, StatusEquals="Failed")
    assert [s["TrainingJobName"] for s in failed] == ["%s-002-00000002" % name]
    assert list_all(sagemaker, name, StatusEquals="Stopped") == []


def test_the_list_is_paged_ten_by_default_and_up_to_max_results(emulator, sagemaker):
    name = "paged-tune-0a1b2c3d"
    arn = create_tuning_job(sagemaker, name, jobs=12)
    names = ["%s-%03d-0000000%d" % (name, i, i % 10) for i in range(1, 13)]
    for i, trial in enumerate(names):
        run_trial(emulator, sagemaker, arn, trial, {"max-depth": str(2 + i % 4)}, auc=i / 100)
    first = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert len(first["TrainingJobSummaries"]) == 10 and first["NextToken"]
    pages = []
    token = None
    while True:
        page = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=5, **({"NextToken": token} if token else {})
        )
        pages.append([s["TrainingJobName"] for s in page["TrainingJobSummaries"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [names[0:5], names[5:10], names[10:12]]
    # botocore's own paginator (NextToken / MaxResults) walks it too.
    paginator = sagemaker.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    walked = [s["TrainingJobName"] for page in paginator.paginate(HyperParameterTuningJobName=name, PaginationConfig={"PageSize": 100}) for s in page["TrainingJobSummaries"]]
    assert walked == names


def test_an_unknown_tuning_job_is_resource_not_found(sagemaker):
    for call in (sagemaker.list_training_jobs_for_hyper_parameter_tuning_job, sagemaker.stop_hyper_parameter_tuning_job):
        with pytest.raises(ClientError) as raised:
            call(HyperParameterTuningJobName="no-such-tuning-job")
        assert raised.value.response["Error"]["Code"] == "ResourceNotFound"
        assert "no-such-tuning-job" in raised.value.response["Error"]["Message"]


@pytest.mark.parametrize("request_members, field", [
    ({"MaxResults": 101}, "maxResults"),
    ({"MaxResults": 0}, "maxResults"),
    ({"SortBy": "Objective"}, "sortBy"),
    ({"SortOrder": "Up"}, "sortOrder"),
    ({"StatusEquals": "Done"}, "statusEquals"),
    ({"NextToken": "not-a-token"}, None),
    ({"NextToken": 5}, None),
])
def test_a_request_outside_the_apis_model_is_a_validation_error(unchecked, sagemaker, request_members, field):
    name = "checked-tune-0a1b2c3d"
    if not sagemaker.list_hyper_parameter_tuning_jobs(NameContains=name)["HyperParameterTuningJobSummaries"]:
        create_tuning_job(sagemaker, name)
    with pytest.raises(ClientError) as raised:
        unchecked.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name, **request_members)
    error = raised.value.response["Error"]
    assert error["Code"] == "ValidationException"
    if field:
        assert "at '%s' failed to satisfy constraint" % field in error["Message"]


@pytest.mark.parametrize("name", [["a-tune"], {"a": 1}, 7])
def test_a_tuning_job_name_that_is_not_a_string_is_a_validation_error(unchecked, name):
    for call in (unchecked.list_training_jobs_for_hyper_parameter_tuning_job, unchecked.stop_hyper_parameter_tuning_job):
        with pytest.raises(ClientError) as raised:
            call(HyperParameterTuningJobName=name)
        assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_stopping_a_tuning_job_stops_it_and_its_running_trials(emulator, sagemaker):
    name = "stopped-tune-0a1b2c3d"
    arn = create_tuning_job(sagemaker, name)
    assert post_record(emulator, "hyper-parameter-tuning-job", {
        "HyperParameterTuningJobName": name, "HyperParameterTuningJobArn": arn, "HyperParameterTuningJobStatus": "InProgress",
        "TrainingJobStatusCounters": {"Completed": 1, "InProgress": 1, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": 1, "Pending": 1, "Failed": 0},
    }) == (200, {})
    done, running = "%s-001-00000001" % name, "%s-002-00000002" % name
    run_trial(emulator, sagemaker, arn, done, {"max-depth": "2"}, auc=0.9)
    run_trial(emulator, sagemaker, arn, running, {"max-depth": "3"}, status="InProgress")
    pending = {s["TrainingJobName"]: s["ObjectiveStatus"] for s in list_all(sagemaker, name)}
    assert pending == {done: "Succeeded", running: "Pending"}

    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    described = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert described["TrainingJobStatusCounters"] == {"Completed": 1, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 1}
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 1, "Pending": 0, "Failed": 1}
    assert "HyperParameterTuningEndTime" in described
    statuses = {s["TrainingJobName"]: s["TrainingJobStatus"] for s in list_all(sagemaker, name)}
    assert statuses == {done: "Completed", running: "Stopped"}
    assert sagemaker.describe_training_job(TrainingJobName=running)["TrainingJobStatus"] == "Stopped"
