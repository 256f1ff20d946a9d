"""SageMaker Runtime's InvokeEndpoint at the emulator's one URL, called with boto3 as an application
does: the launcher (lib/local/emulator/moto_server.py) routes it to the stand-in serving the
endpoint, with SageMaker's headers and errors (the API's model in botocore: ValidationError 400,
ModelError 424 with OriginalStatusCode and OriginalMessage).

Each model of ml/models is trained on a few sample rows and served by the real stand-in, as
lib/local/serving-process.ts starts and records it; its endpoint is created in the emulator through
the SageMaker API. No deploy: the endpoint's resources are what the API needs, nothing more.
"""

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL_DIR = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(LOCAL_DIR, "emulator", "moto_server.py")
STANDIN = os.path.join(LOCAL_DIR, "python", "serving_standin.py")
ML_DIR = os.path.normpath(os.path.join(LOCAL_DIR, "..", "..", "ml"))
sys.path.insert(0, ML_DIR)
sys.path.insert(0, os.path.join(ML_DIR, "tests"))

from helpers import files_digest, run_model_script  # noqa: E402
from mlenv_model import data  # noqa: E402

MODELS = sorted(m for m in os.listdir(os.path.join(ML_DIR, "models")) if os.path.isfile(os.path.join(ML_DIR, "models", m, "inference.py")))
REGION = "us-east-1"
# The credentials the local environment gives its clients (lib/local/emulator-env.ts): any will do.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
VARIANT = "AllTraffic"
ROWS = 5


def started(command, cwd, env=None, timeout=60):
    """A background process that prints ``listening on http://127.0.0.1:<port>``, and its URL. Its
    output goes to a file (a pipe nobody reads would block it once full)."""
    log_path = os.path.join(str(cwd), "process-%d.log" % time.monotonic_ns())
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=str(cwd), env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(log_path) as log:
            found = re.search(r"listening on (?:http://)?127\.0\.0\.1:(\d+)", log.read())
        if found:
            return process, "http://127.0.0.1:%s" % found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    with open(log_path) as log:
        raise AssertionError("%s did not start: %s" % (command, log.read()))


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """The launcher on a free port, started in its state directory as lib/local/emulator.ts does."""
    state_dir = tmp_path_factory.mktemp("state")
    process, url = started([sys.executable, LAUNCHER, "--port-file", str(state_dir / "emulator.port")], state_dir)
    assert url.endswith(":" + (state_dir / "emulator.port").read_text())
    yield url, state_dir
    stop(process)


