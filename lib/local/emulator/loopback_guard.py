"""Refuses what only a web page could send the emulator, before any route sees it.

The emulator listens on 127.0.0.1 with no credentials to check, and its routes write records and
reach the served models. Two requests a browser tab can make get there: one addressed to another
host name that the page's DNS resolves to 127.0.0.1 (DNS rebinding, which makes the page
same-origin with the emulator), and a cross-site request, which browsers mark with an ``Origin``
header. The SDKs, the CDK CLI and the local tools address ``127.0.0.1`` or ``localhost`` (S3's
virtual-hosted style puts a bucket before it) and send no ``Origin``; anything else is a 403.

A page needs neither to reach moto's own API (``/moto-api/...``: reset, seed, record and replay
requests, change the answers of services), which takes any method: an ``<img>`` GET to
127.0.0.1 carries the right host and no ``Origin``. The CLI asks only ``GET /moto-api/`` (whether
the emulator answers, lib/local/emulator.ts); every other request moto would route to its API is
refused. The serving stand-in (lib/local/python/serving_standin.py) applies the same check.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

LOOPBACK_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.)?(?:localhost|127\.0\.0\.1)(?::\d{1,5})?", re.I)


# moto routes to its own API every path that starts so (moto_server/werkzeug_app.py), and /favicon.ico.
MOTO_API_PREFIX = "/moto-api"
MOTO_API_ALLOWED = {("GET", "/moto-api/")}  # the CLI's "does the emulator answer" (lib/local/emulator.ts)


def refusal(environ: dict[str, Any], server: str = "the emulator") -> str | None:
    """Why the request is refused, or None when a local client sent it."""
    host = environ.get("HTTP_HOST", "")
    if not LOOPBACK_HOST.fullmatch(host):
        return f"{server} answers requests to 127.0.0.1 or localhost only, not to host {host!r}"
    if "HTTP_ORIGIN" in environ:
        return f"{server} answers no request from a web page (it has an Origin header)"
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    if path.startswith(MOTO_API_PREFIX) and (method, path) not in MOTO_API_ALLOWED:
        return f"{server} answers only GET /moto-api/ of moto's own API, not {method} {path!r}"
    return None


class LoopbackGuard:
    """The WSGI application in front of all others: a 403 for what ``refusal`` names."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        reason = refusal(environ)
        if reason is None:
            return self.app(environ, start_response)
        body = json.dumps({"__type": "AccessDeniedException", "Message": reason}).encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException"),
             ("Content-Length", str(len(body)))],
        )
        return [body]
