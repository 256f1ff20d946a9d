"""The emulator's guard (lib/local/emulator/loopback_guard.py) in front of moto's own API.

moto routes every path that starts with ``/moto-api`` to its API, whatever the method: reset,
seed, record and replay requests, change the answers of services. A web page reaches it without
an ``Origin`` and with the right host: ``<img src="http://127.0.0.1:PORT/moto-api/reset">`` is a
GET to 127.0.0.1. The CLI asks ``GET /moto-api/`` only (whether the emulator answers).
"""

import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "emulator"))

from loopback_guard import LoopbackGuard  # noqa: E402

PORT = "48213"


def answer(method, path, host="127.0.0.1:" + PORT):
    """(status, body, whether the app behind the guard saw the request)."""
    seen = []

    def app(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"moto"]

    statuses = []
    body = b"".join(LoopbackGuard(app)(
        {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": host},
        lambda status, headers: statuses.append(status),
    ))
    return statuses[0], body, bool(seen)


@pytest.mark.parametrize("method, path", [
    ("GET", "/moto-api/recorder/start-recording"),  # what an <img> sends
    ("GET", "/moto-api/recorder/replay-recording"),
    ("POST", "/moto-api/recorder/upload-recording"),
    ("GET", "/moto-api/reset"),
    ("POST", "/moto-api/reset"),
    ("POST", "/moto-api/seed"),
    ("POST", "/moto-api/state-manager/set-transition"),
    ("POST", "/moto-api/static/sagemaker/endpoint-results"),
    ("GET", "/moto-api/data.json"),
    ("POST", "/moto-api/"),
    ("GET", "/moto-api"),
])
def test_moto_api_requests_a_page_can_send_from_loopback_are_refused(method, path):
    status, body, reached = answer(method, path)
    assert status.startswith("403")
    assert json.loads(body)["__type"] == "AccessDeniedException"
    assert not reached


@pytest.mark.parametrize("host", ["127.0.0.1:" + PORT, "localhost:" + PORT])
def test_the_clis_liveness_check_is_answered(host):
    status, _, reached = answer("GET", "/moto-api/", host)
    assert status.startswith("200") and reached


@pytest.mark.parametrize("method, path", [("GET", "/"), ("POST", "/"), ("POST", "/endpoints/any/invocations")])
def test_aws_calls_from_loopback_still_reach_the_emulator(method, path):
    assert answer(method, path)[2]
