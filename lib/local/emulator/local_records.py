"""What the local environment ran, recorded where AWS's APIs read it: in moto's own backends.

The local environment runs the deployed state machines and their jobs on this machine (moto's
Step Functions cannot run SageMaker, Glue or CodeBuild tasks, and its SageMaker only records a
CreateTrainingJob as an instant success with a made-up metric). So that Step Functions'
ListExecutions / DescribeExecution / GetExecutionHistory and SageMaker's DescribeTrainingJob /
DescribeProcessingJob answer with what really happened, the runner posts each execution as it
starts and as it ends, and each finished job, here; they are recorded in moto's backends of the
account and region their ARNs name:

- ``POST /_mlenv/records/execution``: an execution of a state machine moto holds, with the ARN it
  runs under (``executionArn``: it must be the one Step Functions would give it, so a model
  package's lineage finds it), its input, start date and history events so far (GetExecutionHistory's
  shape, timestamps as ISO 8601), and either its end (status, output or error and cause, stop date)
  or status ``RUNNING`` with its ``runner``: the process running it on this machine (``pid``, and
  ``startedAt``, its start in milliseconds since the epoch). Recording an execution again replaces
  it, except that an ended one does not run again.
  A running execution whose runner is gone (interrupted, killed, or the emulator restored after it
  ended) is ended ABORTED, with the runner named in the cause, before any Step Functions request is
  answered: it never stays RUNNING. StopExecution aborts a recorded one as it would on AWS (the
  local runner is not stopped by it).
- ``POST /_mlenv/records/training-job`` and ``/processing-job``: the local job's description
  (DescribeTrainingJob's / DescribeProcessingJob's shape: status, FailureReason, FinalMetricDataList,
  ModelArtifacts, ExitMessage, times) laid over the job that CreateTrainingJob/CreateProcessingJob
  made in moto. moto's job replaces the request's MetricDefinitions with its own and reports only
  ``train:progress``; the description restores both. A tuning job's trial is a training job whose
  description has ``TuningJobArn``: DescribeTrainingJob answers it.
- ``POST /_mlenv/records/hyper-parameter-tuning-job``: the local tuning job's description
  (DescribeHyperParameterTuningJob's shape: HyperParameterTuningJobStatus, BestTrainingJob,
  TrainingJobStatusCounters, ObjectiveStatusCounters, times, FailureReason, TrainingJobDefinition)
  laid over the one CreateHyperParameterTuningJob made in moto. moto makes its tuning job up: it is
  Completed at creation, with a best training job ``FakeTrainingJobName`` and made-up completion
  details and consumed resources; what the record does not give of those is cleared.

Each record has the job's name and ARN (the ARN names the account and region it is held in), and
only members of the Describe answer (botocore's model of the API): anything else is refused. A
record of a job moto does not hold is refused too: the job is created first, through the API.

SageMaker calls moto lacks, answered here from what the records hold (with the API's shapes and
errors, as moto answers its own calls):

- ``ListTrainingJobsForHyperParameterTuningJob``: the training jobs whose ``TuningJobArn`` is the
  tuning job's, as ``HyperParameterTrainingJobSummary`` items (the trial's hyperparameters that the
  tuning job has ranges for, its objective metric's final value and ObjectiveStatus), with
  ``StatusEquals``, ``SortBy`` (``Name`` by default; ``FinalObjectiveMetricValue`` lists only trials
  with an objective value), ``SortOrder``, ``MaxResults`` (1 to 100, 10 by default) and
  ``NextToken``. A tuning job moto does not hold is ``ResourceNotFound``.
- ``StopHyperParameterTuningJob``: an InProgress tuning job, and its InProgress trials, are Stopped
  (the local runner is not stopped by it, as with StopExecution); one that ended is left as it is.

These routes are the launcher's own (no AWS API has them); every other request goes to moto.
"""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import botocore.session
from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import AWSValidationException, ResourceNotFound
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.stepfunctions.models import Execution, stepfunctions_backends
from werkzeug.wrappers import Request

