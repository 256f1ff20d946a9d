"""A local stand-in for a SageMaker endpoint: the inference contract around a model artifact.

It serves an unpacked ``model.tar.gz`` the way the scikit-learn serving container does with the
platform's packages (``SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code``,
``SAGEMAKER_PROGRAM=inference.py``): it imports ``<model dir>/code/<program>``, calls its
``model_fn(model_dir)`` once and its ``transform_fn(model, body, content_type, accept)`` per
request, behind SageMaker's container HTTP contract:

  GET  /ping          200 when the model is loaded
  POST /invocations   the transform_fn's answer (a 4xx ErrorResponse keeps its status)

With ``--capture-dir`` it records requests and responses as SageMaker data capture does: JSON
lines under ``<capture dir>/<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/``, one record per
invocation (``captureData.endpointInput``/``endpointOutput``, ``eventMetadata``), for the share of
requests ``--sampling-percent`` says.

    python serving_standin.py --model-dir DIR [--port 0] [--capture-dir DIR --endpoint-name NAME]
        [--shadow-model-dir DIR --shadow-files-sha256 HEX [--shadow-sampling-percent P]]

With ``--shadow-model-dir`` it also plays a shadow variant (``--shadow-variant-name``, ``Shadow``):
the candidate artifact is loaded beside the served one (its ``model_fn`` checks the candidate's
digest, ``--shadow-files-sha256``), the share of requests ``--shadow-sampling-percent`` says is
scored by it too, and its answers are captured under the shadow variant's folder; the caller only
ever gets the production model's answer, as SageMaker's shadow variants answer nobody.

prints ``listening on http://127.0.0.1:<port>`` once it serves, and stops on SIGTERM or SIGINT.
The endpoint's and the variant's names become folders of the capture: each must be a name of the
grammar of run-time strings (``constructs/common/run-string-grammar.json``), and the program a file
of ``code/``; anything else exits 2 with one ``error:`` line before the model is loaded.

It listens on 127.0.0.1 and checks no credentials, so it refuses (403) what only a web page sends,
as the emulator does (lib/local/emulator/loopback_guard.py): a request to another host name (DNS
rebinding would let a page read predictions and plant capture records) or with an ``Origin``.
The emulator's Runtime route calls it at 127.0.0.1 without an ``Origin``.
"""

import argparse
import base64
import datetime
import importlib.util
import json
import os
import pathlib
import random
import re
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The emulator's check of who sent a request, from its folder (the stand-in runs from the project).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emulator"))
from loopback_guard import refusal  # noqa: E402

ENCODINGS = {"text/csv": "CSV", "application/json": "JSON"}
GRAMMAR_FILE = ("constructs", "common", "run-string-grammar.json")


def run_string_grammar():
    """The grammar of run-time strings: the project's file (the stand-in runs from the project)."""
    for parent in pathlib.Path(__file__).resolve().parents:
        path = parent.joinpath(*GRAMMAR_FILE)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise ValueError("no grammar of run-time strings (%s) above %s" % ("/".join(GRAMMAR_FILE), __file__))


def check_name(grammar, field, value):
    """``value`` if it is a name of the grammar (length, characters, then the pattern); else ValueError."""
    rule = grammar["name"]
    if not (
        isinstance(value, str)
        and 1 <= len(value) <= rule["maxLength"]
        and not re.search("[^%s]" % rule["characters"], value)
        and re.fullmatch(rule["pattern"], value)
    ):
        raise ValueError("%s %s is not valid: it must be %s" % (field, json.dumps(value[:60]), rule["rule"]))
    return value


def check_arguments(args):
    """Refuses names that become capture folders out of the grammar, and a program outside ``code/``."""
    grammar = run_string_grammar()
    check_name(grammar, "--endpoint-name", args.endpoint_name)
    check_name(grammar, "--variant-name", args.variant_name)
    check_name(grammar, "--shadow-variant-name", args.shadow_variant_name)
    if args.shadow_model_dir and not re.fullmatch("[0-9a-f]{64}", args.shadow_files_sha256 or ""):
        raise ValueError("--shadow-files-sha256 must be the candidate's artifactFilesSha256 (64 hex digits)")
    if not args.program or os.path.basename(args.program) != args.program or args.program.startswith("."):
        raise ValueError("--program %s is not valid: it must be the name of a file of code/" % json.dumps(args.program))


