import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(os.path.dirname(HERE), "serving_standin.py")
ML_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "ml"))
sys.path.insert(0, ML_DIR)
sys.path.insert(0, os.path.join(ML_DIR, "tests"))

from helpers import files_digest, model_scripts  # noqa: E402
from mlenv_model import splits  # noqa: E402

CHURN = model_scripts("churn")  # the reference model: its scripts, as its jobs run them


@pytest.fixture(scope="module")
def model_and_rows(tmp_path_factory):
    """A model trained by ml/models/churn/train.py (its artifact layout, code/ included) and test rows."""
    base = tmp_path_factory.mktemp("serving")
    CHURN.make_sample_data.make_sample_data(str(base / "raw" / "data.csv"))
    splits.preprocess(CHURN.inference.PROBLEM_TYPE, str(base / "raw"), str(base / "splits"))
    CHURN.train.train(str(base / "splits" / "train"), str(base / "splits" / "validation"), str(base / "model"), log=lambda line: None)
    test = sorted(glob.glob(str(base / "splits" / "test" / "*.csv")))[0]
    with open(test) as f:
        header, *rows = f.read().splitlines()
    target = header.split(",").index("target")
    features = [",".join(v for i, v in enumerate(row.split(",")) if i != target) for row in rows[:5]]
    return base / "model", features


