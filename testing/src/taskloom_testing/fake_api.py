"""A fake HTTP API on 127.0.0.1 for tests of HTTP clients: routes, recorded requests, faults.

::

    pytest_plugins = ["taskloom_testing.fake_api"]

    def test_pages(fake_api):
        fake_api.route("/items", lambda req: Reply.json({"data": [...]}))
        fake_api.fault("/items", status=429, headers={"Retry-After": "0"}, at=3)   # 3rd request
        fake_api.fault("/items", cut=True, at=5)          # 5th request: the body stops half-way
        ... fake_api.url ...
        assert fake_api.requests[0].headers["Authorization"] == "Bearer t0ken"

A route handler gets a :class:`Request` and returns a :class:`Reply`.  A fault replaces
the reply of the ``at``-th request to its path (counting every request to that path,
faulted or not); ``cut=True`` sends the headers and half of the real body, then closes
the connection — what a client sees when a server dies mid-response.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

__all__ = ["FakeAPI", "Reply", "Request", "fake_api"]


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    #: Query parameters, each with its list of values.
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """The body as a URL-encoded form."""
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    """What the server answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


@dataclass
class _Fault:
    path: str
    at: int
    status: int | None
    headers: dict[str, str]
    cut: bool
    body: Any


class FakeAPI:
    """The server's routes, faults and the requests it received."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Request], Reply]] = {}
        self.faults: list[_Fault] = []
        self.requests: list[Request] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.url = ""

    def route(self, path: str, handler: Callable[[Request], Reply]) -> None:
        """Answer requests to ``path`` (exact match, query excluded) with ``handler``."""
        self.routes[path] = handler

    def fault(
        self,
        path: str,
        *,
        at: int,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        cut: bool = False,
        body: Any = None,
    ) -> None:
        """Make the ``at``-th request (1-based) to ``path`` fail: with ``status`` (and a JSON
        ``body``, default ``{"message": "injected <status>"}``), or ``cut`` mid-body."""
        self.faults.append(_Fault(path, at, status, dict(headers or {}), cut, body))

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            handler.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            dict(handler.headers.items()),
            body,
        )
        with self.lock:
            self.requests.append(request)
            count = self.counts[parts.path] = self.counts.get(parts.path, 0) + 1
            fault = next((f for f in self.faults if f.path == parts.path and f.at == count), None)
        route = self.routes.get(parts.path)
        reply = route(request) if route else Reply.json({"message": "Not Found"}, 404)
        if fault is not None and fault.status is not None:
            reply = Reply.json({"message": f"injected {fault.status}"}, fault.status, fault.headers)
        handler.send_response(reply.status)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        if fault is not None and fault.cut:
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.end_headers()
        handler.wfile.write(reply.body)


def _handler_class(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            api._handle(self)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start(api: FakeAPI | None = None) -> tuple[FakeAPI, ThreadingHTTPServer]:
    """Start a server for ``api`` (a new one by default) on a free port; stop it with ``shutdown()``."""
    api = api or FakeAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(api))
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api, server


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    """A fresh :class:`FakeAPI` serving on 127.0.0.1 for one test."""
    api, server = start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