def load_program(model_dir, program="inference.py", module_name="serving_program"):
    """The serving module of the artifact (its ``code/`` directory first on the import path)."""
    code_dir = os.path.join(model_dir, "code")
    path = os.path.join(code_dir, program)
    if not os.path.isfile(path):
        raise FileNotFoundError("%s has no %s: not a model artifact of this platform" % (model_dir, os.path.join("code", program)))
    sys.path.insert(0, code_dir)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def capture_record(request_body, content_type, response_body, response_type, now=None, inference_id=None):
    """One SageMaker data-capture record (a line of the ``.jsonl`` capture files); the caller's
    InferenceId (``X-Amzn-SageMaker-Inference-Id``), when given, is ``eventMetadata.inferenceId``,
    on which Model Monitor joins ground truth."""
    now = now or datetime.datetime.now(datetime.timezone.utc)

    def side(data, media, mode):
        media = (media or "").split(";")[0].strip().lower()
        encoding = ENCODINGS.get(media)
        if encoding is None:
            return {"observedContentType": media, "mode": mode, "data": base64.b64encode(data).decode(), "encoding": "BASE64"}
        return {"observedContentType": media, "mode": mode, "data": data.decode("utf-8"), "encoding": encoding}

    metadata = {
        "eventId": str(uuid.uuid4()),
        "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000),
    }
    if inference_id:
        metadata["inferenceId"] = inference_id
    return {
        "captureData": {
            "endpointInput": side(request_body, content_type, "INPUT"),
            "endpointOutput": side(response_body, response_type, "OUTPUT"),
        },
        "eventMetadata": metadata,
        "eventVersion": "0",
    }


class Capture(object):
    """Appends capture records to hourly files, as SageMaker lays them out."""

    def __init__(self, directory, endpoint, variant, sampling_percent):
        self.directory = directory
        self.endpoint = endpoint
        self.variant = variant
        self.sampling_percent = sampling_percent
        self.lock = threading.Lock()
        self.file_id = uuid.uuid4().hex[:8]

    def record(self, record, now=None):
        if random.uniform(0, 100) >= self.sampling_percent:
            return
        now = now or datetime.datetime.now(datetime.timezone.utc)
        folder = os.path.join(self.directory, self.endpoint, self.variant, now.strftime("%Y/%m/%d/%H"))
        with self.lock:
            os.makedirs(folder, exist_ok=True)
            name = "%s-%s.jsonl" % (now.strftime("%M-%S-%f")[:6], self.file_id)
            with open(os.path.join(folder, name), "a") as out:
                out.write(json.dumps(record) + "\n")


class Shadow(object):
    """A shadow variant: the candidate's program and model, the share of requests it scores, its capture."""

    def __init__(self, program, model, sampling_percent, capture):
        self.program, self.model, self.sampling_percent, self.capture = program, model, sampling_percent, capture

    def score(self, body, content_type, accept, inference_id=None):
        """Scores a copy of the request; its answer goes to the shadow's capture only (with the
        caller's InferenceId, so its quality can be joined with the same labels), its errors nowhere."""
        if random.uniform(0, 100) >= self.sampling_percent:
            return
        try:
            answer = self.program.transform_fn(self.model, body, content_type, accept)
        except Exception:  # a failing candidate never affects the caller
            return
        if isinstance(answer, tuple) and self.capture:
            data = answer[0] if isinstance(answer[0], bytes) else str(answer[0]).encode("utf-8")
            self.capture.record(capture_record(body, content_type, data, answer[1], inference_id=inference_id))