ROUTE = "/_mlenv/records/"
EXECUTION_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):states:(?P<region>[\w-]+):(?P<account>\d{12}):execution:(?P<machine>[^:]+):(?P<name>[^:]+)"
)
JOB_ARN = re.compile(
    r"arn:[\w-]+:sagemaker:(?P<region>[\w-]+):(?P<account>\d{12}):(?:training|processing|hyper-parameter-tuning)-job/.+"
)
# The description's members that name the job (moto's job keeps them as it made them).
JOB_IDENTITY = {
    "training-job": ("TrainingJobName", "TrainingJobArn"),
    "processing-job": ("ProcessingJobName", "ProcessingJobArn"),
    "hyper-parameter-tuning-job": ("HyperParameterTuningJobName", "HyperParameterTuningJobArn"),
}
# moto's backend attribute holding each kind's jobs, by name.
JOBS_OF_KIND = {
    "training-job": "training_jobs",
    "processing-job": "processing_jobs",
    "hyper-parameter-tuning-job": "hyper_parameter_tuning_jobs",
}
# Members moto keeps under another attribute than their snake-case name.
JOB_ATTRIBUTES = {"hyper-parameter-tuning-job": {"OverallBestTrainingJob": "OverallBestTrainingJob"}}
# What moto makes up for a job at creation and did not happen here: cleared unless a record gives it.
MADE_UP = {
    "hyper-parameter-tuning-job": (
        "BestTrainingJob",
        "OverallBestTrainingJob",
        "TuningJobCompletionDetails",
        "ConsumedResources",
        "FailureReason",
    ),
}
# Maps of hyperparameters: their names are the model's, not the API's, and their values are strings
# (a hyperparameter named ``...Time`` is no date).
HYPERPARAMETER_MAPS = ("HyperParameters", "StaticHyperParameters", "TunedHyperParameters")


class RecordError(Exception):
    """A record that cannot be kept: the answer is 400 with the message."""


def _timestamp(value: Any) -> Any:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def _with_dates(value: Any, key: str = "") -> Any:
    """The value with every ``...Time`` / ``Timestamp`` member as a datetime (moto's serializer
    writes datetimes in each protocol's format)."""
    if isinstance(value, dict):
        if key in HYPERPARAMETER_MAPS:
            return value
        return {k: _with_dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_dates(item, key) for item in value]
    if key.endswith("Time") or key in ("Timestamp", "timestamp"):
        return _timestamp(value)
    return value


