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
  ``train:progress``; the description restores both.

These routes are the launcher's own (no AWS API has them); every other request goes to moto.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import botocore.session
from moto.sagemaker.models import sagemaker_backends
from moto.stepfunctions.models import Execution, stepfunctions_backends
from werkzeug.wrappers import Request

ROUTE = "/_mlenv/records/"
EXECUTION_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):states:(?P<region>[\w-]+):(?P<account>\d{12}):execution:(?P<machine>[^:]+):(?P<name>[^:]+)"
)
JOB_ARN = re.compile(r"arn:[\w-]+:sagemaker:(?P<region>[\w-]+):(?P<account>\d{12}):(?:training|processing)-job/.+")
# The description's members that name the job (moto's job keeps them as it made them).
JOB_IDENTITY = {
    "training-job": ("TrainingJobName", "TrainingJobArn"),
    "processing-job": ("ProcessingJobName", "ProcessingJobArn"),
}


class RecordError(Exception):
    """A record that cannot be kept: the answer is 400 with the message."""


def _timestamp(value: Any) -> Any:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def _with_dates(value: Any, key: str = "") -> Any:
    """The value with every ``...Time`` / ``Timestamp`` member as a datetime (moto's serializer
    writes datetimes in each protocol's format)."""
    if isinstance(value, dict):
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
}


def record_job(kind: str, description: dict[str, Any]) -> None:
    name_member, arn_member = JOB_IDENTITY[kind]
    arn = JOB_ARN.fullmatch(str(description.get(arn_member)))
    if arn is None:
        raise RecordError(f"not a SageMaker {kind} ARN: {description.get(arn_member)}")
    backend = sagemaker_backends[arn["account"]][arn["region"]]
    jobs = backend.training_jobs if kind == "training-job" else backend.processing_jobs
    name = description.get(name_member)
    job = jobs.get(name)
    if job is None:
        raise RecordError(f"no {kind} {name} in account {arn['account']}, {arn['region']}: create it first")
    unknown = sorted(member for member in description if member not in DESCRIBED_MEMBERS[kind])
    if unknown:
        raise RecordError(f"not members of a {kind}'s description: {', '.join(unknown)}")
    for member, value in description.items():
        if member in (name_member, arn_member):
            continue
        setattr(job, _snake(member), _with_dates(value, member))


class LocalRecords:
    """The WSGI application: the record routes here, everything else to ``app``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

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