def client(service, url, region=REGION):
    return boto3.client(service, endpoint_url=url, region_name=region, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


def create_endpoint(url, name, variant=VARIANT):
    """The endpoint and what it needs (model, config), through the SageMaker API."""
    sagemaker = client("sagemaker", url)
    sagemaker.create_model(
        ModelName=name,
        ExecutionRoleArn="arn:aws:iam::123456789012:role/runtime-test",
        PrimaryContainer={"Image": "serving:latest", "ModelDataUrl": "s3://models/%s/model.tar.gz" % name},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[{"VariantName": variant, "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


def record(state_dir, model, process, url, endpoint_name, variant=VARIANT):
    """The serving record lib/local/serving-process.ts writes for a stand-in it started (ServingRecord)."""
    serving = state_dir / "serving"
    serving.mkdir(exist_ok=True)
    port = int(url.rsplit(":", 1)[1])
    (serving / ("%s.json" % model)).write_text(json.dumps({
        "model": model, "pid": process.pid, "port": port, "url": url, "endpointName": endpoint_name,
        "variantName": variant, "modelPackageArn": "arn:aws:sagemaker:%s:123456789012:model-package/%s/1" % (REGION, model),
        "modelDataUrl": "s3://models/%s/model.tar.gz" % model, "captureDir": str(serving / model / "capture"),
        "startedAt": "2026-01-01T00:00:00.000Z",
    }))


@pytest.fixture(scope="module", params=MODELS)
def served(request, emulator, tmp_path_factory):
    """A model trained by its own scripts on a few sample rows, served by the stand-in under its
    endpoint; test rows without the target column, and the stand-in's URL."""
    model = request.param
    url, state_dir = emulator
    base = tmp_path_factory.mktemp(model)
    env = {"SM_CHANNEL_TRAIN": str(base / "out" / "train"), "SM_CHANNEL_VALIDATION": str(base / "out" / "validation"),
           "SM_MODEL_DIR": str(base / "model")}
    for script, *args in (
        ("make_sample_data.py", "--output", base / "raw" / "data.csv", "--rows", "100"),
        ("preprocess.py", "--input-dir", base / "raw", "--output-dir", base / "out"),
        ("train.py",),
    ):
        done = run_model_script(model, script, args, base, **env)
        assert done.returncode == 0, done.stderr
    test_csv = next((base / "out" / "test").glob("*.csv")).read_text()
    table = list(csv.reader(io.StringIO(test_csv)))
    target = table[0].index(data.DEFAULT_TARGET_COLUMN)
    rows = [",".join(v for i, v in enumerate(row) if i != target) for row in table[1:ROWS + 1]]
    endpoint_name = "runtime-test-%s" % model
    process, standin_url = started(
        [sys.executable, STANDIN, "--model-dir", str(base / "model"), "--port", "0", "--endpoint-name", endpoint_name,
         "--variant-name", VARIANT],
        base, env={**os.environ, "MLENV_MODEL_FILES_SHA256": files_digest(base / "model")},
    )
    record(state_dir, model, process, standin_url, endpoint_name)
    create_endpoint(url, endpoint_name)
    yield {"model": model, "endpoint": endpoint_name, "rows": rows, "standin": standin_url, "pid": process.pid}
    stop(process)


def direct(standin_url, body, content_type, accept="application/json"):
    """The stand-in's own answer on the container route: what SageMaker's container would say."""
    req = urllib.request.Request(standin_url + "/invocations", data=body, headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def test_a_prediction_for_real_rows_comes_back_from_the_stand_in_serving_the_endpoint(emulator, served):
    url, _ = emulator
    body = "\n".join(served["rows"]).encode()
    answer = client("sagemaker-runtime", url).invoke_endpoint(
        EndpointName=served["endpoint"], Body=body, ContentType="text/csv", Accept="application/json",
    )
    status, content_type, expected = direct(served["standin"], body, "text/csv")
    assert status == 200
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["ContentType"] == content_type == "application/json"
    assert answer["InvokedProductionVariant"] == VARIANT
    predictions = json.loads(answer["Body"].read())
    assert predictions == json.loads(expected)
    assert len(predictions["predictions"]) == len(served["rows"])  # one answer per row


def test_a_request_the_model_refuses_is_a_model_error_with_the_containers_status_and_body(emulator, served):
    url, _ = emulator
    status, _, expected = direct(served["standin"], b"1,2", "application/x-npy")
    assert 400 <= status < 500  # the serving code refuses a content type it does not read
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url).invoke_endpoint(EndpointName=served["endpoint"], Body=b"1,2", ContentType="application/x-npy")
    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == status
    assert error["OriginalMessage"] == expected.decode()
    assert "(%d)" % status in error["Error"]["Message"]


def test_an_unknown_endpoint_is_a_validation_error_naming_it(emulator):
    url, _ = emulator
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url).invoke_endpoint(EndpointName="no-such-endpoint", Body=b"1,2", ContentType="text/csv")
    error = raised.value.response
    assert error["Error"]["Code"] == "ValidationError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == "Endpoint no-such-endpoint of account 123456789012 not found."


def test_an_asynchronous_invocation_is_a_validation_error_not_a_false_success(emulator, served):
    # No endpoint is served asynchronously locally; moto alone would answer 200 with an output location.
    url, endpoint = emulator[0], served["endpoint"]
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url).invoke_endpoint_async(
            EndpointName=endpoint, InputLocation="s3://bucket/input.csv", ContentType="text/csv")
    error = raised.value.response
    assert error["Error"]["Code"] == "ValidationError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "asynchronous" in error["Error"]["Message"]


def async_endpoint(url, name, model):
    """An asynchronous endpoint of the served model (its stand-in's record names the endpoint), with
    its output and failure paths in a bucket and its topics, each with an SQS queue to read."""
    sagemaker, s3, sns, sqs = (client(s, url) for s in ("sagemaker", "s3", "sns", "sqs"))
    bucket = "async-%s" % name
    s3.create_bucket(Bucket=bucket)
    topics, queues = {}, {}
    for kind in ("success", "error"):
        topics[kind] = sns.create_topic(Name="%s-%s" % (name, kind))["TopicArn"]
        queue = sqs.create_queue(QueueName="%s-%s" % (name, kind))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topics[kind], Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        queues[kind] = queue
    sagemaker.create_model(
        ModelName=name, ExecutionRoleArn="arn:aws:iam::123456789012:role/runtime-test",
        PrimaryContainer={"Image": "serving:latest", "ModelDataUrl": "s3://models/%s/model.tar.gz" % model},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[{"VariantName": VARIANT, "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
        AsyncInferenceConfig={
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": {
                "S3OutputPath": "s3://%s/%s/async/output" % (bucket, model),
                "S3FailurePath": "s3://%s/%s/async/failures" % (bucket, model),
                "NotificationConfig": {"SuccessTopic": topics["success"], "ErrorTopic": topics["error"]},
            },
        },
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    return bucket, queues


def messages(url, queue):
    got = client("sqs", url).receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def test_an_asynchronous_endpoint_answers_in_s3_and_notifies_as_sagemaker_does(emulator, served):
    url, state_dir = emulator
    name = "async-" + served["endpoint"]
    bucket, queues = async_endpoint(url, name, served["model"])
    record(state_dir, served["model"] + "-async", type("P", (), {"pid": served["pid"]}), served["standin"], name)
    s3, runtime = client("s3", url), client("sagemaker-runtime", url)
    body = "\n".join(served["rows"]).encode()
    s3.put_object(Bucket=bucket, Key="%s/async/input/request.csv" % served["model"], Body=body)
    answer = runtime.invoke_endpoint_async(
        EndpointName=name, InputLocation="s3://%s/%s/async/input/request.csv" % (bucket, served["model"]),
        ContentType="text/csv", Accept="application/json",
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    output = answer["OutputLocation"]
    assert output == "s3://%s/%s/async/output/%s.out" % (bucket, served["model"], answer["InferenceId"])
    assert answer["FailureLocation"].startswith("s3://%s/%s/async/failures/" % (bucket, served["model"]))
    key = output.split("/", 3)[3]
    written = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    _, _, expected = direct(served["standin"], body, "text/csv")
    assert json.loads(written) == json.loads(expected)
    (success,) = messages(url, queues["success"])
    assert success["invocationStatus"] == "Completed"
    assert success["inferenceId"] == answer["InferenceId"]
    assert success["responseParameters"]["outputLocation"] == output
    assert messages(url, queues["error"]) == []


def test_a_request_an_asynchronous_endpoint_refuses_is_a_failure_object_and_an_error_notification(emulator, served):
    url, state_dir = emulator
    name = "async-refused-" + served["endpoint"]
    bucket, queues = async_endpoint(url, name, served["model"])
    record(state_dir, served["model"] + "-refused", type("P", (), {"pid": served["pid"]}), served["standin"], name)
    s3, runtime = client("s3", url), client("sagemaker-runtime", url)
    s3.put_object(Bucket=bucket, Key="in/bad.csv", Body=b"1,2")
    answer = runtime.invoke_endpoint_async(
        EndpointName=name, InputLocation="s3://%s/in/bad.csv" % bucket, ContentType="application/x-npy",
    )
    status, _, _ = direct(served["standin"], b"1,2", "application/x-npy")
    failure = s3.get_object(Bucket=bucket, Key=answer["FailureLocation"].split("/", 3)[3])["Body"].read().decode()
    assert "(%d)" % status in failure
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key=answer["OutputLocation"].split("/", 3)[3])
    (error,) = messages(url, queues["error"])
    assert error["invocationStatus"] == "Failed"
    assert messages(url, queues["success"]) == []


def test_an_endpoint_of_another_region_is_not_the_callers(emulator, served):
    url, _ = emulator
    other = "eu-west-1" if REGION != "eu-west-1" else "us-west-2"
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url, region=other).invoke_endpoint(EndpointName=served["endpoint"], Body=b"1", ContentType="text/csv")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert served["endpoint"] in raised.value.response["Error"]["Message"]


def test_an_endpoint_without_a_running_stand_in_is_a_validation_error_not_an_answer(emulator, tmp_path):
    url, state_dir = emulator
    create_endpoint(url, "runtime-test-unserved")
    runtime = client("sagemaker-runtime", url)
    with pytest.raises(ClientError) as raised:  # deployed, never served
        runtime.invoke_endpoint(EndpointName="runtime-test-unserved", Body=b"1", ContentType="text/csv")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "runtime-test-unserved" in raised.value.response["Error"]["Message"]

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    record(state_dir, "unserved", gone, "http://127.0.0.1:9", "runtime-test-unserved")  # a stand-in that exited
    with pytest.raises(ClientError) as raised:
        runtime.invoke_endpoint(EndpointName="runtime-test-unserved", Body=b"1", ContentType="text/csv")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "mlenv local serve --model unserved" in raised.value.response["Error"]["Message"]


# A container in the stand-in's place (its file is named as the stand-in's, so the launcher takes
# its process for one): it answers what it was sent, and the status a request's body asks for.
ECHO_CONTAINER = textwrap.dedent("""
    import json
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = int(body[len(b"status="):]) if body.startswith(b"status=") else 200
            answer = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.echo+json")
            self.send_header("X-Amzn-SageMaker-Custom-Attributes", "echoed=" + self.headers.get("X-Amzn-SageMaker-Custom-Attributes", ""))
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = HTTPServer(("127.0.0.1", 0), Echo)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
""")


@pytest.fixture(scope="module")
def echo(emulator, tmp_path_factory):
    url, state_dir = emulator
    directory = tmp_path_factory.mktemp("echo")
    (directory / "serving_standin.py").write_text(ECHO_CONTAINER)
    process, echo_url = started([sys.executable, str(directory / "serving_standin.py")], directory)
    record(state_dir, "echo", process, echo_url, "runtime-test-echo", variant="Blue")
    create_endpoint(url, "runtime-test-echo", variant="Blue")
    yield "runtime-test-echo"
    stop(process)


def test_the_container_gets_the_headers_sagemaker_passes_and_none_other(emulator, echo):
    url, _ = emulator
    answer = client("sagemaker-runtime", url).invoke_endpoint(
        EndpointName=echo, Body=b"1,2,3", ContentType="text/csv", Accept="application/json",
        CustomAttributes="trace=abc", InferenceId="request-1", TargetVariant="Blue",
    )
    sent = json.loads(answer["Body"].read())
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert sent["path"] == "/invocations"
    assert headers["content-type"] == "text/csv"
    assert headers["accept"] == "application/json"
    assert headers["x-amzn-sagemaker-custom-attributes"] == "trace=abc"
    assert headers["x-amzn-sagemaker-inference-id"] == "request-1"
    assert headers["x-amzn-sagemaker-target-variant"] == "Blue"
    assert not [h for h in headers if h in ("authorization", "x-amz-date", "x-amz-security-token", "user-agent")]
    assert answer["ContentType"] == "application/vnd.echo+json"
    assert answer["CustomAttributes"] == "echoed=trace=abc"
    assert answer["InvokedProductionVariant"] == "Blue"


def test_a_server_error_of_the_container_is_a_model_error_with_its_status(emulator, echo):
    url, _ = emulator
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url).invoke_endpoint(EndpointName=echo, Body=b"status=503", ContentType="text/plain")
    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["OriginalStatusCode"] == 503
    assert json.loads(error["OriginalMessage"])["path"] == "/invocations"
    assert error["Error"]["Message"].startswith("Received server error (503) from primary with message")


def test_a_target_variant_the_endpoint_does_not_have_is_a_validation_error(emulator, echo):
    url, _ = emulator
    with pytest.raises(ClientError) as raised:
        client("sagemaker-runtime", url).invoke_endpoint(EndpointName=echo, Body=b"1", ContentType="text/csv", TargetVariant="Green")
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "Green" in raised.value.response["Error"]["Message"]


def test_every_other_call_still_reaches_moto(emulator, echo):
    url, _ = emulator
    described = client("sagemaker", url).describe_endpoint(EndpointName=echo)
    assert described["EndpointName"] == echo
    assert described["ProductionVariants"][0]["VariantName"] == "Blue"
    assert client("s3", url).list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def raw_post(url, path, headers, body=b"{}"):
    """A request as a web page would send it, straight to the launcher: (status, body)."""
    request = urllib.request.Request(url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("headers", [
    {"Host": "attacker.example:80"},  # DNS rebinding: another name resolved to 127.0.0.1
    {"Host": "127.0.0.1.attacker.example"},
    {"Origin": "https://attacker.example"},  # a cross-site request from a browser tab
    {"Origin": "null"},
])
def test_what_only_a_web_page_sends_is_refused_before_any_route(emulator, headers):
    url, _ = emulator
    for path in ("/_mlenv/records/training-job", "/endpoints/any/invocations", "/"):
        status, body = raw_post(url, path, {"Content-Type": "text/plain", **headers})
        assert status == 403, (path, headers, body)
        assert json.loads(body)["__type"] == "AccessDeniedException"


def test_local_clients_addressing_localhost_still_reach_moto(emulator):
    url, _ = emulator
    port = url.rsplit(":", 1)[1]
    for host in ("localhost:" + port, "127.0.0.1:" + port, "some-bucket.localhost:" + port):
        request = urllib.request.Request(url + "/", headers={"Host": host})
        try:  # unsigned S3 calls: ListBuckets, or the bucket's listing (NoSuchBucket: moto answered)
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status != 403 and b"AccessDeniedException" not in body, (host, status, body)


def test_a_record_that_is_not_a_json_object_is_a_clear_400(emulator):
    url, _ = emulator
    status, body = raw_post(url, "/_mlenv/records/training-job", {"Content-Type": "application/json"}, b"[]")
    assert status == 400
    assert json.loads(body)["message"] == "a record is a JSON object, not list"