def _snake(name: str) -> str:
    """moto's attribute for a response member (its BaseObject camel-cases them back)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# How much later than the runner a process with its pid may have started and still be it (the
# clocks the two start times come from differ by the kernel's rounding and the runtime's start-up).
SAME_START_SECONDS = 60
# The error of an execution whose runner ended before it did (ExecutionAborted's details).
RUNNER_ENDED = "mlenv.RunnerEnded"


def _process_stat(pid: int) -> tuple[str, float] | None:
    """A process's state (``Z``: a zombie, ended) and when it started, in seconds since the
    epoch, where the system tells them (Linux's /proc: the start in clock ticks since boot, and
    the boot time); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The fields after the command's closing parenthesis start at the 3rd (the state);
            # starttime is the 22nd.
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime "))
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def runner_alive(runner: dict[str, Any]) -> bool:
    """Whether the process that runs an execution is still there: its pid names a live process of
    this user that did not start after it (a pid the system gave again to a later process is not
    it; an ended process its parent has not reaped is not there)."""
    pid = runner["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: the pid was given again
    stat = _process_stat(pid)
    if stat is None:
        return True
    state, started = stat
    return state not in ("Z", "X") and started - runner["startedAt"] / 1000 <= SAME_START_SECONDS


class RecordedExecution(Execution):
    """An execution as it runs or ran here, with its own history (moto's is a fixed sample)."""

    def __init__(self, record: dict[str, Any], machine: Any, account: str, region: str):
        name = EXECUTION_ARN.fullmatch(record["executionArn"])["name"]  # type: ignore[index]
        super().__init__(region, account, machine.name, name, machine.arn, json.dumps(record.get("input", {})))
        if self.execution_arn != record["executionArn"]:
            raise RecordError(f"{record['executionArn']} is not an execution ARN of {machine.arn}")
        status = record["status"]
        if status not in (*ENDED, "RUNNING"):
            raise RecordError(f"not an execution status: {status}")
        self.status = status
        self.start_date = _timestamp(record["startDate"])
        self.runner: dict[str, Any] | None = None
        if status == "RUNNING":
            runner = record.get("runner")
            if not (
                isinstance(runner, dict)
                and isinstance(runner.get("pid"), int)
                and runner["pid"] > 0
                and isinstance(runner.get("startedAt"), (int, float))
            ):
                raise RecordError("a running execution names its runner: {pid, startedAt}")
            self.runner = {"pid": runner["pid"], "startedAt": runner["startedAt"]}
        else:
            self.stop_date = _timestamp(record["stopDate"])
        if "output" in record:
            self.output = json.dumps(record["output"])
            self.output_details = {"included": True}  # type: ignore[assignment]
        self.error = record.get("error")
        self.cause = record.get("cause")
        self.events = [_with_dates(event) for event in record.get("events", [])]

    def stop(self, *args: Any, error: str | None = None, cause: str | None = None, **kwargs: Any) -> None:
        """Aborts it, as StopExecution does: ABORTED, its stop date, an ExecutionAborted event."""
        if self.status != "RUNNING":
            return
        self.status = "ABORTED"
        self.stop_date = datetime.now(timezone.utc)
        self.error = error or None
        self.cause = cause or None
        details = {k: v for k, v in (("error", self.error), ("cause", self.cause)) if v}
        last = self.events[-1]["id"] if self.events else 0
        self.events.append(
            {
                "id": last + 1,
                "previousEventId": last,
                "type": "ExecutionAborted",
                "timestamp": self.stop_date,
                "executionAbortedEventDetails": details,
            }
        )

    def end_if_abandoned(self) -> None:
        """Aborted when its runner is gone: nothing will record its end."""
        if self.status == "RUNNING" and self.runner is not None and not runner_alive(self.runner):
            self.stop(
                error=RUNNER_ENDED,
                cause=f"the local runner of this execution (process {self.runner['pid']}) ended before it did:"
                " it was interrupted or killed",
            )

    def get_execution_history(self, roleArn: str) -> list[dict[str, Any]]:
        events = [dict(event) for event in self.events]
        for event in events:
            started = event.get("executionStartedEventDetails")
            if started is not None and "roleArn" not in started:
                event["executionStartedEventDetails"] = {**started, "roleArn": roleArn}
        return events


def record_execution(record: dict[str, Any]) -> None:
    arn = EXECUTION_ARN.fullmatch(str(record.get("executionArn")))
    if arn is None:
        raise RecordError(f"not an execution ARN: {record.get('executionArn')}")
    backend = stepfunctions_backends[arn["account"]][arn["region"]]
    machine = next((m for m in backend.state_machines if m.arn == record.get("stateMachineArn")), None)
    if machine is None or machine.name != arn["machine"]:
        raise RecordError(f"no state machine {record.get('stateMachineArn')} holds {arn.group(0)}")
    execution = RecordedExecution(record, machine, arn["account"], arn["region"])
    recorded = next((e for e in machine.executions if e.execution_arn == execution.execution_arn), None)
    if execution.status == "RUNNING" and recorded is not None and recorded.status in ENDED:
        raise RecordError(f"{execution.execution_arn} has ended ({recorded.status}): it does not run again")
    machine.executions = [e for e in machine.executions if e.execution_arn != execution.execution_arn]
    machine.executions.append(execution)


def end_abandoned_executions() -> None:
    """Ends each running execution whose runner is gone, in every account and region moto holds."""
    for regions in list(stepfunctions_backends.values()):
        for backend in list(regions.values()):
            for machine in backend.state_machines:
                for execution in machine.executions:
                    if isinstance(execution, RecordedExecution):
                        execution.end_if_abandoned()


def _described_members(operation: str) -> frozenset[str]:
    """The members of a Describe operation's answer, from botocore's model of the SageMaker API."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.operation_model(operation).output_shape.members)


# A record may set what SageMaker's Describe answers hold, and nothing else of moto's job object.
DESCRIBED_MEMBERS = {
    "training-job": _described_members("DescribeTrainingJob"),
    "processing-job": _described_members("DescribeProcessingJob"),
    "hyper-parameter-tuning-job": _described_members("DescribeHyperParameterTuningJob"),
}


def record_job(kind: str, description: dict[str, Any]) -> None:
    name_member, arn_member = JOB_IDENTITY[kind]
    arn = JOB_ARN.fullmatch(str(description.get(arn_member)))
    if arn is None:
        raise RecordError(f"not a SageMaker {kind} ARN: {description.get(arn_member)}")
    backend = sagemaker_backends[arn["account"]][arn["region"]]
    jobs = getattr(backend, JOBS_OF_KIND[kind])
    name = description.get(name_member)
    job = jobs.get(name)
    if job is None:
        raise RecordError(f"no {kind} {name} in account {arn['account']}, {arn['region']}: create it first")
    unknown = sorted(member for member in description if member not in DESCRIBED_MEMBERS[kind])
    if unknown:
        raise RecordError(f"not members of a {kind}'s description: {', '.join(unknown)}")
    attributes = JOB_ATTRIBUTES.get(kind, {})
    for member in MADE_UP.get(kind, ()):
        setattr(job, attributes.get(member, _snake(member)), None)
    for member, value in description.items():
        if member in (name_member, arn_member):
            continue
        setattr(job, attributes.get(member, _snake(member)), _with_dates(value, member))


# The ranges of a tuning job's configuration, each a list of {Name, ...}.
RANGE_KINDS = ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges", "AutoParameters")
# A job (tuning or training) that has not ended; a trial's objective is still to come (ObjectiveStatus
# Pending: "the training job is in progress").
RUNNING = ("InProgress", "Stopping")
# SortBy: the key of each, from a trial's summary (FinalObjectiveMetricValue lists only those that have one).
TRIAL_ORDER: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Name": lambda s: s["TrainingJobName"],
    "CreationTime": lambda s: s["CreationTime"],
    "Status": lambda s: s["TrainingJobStatus"],
    "FinalObjectiveMetricValue": lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
}
LIST_TRIALS = botocore.session.get_session().get_service_model("sagemaker").operation_model(
    "ListTrainingJobsForHyperParameterTuningJob"
)


def _tuning_job(backend: Any, name: Any) -> Any:
    if not isinstance(name, str):
        raise AWSValidationException(f"1 validation error detected: Value '{name}' at 'hyperParameterTuningJobName' failed to satisfy constraint: Member must be a string")
    job = backend.hyper_parameter_tuning_jobs.get(name)
    if job is None:
        # DescribeHyperParameterTuningJob's answer for it (moto's), so both calls say the same.
        raise ResourceNotFound(message=f"Could not find hyper parameter tuning job '{name}'.")
    return job


def _definitions(tuning: Any) -> list[dict[str, Any]]:
    return [d for d in [tuning.training_job_definition, *(tuning.training_job_definitions or [])] if d]


def _ranged_names(tuning: Any) -> set[str]:
    """The hyperparameters the tuning job searches: those its configuration (or a training job
    definition) has a range for."""
    ranges = [(tuning.hyper_parameter_tuning_job_config or {}).get("ParameterRanges") or {}]
    ranges += [d.get("HyperParameterRanges") or {} for d in _definitions(tuning)]
    return {r["Name"] for group in ranges for kind in RANGE_KINDS for r in group.get(kind) or []}


def _objective(tuning: Any) -> dict[str, Any] | None:
    """{Type, MetricName}: the configuration's, or a training job definition's."""
    config = tuning.hyper_parameter_tuning_job_config or {}
    found = config.get("HyperParameterTuningJobObjective")
    return found or next((d["TuningObjective"] for d in _definitions(tuning) if d.get("TuningObjective")), None)


def trial_summary(trial: Any, tuning: Any) -> dict[str, Any]:
    """A training job of the tuning job as HyperParameterTrainingJobSummary: its tuned
    hyperparameters, and its objective metric's last value (FinalMetricDataList) and status."""
    ranged = _ranged_names(tuning)
    objective = _objective(tuning)
    status = trial.training_job_status
    summary = {
        "TrainingJobName": trial.training_job_name,
        "TrainingJobArn": trial.arn,
        "TuningJobName": tuning.hyper_parameter_tuning_job_name,
        "CreationTime": trial.creation_time,
        "TrainingStartTime": getattr(trial, "training_start_time", None),
        "TrainingEndTime": getattr(trial, "training_end_time", None),
        "TrainingJobStatus": status,
        "TunedHyperParameters": {k: v for k, v in (trial.hyper_parameters or {}).items() if k in ranged},
        "FailureReason": getattr(trial, "failure_reason", None),
    }
    values = [
        m["Value"]
        for m in getattr(trial, "final_metric_data_list", None) or []
        if objective and m.get("MetricName") == objective["MetricName"]
    ]
    if values:
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {**objective, "Value": values[-1]}
    summary["ObjectiveStatus"] = "Pending" if status in RUNNING else "Succeeded" if values else "Failed"
    return {k: v for k, v in summary.items() if v is not None}


def _trials(backend: Any, tuning: Any) -> list[Any]:
    """The training jobs moto holds whose TuningJobArn is the tuning job's (SageMaker's ARNs
    name a job case-insensitively)."""
    arn = tuning.arn.lower()
    return [job for job in backend.training_jobs.values() if str(getattr(job, "tuning_job_arn", "")).lower() == arn]


def _invalid(value: Any, member: str, constraint: str) -> AWSValidationException:
    field = member[0].lower() + member[1:]
    return AWSValidationException(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    )


def _checked(params: dict[str, Any]) -> dict[str, Any]:
    """The request's members, checked against the API's model (enums, MaxResults' range)."""
    members = LIST_TRIALS.input_shape.members
    for member, value in params.items():
        shape = members.get(member)
        if shape is None or value is None:
            continue
        allowed = shape.metadata.get("enum")
        if allowed and value not in allowed:
            raise _invalid(value, member, f"Member must satisfy enum value set: [{', '.join(allowed)}]")
        if shape.type_name == "integer":
            low, high = shape.metadata["min"], shape.metadata["max"]
            if not low <= int(value) <= high:
                raise _invalid(value, member, f"Member must have value between {low} and {high}")
    return params


def _page_start(token: Any, name: str) -> int:
    if token is None or token == "":
        return 0
    try:
        if not isinstance(token, str):
            raise TypeError(token)
        start = json.loads(base64.urlsafe_b64decode(token.encode()))
        if start["tuningJob"] == name and isinstance(start["next"], int) and start["next"] >= 0:
            return int(start["next"])
    except (ValueError, KeyError, TypeError):
        pass
    raise AWSValidationException(f"Invalid pagination token: {token} is not a NextToken of this tuning job's list")


def _page_token(name: str, start: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"tuningJob": name, "next": start}).encode()).decode()


