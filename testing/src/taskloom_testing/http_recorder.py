"""A real HTTP server on 127.0.0.1 that records every request and answers canned responses.

The ``http_recorder`` fixture starts a fresh :class:`HttpRecorder` (stdlib
:class:`http.server.ThreadingHTTPServer` in a thread) for each test and stops it afterwards.
Every request is kept as a :class:`RecordedRequest` (method, path, query, headers, raw body,
and the body decoded as JSON or as a form), so a test checks the exact payload a client sent.

Responses are queued with :meth:`HttpRecorder.respond` (first queued, first served; a
response can be limited to one path). With nothing queued the server answers the way Slack
does on success: ``ok`` as text for a webhook, ``{"ok": true}`` as JSON under ``/api/``.
:meth:`HttpRecorder.respond_slack_error` and :meth:`HttpRecorder.respond_rate_limited` queue
the usual failures (``404 no_service``, ``429`` with ``Retry-After``).

The requests live in this process, so the server always runs here:
``TASKLOOM_TEST_HTTP_HOST`` / ``TASKLOOM_TEST_HTTP_PORT`` choose the address it binds.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from taskloom_testing.servers import free_port
from taskloom_testing.servers import wait_for_port


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    #: The path without the query string.
    path: str
    #: The query string, parsed (every value is a list).
    query: dict[str, list[str]]
    #: Header names as sent (look-ups are case-sensitive: use :meth:`header`).
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def json(self) -> Any:
        """The body decoded as JSON (fails the test when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            pytest.fail(
                f"{self.method} {self.path} sent a body that is not JSON: {self.body[:200]!r}"
            )

    @property
    def form(self) -> dict[str, list[str]]:
        """The body decoded as ``application/x-www-form-urlencoded``."""
        return parse_qs(self.body.decode(), keep_blank_values=True)


@dataclass
class CannedResponse:
    """A response the server gives once, to the next request (on ``path``, when set)."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    path: str | None = None


@dataclass
class HttpRecorder:
    """A running recording server."""

    host: str
    port: int
    requests: list[RecordedRequest] = field(default_factory=list)
    responses: list[CannedResponse] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        """``http://host:port``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def respond(
        self,
        status: int = 200,
        *,
        json_body: Any = None,
        text: str = "",
        headers: dict[str, str] | None = None,
        path: str | None = None,
    ) -> None:
        """Queue a response: ``json_body`` (sent as JSON) or ``text`` (sent as text/plain)."""
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json; charset=utf-8"
        else:
            body, content_type = text.encode(), "text/plain; charset=utf-8"
        with self._lock:
            self.responses.append(CannedResponse(status, body, content_type, headers or {}, path))

    def respond_slack_error(self, status: int, error: str, *, path: str | None = None) -> None:
        """Queue a Slack failure: a webhook's text error, or ``{"ok": false, "error": ...}`` under ``/api/``."""
        if path is not None and path.startswith("/api/"):
            self.respond(status, json_body={"ok": False, "error": error}, path=path)
        else:
            self.respond(status, text=error, path=path)

    def respond_rate_limited(self, retry_after: int = 1, *, path: str | None = None) -> None:
        """Queue Slack's rate limit answer: ``429`` with ``Retry-After`` seconds."""
        headers = {"Retry-After": str(retry_after)}
        if path is not None and path.startswith("/api/"):
            self.respond(
                429, json_body={"ok": False, "error": "ratelimited"}, headers=headers, path=path
            )
        else:
            self.respond(429, text="rate_limited", headers=headers, path=path)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Return the recorded requests once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        pytest.fail(f"the HTTP recorder received {len(self.requests)} requests, expected {count}")

    def _answer(self, request: RecordedRequest) -> CannedResponse:
        with self._lock:
            self.requests.append(request)
            for index, canned in enumerate(self.responses):
                if canned.path is None or canned.path == request.path:
                    return self.responses.pop(index)
        if request.path.startswith("/api/"):
            return CannedResponse(200, b'{"ok": true}', "application/json; charset=utf-8", {})
        return CannedResponse(200, b"ok", "text/plain; charset=utf-8", {})


def _handler_for(recorder: HttpRecorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            canned = recorder._answer(
                RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers=dict(self.headers.items()),
                    body=body,
                )
            )
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(canned.body)))
            for name, value in canned.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(canned.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet: the recorder's list is the log."""

    return Handler


@pytest.fixture
def http_recorder() -> Iterator[HttpRecorder]:
    """A fresh recording HTTP server on a free loopback port, for one test."""
    host = os.environ.get("TASKLOOM_TEST_HTTP_HOST", "127.0.0.1")
    port = int(os.environ.get("TASKLOOM_TEST_HTTP_PORT") or free_port())
    recorder = HttpRecorder(host=host, port=port)
    server = ThreadingHTTPServer((host, port), _handler_for(recorder))
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="http-recorder",
        daemon=True,
    )
    thread.start()
    try:
        wait_for_port(port, host=host)
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