def load_shadow(args):
    """The candidate's model, loaded with its own digest as the check's expected value."""
    program = load_program(args.shadow_model_dir, args.program, module_name="shadow_serving_program")
    served_digest = os.environ.get("MLENV_MODEL_FILES_SHA256")
    os.environ["MLENV_MODEL_FILES_SHA256"] = args.shadow_files_sha256
    try:
        model = program.model_fn(args.shadow_model_dir)
    finally:
        if served_digest is None:
            os.environ.pop("MLENV_MODEL_FILES_SHA256", None)
        else:
            os.environ["MLENV_MODEL_FILES_SHA256"] = served_digest
    capture = (
        Capture(args.capture_dir, args.endpoint_name, args.shadow_variant_name, args.sampling_percent)
        if args.capture_dir
        else None
    )
    return Shadow(program, model, args.shadow_sampling_percent, capture)


def make_handler(program, model, capture, shadow=None):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet: the CLI prints what matters
            pass

        def _send(self, status, body, content_type):
            data = body if isinstance(body, bytes) else str(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refused(self):
            """Answers 403 and says True when only a web page could have sent the request."""
            environ = {"REQUEST_METHOD": self.command, "PATH_INFO": self.path.split("?", 1)[0]}
            environ["HTTP_HOST"] = self.headers.get("Host", "")
            if self.headers.get("Origin") is not None:
                environ["HTTP_ORIGIN"] = self.headers["Origin"]
            reason = refusal(environ, "the serving stand-in")
            if reason is not None:
                self._send(403, json.dumps({"error": reason}), "application/json")
            return reason is not None

        def do_GET(self):
            if self._refused():
                return
            if self.path == "/ping":
                self._send(200, b"", "text/plain")
            else:
                self._send(404, json.dumps({"error": "no route %s" % self.path}), "application/json")

        def do_POST(self):
            if self._refused():
                return
            if self.path != "/invocations":
                self._send(404, json.dumps({"error": "no route %s" % self.path}), "application/json")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            content_type = self.headers.get("Content-Type", "")
            accept = self.headers.get("Accept", "")
            try:
                answer = program.transform_fn(model, body, content_type, accept)
            except Exception as error:  # the container answers 500 for any other error
                self._send(500, json.dumps({"error": str(error)}), "application/json")
                return
            if isinstance(answer, tuple):
                data = answer[0] if isinstance(answer[0], bytes) else str(answer[0]).encode("utf-8")
                inference_id = self.headers.get("X-Amzn-SageMaker-Inference-Id")
                if capture:  # before answering, so a caller that got its answer finds it captured
                    capture.record(capture_record(body, content_type, data, answer[1], inference_id=inference_id))
                if shadow:  # a copy of the request; the caller gets the production answer only
                    shadow.score(body, content_type, accept, inference_id)
                self._send(200, data, answer[1])
            else:  # an ErrorResponse: a bad request keeps its 4xx status and is not captured
                self._send(int(answer.status), answer.body, answer.content_type)

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--program", default="inference.py")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--capture-dir")
    parser.add_argument("--endpoint-name", default="local-endpoint")
    parser.add_argument("--variant-name", default="AllTraffic")
    parser.add_argument("--sampling-percent", type=float, default=100.0)
    parser.add_argument("--shadow-model-dir")
    parser.add_argument("--shadow-files-sha256")
    parser.add_argument("--shadow-variant-name", default="Shadow")
    parser.add_argument("--shadow-sampling-percent", type=float, default=100.0)
    args = parser.parse_args(argv)
    try:
        check_arguments(args)
    except ValueError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    try:
        program = load_program(args.model_dir, args.program)
        model = program.model_fn(args.model_dir)
    except Exception as error:
        print("error: cannot load the model: %s" % error, file=sys.stderr)
        return 2
    capture = (
        Capture(args.capture_dir, args.endpoint_name, args.variant_name, args.sampling_percent)
        if args.capture_dir
        else None
    )
    try:
        shadow = load_shadow(args) if args.shadow_model_dir else None
    except Exception as error:
        print("error: cannot load the shadow model: %s" % error, file=sys.stderr)
        return 2
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(program, model, capture, shadow))

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
