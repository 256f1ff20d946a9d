"""SageMaker Runtime's InvokeEndpoint at the emulator's URL, answered by the stand-in serving the
endpoint on this machine (moto's own answer is 200 ``body`` for any endpoint and any payload).

A WSGI middleware in front of moto: ``POST /endpoints/<EndpointName>/invocations`` (the route of
the API's model, signed for ``sagemaker`` or not signed) is handled here; every other request goes
to moto unchanged. As SageMaker does:

- The endpoint is the caller's: it must exist in moto's SageMaker of the caller's account and
  region (as moto reads them for every other call), else ``ValidationError`` (400) "Endpoint
  <name> of account <account> not found.". It must also be served here: a serving record
  (``<state dir>/serving/<model>.json``, written by lib/local/serving-process.ts) names it and its
  stand-in process runs, else ``ValidationError`` naming it.
- Only the headers the API supports reach the container (Content-Type, Accept, CustomAttributes,
  InferenceId, TargetVariant); the body is passed as it came. A TargetVariant other than the
  served variant is a ``ValidationError``.
- A 2xx answer is the response: its body and Content-Type, the container's CustomAttributes, and
  ``x-Amzn-Invoked-Production-Variant``. Any other answer is ``ModelError`` (424) with the
  container's status (``OriginalStatusCode``) and body (``OriginalMessage``); a container that does
  not answer within SageMaker's 60 s is a ``ModelError`` too.

Errors are rest-json errors as the SDKs read them: the code in ``x-amzn-ErrorType`` and ``__type``,
the text in ``Message`` (the error shapes' member, which botocore and the AWS SDK v3 also take as
the error's message).

InvokeEndpointAsync (``/async-invocations``, moto would answer 200 for any endpoint) is answered
for an endpoint whose config has ``AsyncInferenceConfig`` (else ``ValidationError``, as SageMaker
answers it): the request is read from ``InputLocation`` in the emulator's S3 (or the inline body),
the stand-in scores it as InvokeEndpoint does, and the answer is written to
``<S3OutputPath>/<inference id>.out`` (or the failure, SageMaker's message with the container's
status, to ``<S3FailurePath>/<inference id>-error.out``) with the output config's key, and the
success (or error) notification is published to its topic in SageMaker's JSON shape. Unlike on
AWS, the work is done before the 202 answer (``InferenceId``, and the two locations in
``X-Amzn-SageMaker-OutputLocation``/``-FailureLocation``): no queue, no scaling to zero.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import re
import uuid
from typing import Any, Callable, Iterable

from datetime import datetime, timezone

from moto.core.responses import BaseResponse
from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sns.models import sns_backends
from werkzeug.wrappers import Request

INVOKE_ROUTE = re.compile(r"/endpoints/(?P<name>[^/]+)/(?P<kind>invocations|async-invocations)")
SIGNING_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/(?P<service>[^/]+)/aws4_request")
# The request headers of InvokeEndpoint that SageMaker passes to the container; it strips the rest.
CONTAINER_HEADERS = (
    "Content-Type",
    "Accept",
    "X-Amzn-SageMaker-Custom-Attributes",
    "X-Amzn-SageMaker-Inference-Id",
    "X-Amzn-SageMaker-Target-Variant",
)
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
TARGET_VARIANT = "X-Amzn-SageMaker-Target-Variant"
CONTAINER_TIMEOUT_SECONDS = 60  # SageMaker's limit for a container's answer
STAND_IN_MARKER = "serving_standin.py"  # in the command line of a serving stand-in
CONTAINER_NAME = "primary"  # how SageMaker names a model's single container in ModelError

Reply = tuple[int, list[tuple[str, str]], bytes]


class RuntimeApiError(Exception):
    """An error of SageMaker Runtime's API, as its rest-json answer."""

    def __init__(self, code: str, status: int, message: str, **members: Any):
        super().__init__(message)
        self.code, self.status, self.message, self.members = code, status, message, members

    def reply(self) -> Reply:
        body = json.dumps({"__type": self.code, "Message": self.message, **self.members}).encode()
        return self.status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", self.code)], body