def list_training_jobs_for_hyper_parameter_tuning_job(response: SageMakerResponse) -> ActionResult:
    """ListTrainingJobsForHyperParameterTuningJob, answered from moto's training jobs."""
    params = _checked(
        {
            member: response._get_param(member)
            for member in ("HyperParameterTuningJobName", "MaxResults", "NextToken", "StatusEquals", "SortBy", "SortOrder")
        }
    )
    backend = response.sagemaker_backend
    name = params["HyperParameterTuningJobName"]
    tuning = _tuning_job(backend, name)
    summaries = [trial_summary(trial, tuning) for trial in _trials(backend, tuning)]
    if params["StatusEquals"]:
        summaries = [s for s in summaries if s["TrainingJobStatus"] == params["StatusEquals"]]
    order = params["SortBy"] or "Name"
    if order == "FinalObjectiveMetricValue":
        summaries = [s for s in summaries if "FinalHyperParameterTuningJobObjectiveMetric" in s]
    summaries.sort(key=TRIAL_ORDER[order], reverse=params["SortOrder"] == "Descending")
    start = _page_start(params["NextToken"], name)
    end = start + int(params["MaxResults"] or 10)  # "The default value is 10."
    answer: dict[str, Any] = {"TrainingJobSummaries": summaries[start:end]}
    if end < len(summaries):
        answer["NextToken"] = _page_token(name, end)
    return ActionResult(answer)