@pytest.fixture
def server(model_and_rows, tmp_path):
    """The stand-in serving the model on a free port, capturing into tmp_path/capture; stopped after."""
    model_dir, _ = model_and_rows
    process = subprocess.Popen(
        [sys.executable, STANDIN, "--model-dir", str(model_dir), "--capture-dir", str(tmp_path / "capture"),
         "--endpoint-name", "churn-local"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As the endpoint's model gives it: the pinned package's digest of the artifact's files.
        env={**os.environ, "MLENV_MODEL_FILES_SHA256": files_digest(model_dir)},
    )
    line = process.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:"), process.stderr.read()
    yield line.split()[-1], tmp_path / "capture"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_a_changed_model_file_is_refused_before_serving(model_and_rows, tmp_path):
    model_dir, _ = model_and_rows
    expected = files_digest(model_dir)
    tampered = tmp_path / "model"
    shutil.copytree(str(model_dir), str(tampered))
    (tampered / "model.joblib").write_bytes(b"not the model that was evaluated")
    process = subprocess.run(
        [sys.executable, STANDIN, "--model-dir", str(tampered)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "MLENV_MODEL_FILES_SHA256": expected},
    )
    assert process.returncode != 0
    assert "listening on" not in process.stdout
    assert "but the pinned package records %s: refusing to load a changed artifact" % expected in process.stderr


def request(url, body=None, content_type="text/csv", accept="application/json", headers=None):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, "Accept": accept, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def captured(capture_dir):
    files = glob.glob(str(capture_dir / "churn-local" / "AllTraffic" / "*" / "*" / "*" / "*" / "*.jsonl"))
    return [json.loads(line) for path in sorted(files) for line in open(path)]


def test_ping_and_predictions_follow_the_container_contract(server, model_and_rows):
    url, _ = server
    _, rows = model_and_rows
    assert request(url + "/ping")[0] == 200
    status, content_type, body = request(url + "/invocations", "\n".join(rows).encode())
    assert status == 200 and content_type == "application/json"
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == len(rows)
    assert all(0.0 <= p["score"] <= 1.0 and p["label"] in (0, 1) for p in predictions)


def test_requests_and_responses_are_captured_in_sagemaker_format(server, model_and_rows):
    url, capture_dir = server
    _, rows = model_and_rows
    request(url + "/invocations", rows[0].encode())
    [record] = captured(capture_dir)
    data = record["captureData"]
    assert data["endpointInput"] == {"observedContentType": "text/csv", "mode": "INPUT", "data": rows[0], "encoding": "CSV"}
    assert data["endpointOutput"]["mode"] == "OUTPUT"
    assert data["endpointOutput"]["encoding"] == "JSON"
    assert json.loads(data["endpointOutput"]["data"])["predictions"][0]["label"] in (0, 1)
    assert record["eventVersion"] == "0"
    assert record["eventMetadata"]["inferenceTime"].endswith("Z")
    assert "inferenceId" not in record["eventMetadata"]  # none given: SageMaker records none


def test_the_callers_inference_id_is_captured_as_sagemaker_records_it(server, model_and_rows):
    """InvokeEndpoint's InferenceId reaches the container as X-Amzn-SageMaker-Inference-Id; the
    capture records it as eventMetadata.inferenceId, on which Model Monitor joins ground truth."""
    url, capture_dir = server
    _, rows = model_and_rows
    request(url + "/invocations", rows[0].encode(), headers={"X-Amzn-SageMaker-Inference-Id": "smoke-7"})
    [record] = captured(capture_dir)
    assert record["eventMetadata"]["inferenceId"] == "smoke-7"
    assert record["eventMetadata"]["eventId"] != "smoke-7"


def test_a_malformed_request_gets_a_4xx_and_is_not_captured(server):
    url, capture_dir = server
    assert request(url + "/invocations", b"not,numbers")[0] == 400
    assert request(url + "/invocations", b"1,2", content_type="application/x-npy")[0] == 415
    assert request(url + "/nothing")[0] == 404
    assert captured(capture_dir) == []


@pytest.mark.parametrize("headers", [
    {"Host": "rebind.attacker.example"},  # DNS rebinding: a page's own name resolved to 127.0.0.1
    {"Host": "127.0.0.1.attacker.example"},
    {"Origin": "https://attacker.example"},  # a cross-site request from a browser tab
    {"Origin": "null"},
])
def test_what_only_a_web_page_sends_gets_no_prediction_and_plants_no_capture(server, model_and_rows, headers):
    url, capture_dir = server
    _, rows = model_and_rows
    if "Host" in headers:  # the page's port: the one its DNS answer points at
        headers = {"Host": headers["Host"] + ":" + url.rsplit(":", 1)[1]}
    for path, body in (("/ping", None), ("/invocations", rows[0].encode())):
        status, _, answer = request(url + path, body, headers=headers)
        assert status == 403, (path, headers, answer)
        assert b"predictions" not in answer
    assert captured(capture_dir) == []


def test_local_callers_addressing_localhost_are_answered(server, model_and_rows):
    url, _ = server
    _, rows = model_and_rows
    port = url.rsplit(":", 1)[1]
    for host in ("localhost:" + port, "127.0.0.1:" + port):
        assert request(url + "/invocations", rows[0].encode(), headers={"Host": host})[0] == 200


def test_a_directory_without_serving_code_is_refused(tmp_path):
    result = subprocess.run([sys.executable, STANDIN, "--model-dir", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "not a model artifact" in result.stderr


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--endpoint-name", "../../outside"),
        ("--endpoint-name", "a/b"),
        ("--endpoint-name", ".hidden"),
        ("--endpoint-name", ""),
        ("--endpoint-name", "x" * 64),
        ("--variant-name", ".."),
        ("--variant-name", "All Traffic"),
        ("--program", "../inference.py"),
        ("--program", ".hidden.py"),
    ],
)
def test_names_that_become_capture_folders_are_refused_out_of_the_grammar(tmp_path, flag, value):
    """Checked before the model is loaded: nothing is served, nothing is written."""
    done = subprocess.run(
        [sys.executable, STANDIN, "--model-dir", str(tmp_path / "none"), "--capture-dir", str(tmp_path / "capture"),
         f"{flag}={value}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {flag}") and "is not valid" in done.stderr
    assert not (tmp_path / "capture").exists()


@pytest.fixture(scope="module")
def candidate_dir(tmp_path_factory):
    """Another churn model (trained on another sample draw and fewer trees): the shadow candidate."""
    base = tmp_path_factory.mktemp("candidate")
    CHURN.make_sample_data.make_sample_data(str(base / "raw" / "data.csv"), rows=200, seed=7)
    splits.preprocess(CHURN.inference.PROBLEM_TYPE, str(base / "raw"), str(base / "splits"))
    CHURN.train.train(str(base / "splits" / "train"), str(base / "splits" / "validation"), str(base / "model"),
                      n_estimators=5, max_depth=1, log=lambda line: None)
    return base / "model"


def test_a_shadow_candidate_is_captured_under_its_variant_and_never_answers_the_caller(model_and_rows, candidate_dir, tmp_path):
    model_dir, rows = model_and_rows
    capture_dir = tmp_path / "capture"
    process = subprocess.Popen(
        [sys.executable, STANDIN, "--model-dir", str(model_dir), "--capture-dir", str(capture_dir),
         "--endpoint-name", "churn-local", "--shadow-model-dir", str(candidate_dir),
         "--shadow-files-sha256", files_digest(candidate_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MLENV_MODEL_FILES_SHA256": files_digest(model_dir)},
    )
    line = process.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:"), process.stderr.read()
    url = line.split()[-1]
    try:
        body = "\n".join(rows).encode()
        status, _, answer = request(url + "/invocations", body, headers={"X-Amzn-SageMaker-Inference-Id": "req-0042"})
        assert status == 200
        shadow_files = glob.glob(str(capture_dir / "churn-local" / "Shadow" / "*" / "*" / "*" / "*" / "*.jsonl"))
        [shadow_record] = [json.loads(l) for path in shadow_files for l in open(path)]
        [production_record] = captured(capture_dir)
        assert shadow_record["captureData"]["endpointInput"]["data"] == body.decode()
        assert production_record["captureData"]["endpointOutput"]["data"] == answer.decode()
        # Both carry the caller's InferenceId: labels pushed for it grade the candidate too.
        assert shadow_record["eventMetadata"]["inferenceId"] == "req-0042"
        assert production_record["eventMetadata"]["inferenceId"] == "req-0042"
        # The caller got production's answer, not the candidate's (which differs).
        assert shadow_record["captureData"]["endpointOutput"]["data"] != answer.decode()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_a_shadow_candidate_with_another_digest_is_refused_before_serving(model_and_rows, candidate_dir):
    model_dir, _ = model_and_rows
    process = subprocess.run(
        [sys.executable, STANDIN, "--model-dir", str(model_dir), "--shadow-model-dir", str(candidate_dir),
         "--shadow-files-sha256", "0" * 64],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "MLENV_MODEL_FILES_SHA256": files_digest(model_dir)},
    )
    assert process.returncode == 2
    assert "listening on" not in process.stdout
    assert "cannot load the shadow model" in process.stderr