def validation_error(message: str) -> RuntimeApiError:
    return RuntimeApiError("ValidationError", 400, message)


def stand_in_runs(pid: Any) -> bool:
    """Whether ``pid`` is a live (not zombie) serving stand-in: a recorded pid the system has since
    given to another program is not one (as lib/jobs/process-group.ts ``isOwnProcess`` decides)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = f"/proc/{pid}"
    if not os.path.isdir(proc):
        return True  # no procfs: trust the signal check
    try:
        with open(f"{proc}/stat", encoding="utf-8") as stat:
            state = stat.read().rsplit(") ", 1)[1][:1]
        with open(f"{proc}/cmdline", "rb") as cmdline:
            return state not in ("Z", "X") and STAND_IN_MARKER.encode() in cmdline.read()
    except (OSError, IndexError):
        return False


def serving_records(state_dir: str, endpoint_name: str) -> list[dict[str, Any]]:
    """The serving records of the state directory that name the endpoint."""
    records = []
    for path in sorted(glob.glob(os.path.join(state_dir, "serving", "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError):
            continue  # being written, or not a record
        if isinstance(record, dict) and record.get("endpointName") == endpoint_name:
            records.append(record)
    return records


def caller(request: Request) -> tuple[str, str]:
    """The caller's account and region, as moto reads them for every other call (the access key's
    account, the signature's region)."""
    reader = BaseResponse(service_name="sagemaker")
    reader.headers = request.headers
    reader.querystring = {}
    return reader.get_current_account(), reader.get_region_from_url(request, request.url)


def endpoint_exists(account: str, region: str, name: str) -> bool:
    try:
        return name in sagemaker_backends[account][region].endpoints
    except KeyError:  # a region moto does not know
        return False


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/(.+)", uri)
    if not match:
        raise validation_error(f"{uri} is not an S3 URI (s3://bucket/key).")
    return match[1], match[2]


def read_object(account: str, uri: str) -> bytes:
    """An object of the emulator's S3, as the endpoint reads its request."""
    bucket, key = split_s3_uri(uri)
    try:
        found = s3_backends[account]["global"].get_object(bucket, key)
    except Exception as error:  # moto raises its own MissingBucket/MissingKey
        raise validation_error(f"Could not read the request at {uri}: {error}") from error
    if found is None:
        raise validation_error(f"Could not read the request at {uri}: no such key.")
    return found.value


def write_object(account: str, uri: str, body: bytes, kms_key_id: str | None) -> None:
    bucket, key = split_s3_uri(uri)
    s3_backends[account]["global"].put_object(
        bucket, key, body, encryption="aws:kms" if kms_key_id else None, kms_key_id=kms_key_id
    )


def publish(account: str, topic_arn: str, message: str) -> None:
    region = topic_arn.split(":")[3]
    sns_backends[account][region].publish(message, arn=topic_arn)