def stop_hyper_parameter_tuning_job(response: SageMakerResponse) -> ActionResult:
    """StopHyperParameterTuningJob: an InProgress tuning job and its InProgress trials are Stopped."""
    backend = response.sagemaker_backend
    tuning = _tuning_job(backend, response._get_param("HyperParameterTuningJobName"))
    if tuning.hyper_parameter_tuning_job_status in RUNNING:
        now = datetime.now(timezone.utc)
        tuning.hyper_parameter_tuning_job_status = "Stopped"
        tuning.hyper_parameter_tuning_end_time = tuning.last_modified_time = now
        for trial in _trials(backend, tuning):
            if trial.training_job_status in RUNNING:
                trial.training_job_status = trial.secondary_status = "Stopped"
                trial.training_end_time = trial.last_modified_time = now
                # Its objective is no longer to come: not evaluated (ObjectiveStatus Failed).
                _count_moved(tuning.training_job_status_counters, "InProgress", "Stopped")
                _count_moved(tuning.objective_status_counters, "Pending", "Failed")
    return EmptyResult()


def _count_moved(counters: dict[str, int] | None, source: str, destination: str) -> None:
    if counters is not None:
        counters[source] = max(0, counters.get(source, 0) - 1)
        counters[destination] = counters.get(destination, 0) + 1


def answer_missing_sagemaker_calls() -> None:
    """Adds the calls moto lacks to its SageMaker responses (moto answers a call by the method of
    its snake-case name, with the API's shapes and errors)."""
    SageMakerResponse.list_training_jobs_for_hyper_parameter_tuning_job = list_training_jobs_for_hyper_parameter_tuning_job  # type: ignore[attr-defined]
    SageMakerResponse.stop_hyper_parameter_tuning_job = stop_hyper_parameter_tuning_job  # type: ignore[attr-defined]


class LocalRecords:
    """The WSGI application: the record routes here, everything else to ``app`` (moto's; with the
    SageMaker calls it lacks answered from the records)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        answer_missing_sagemaker_calls()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(ROUTE) or environ.get("REQUEST_METHOD") != "POST":
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith("AWSStepFunctions."):
                # What Step Functions answers about an execution never shows one nobody runs.
                end_abandoned_executions()
            return self.app(environ, start_response)
        kind = path[len(ROUTE) :]
        status, answer = "200 OK", {}
        try:
            record = json.loads(Request(environ).get_data() or b"{}")
            if not isinstance(record, dict):
                raise RecordError(f"a record is a JSON object, not {type(record).__name__}")
            if kind == "execution":
                record_execution(record)
            elif kind in JOB_IDENTITY:
                record_job(kind, record)
            else:
                status, answer = "404 Not Found", {"message": f"no record kind {kind}"}
        except (RecordError, ValueError, KeyError, TypeError) as error:
            status, answer = "400 Bad Request", {"message": str(error)}
        body = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