class RuntimeApi:
    """The WSGI application: InvokeEndpoint here, everything else to ``app`` (moto's)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], state_dir: str):
        self.app = app
        self.state_dir = state_dir

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = INVOKE_ROUTE.fullmatch(environ.get("PATH_INFO", ""))
        signed_for = SIGNING_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if (
            route is None
            or environ.get("REQUEST_METHOD") != "POST"
            or (signed_for is not None and signed_for["service"] != "sagemaker")
        ):
            return self.app(environ, start_response)
        try:
            if route["kind"] == "async-invocations":
                status, headers, body = self.invoke_async(route["name"], Request(environ))
            else:
                status, headers, body = self.invoke(route["name"], Request(environ))
        except RuntimeApiError as error:
            status, headers, body = error.reply()
        headers = [*headers, ("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Length", str(len(body)))]
        start_response(f"{status} {http.client.responses.get(status, '')}".rstrip(), headers)
        return [body]

    def invoke_async(self, endpoint_name: str, request: Request) -> Reply:
        """InvokeEndpointAsync: the request from S3, the answer or failure to S3, a notification."""
        account, region = caller(request)
        if not endpoint_exists(account, region, endpoint_name):
            raise validation_error(f"Endpoint {endpoint_name} of account {account} not found.")
        backend = sagemaker_backends[account][region]
        config = backend.endpoint_configs.get(backend.endpoints[endpoint_name].endpoint_config_name)
        output = ((config.async_inference_config if config else None) or {}).get("OutputConfig") or {}
        if not output.get("S3OutputPath"):
            raise validation_error(f"Endpoint {endpoint_name} is not configured for asynchronous inference.")
        record = self.served_record(account, endpoint_name)
        input_location = request.headers.get("X-Amzn-SageMaker-InputLocation")
        if input_location:
            payload = read_object(account, input_location)
        elif request.get_data():
            payload = request.get_data()
        else:
            raise validation_error("Provide the request with InputLocation (an S3 URI) or an inline Body.")
        inference_id = request.headers.get("X-Amzn-SageMaker-Inference-Id") or str(uuid.uuid4())
        output_location = f"{output['S3OutputPath'].rstrip('/')}/{inference_id}.out"
        failure_path = output.get("S3FailurePath") or output["S3OutputPath"]
        failure_location = f"{failure_path.rstrip('/')}/{inference_id}-error.out"
        headers = {"Content-Type": request.headers.get("X-Amzn-SageMaker-Content-Type", "application/octet-stream")}
        if request.headers.get("X-Amzn-SageMaker-Accept"):
            headers["Accept"] = request.headers["X-Amzn-SageMaker-Accept"]
        try:
            status, answer_headers, body = self.post_to_container(record, payload, headers)
        except RuntimeApiError as error:  # no answer from the container
            status, answer_headers, body = 0, {}, error.message.encode()
        notification = output.get("NotificationConfig") or {}
        received = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        event = {
            "awsRegion": region,
            "eventTime": received,
            "receivedTime": received,
            "requestParameters": {
                "contentType": headers["Content-Type"],
                "endpointName": endpoint_name,
                "inputLocation": input_location or "(inline body)",
            },
            "inferenceId": inference_id,
            "eventVersion": "1.0",
            "eventSource": "aws:sagemaker",
            "eventName": "InferenceResult",
        }
        if 200 <= status < 300:
            write_object(account, output_location, body, output.get("KmsKeyId"))
            event |= {
                "invocationStatus": "Completed",
                "responseParameters": {
                    "contentType": answer_headers.get("Content-Type", "application/octet-stream"),
                    "outputLocation": output_location,
                },
            }
            topic = notification.get("SuccessTopic")
        else:
            original = body.decode("utf-8", errors="replace")
            kind = "server" if status >= 500 or status == 0 else "client"
            message = f'Received {kind} error ({status}) from {CONTAINER_NAME} with message "{original}".'
            write_object(account, failure_location, message.encode(), output.get("KmsKeyId"))
            event |= {
                "invocationStatus": "Failed",
                "failureReason": message,
                "responseParameters": {"failureLocation": failure_location},
            }
            topic = notification.get("ErrorTopic")
        if topic:
            publish(account, topic, json.dumps(event))
        reply_headers = [
            ("Content-Type", "application/json"),
            ("X-Amzn-SageMaker-OutputLocation", output_location),
            ("X-Amzn-SageMaker-FailureLocation", failure_location),
        ]
        return 202, reply_headers, json.dumps({"InferenceId": inference_id}).encode()

    def served_record(self, account: str, endpoint_name: str) -> dict[str, Any]:
        """The serving record of the running stand-in that serves the endpoint, else ValidationError."""
        records = serving_records(self.state_dir, endpoint_name)
        record = next((r for r in records if stand_in_runs(r.get("pid"))), None)
        if record is None:
            model = records[0].get("model") if records else "<model>"
            state = "its serving stand-in is not running" if records else "no serving stand-in serves it"
            raise validation_error(
                f"Endpoint {endpoint_name} of account {account} is not served on this machine: {state}"
                f" (start it with `mlenv local serve --model {model}`)."
            )
        return record

    def post_to_container(self, record: dict[str, Any], body: bytes, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        """``POST /invocations`` of ``body`` to the stand-in."""
        try:
            connection = http.client.HTTPConnection("127.0.0.1", int(record["port"]), timeout=CONTAINER_TIMEOUT_SECONDS)
        except (KeyError, TypeError, ValueError) as error:
            raise RuntimeApiError("ModelError", 424, f"the serving record names no port: {error!r}") from error
        try:
            connection.request("POST", "/invocations", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        except OSError as error:
            raise RuntimeApiError(
                "ModelError", 424, f"the serving stand-in (pid {record.get('pid')}) did not answer: {error}"
            ) from error
        finally:
            connection.close()

    def invoke(self, endpoint_name: str, request: Request) -> Reply:
        account, region = caller(request)
        if not endpoint_exists(account, region, endpoint_name):
            raise validation_error(f"Endpoint {endpoint_name} of account {account} not found.")
        records = serving_records(self.state_dir, endpoint_name)
        record = next((r for r in records if stand_in_runs(r.get("pid"))), None)
        if record is None:
            model = records[0].get("model") if records else "<model>"
            state = "its serving stand-in is not running" if records else "no serving stand-in serves it"
            raise validation_error(
                f"Endpoint {endpoint_name} of account {account} is not served on this machine: {state}"
                f" (start it with `mlenv local serve --model {model}`)."
            )
        variant = str(record.get("variantName") or "AllTraffic")
        target = request.headers.get(TARGET_VARIANT)
        if target is not None and target != variant:
            raise validation_error(f"The target variant {target} does not exist on endpoint {endpoint_name}.")
        status, headers, body = self.call_container(record, request)
        if not 200 <= status < 300:
            original = body.decode("utf-8", errors="replace")
            kind = "server" if status >= 500 else "client"
            raise RuntimeApiError(
                "ModelError",
                424,
                f'Received {kind} error ({status}) from {CONTAINER_NAME} with message "{original}".'
                f" See {self.log_of(record)} for more information.",
                OriginalStatusCode=status,
                OriginalMessage=original,
            )
        answer = [("Content-Type", headers.get("Content-Type", "application/octet-stream"))]
        answer.append(("x-Amzn-Invoked-Production-Variant", variant))
        if headers.get(CUSTOM_ATTRIBUTES) is not None:
            answer.append((CUSTOM_ATTRIBUTES, headers[CUSTOM_ATTRIBUTES]))
        return 200, answer, body

    def call_container(self, record: dict[str, Any], request: Request) -> tuple[int, Any, bytes]:
        """``POST /invocations`` to the stand-in, with only the headers SageMaker passes on."""
        headers = {name: request.headers[name] for name in CONTAINER_HEADERS if name in request.headers}
        try:
            connection = http.client.HTTPConnection("127.0.0.1", int(record["port"]), timeout=CONTAINER_TIMEOUT_SECONDS)
        except (KeyError, TypeError, ValueError) as error:  # a serving record without a port
            raise RuntimeApiError(
                "ModelError", 424,
                f'Received server error (0) from {CONTAINER_NAME} with message "the serving record of'
                f' {record.get("endpointName")} names no port: {error!r}". Serve it again with mlenv local serve.',
            ) from error
        try:
            connection.request("POST", "/invocations", body=request.get_data(), headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        except OSError as error:  # refused, reset or timed out: no answer from the container
            raise RuntimeApiError(
                "ModelError",
                424,
                f'Received server error (0) from {CONTAINER_NAME} with message "the serving stand-in'
                f' (pid {record.get("pid")}, {record.get("url")}) did not answer: {error}".'
                f" See {self.log_of(record)} for more information.",
            ) from error
        finally:
            connection.close()

    def log_of(self, record: dict[str, Any]) -> str:
        """The stand-in's log, where lib/local/serving-process.ts writes it (SageMaker links the
        endpoint's CloudWatch log stream)."""
        return os.path.join(self.state_dir, "serving", str(record.get("model")), "server.log")
