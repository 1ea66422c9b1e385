"""Tests for taskloom.hooks.http: HttpHook against real HTTP(S) servers on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from requests.auth import HTTPBasicAuth
from urllib3.util.retry import Retry
from werkzeug import Request
from werkzeug import Response

from taskloom import providers_manager
from taskloom.exceptions import HttpError
from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.http import HttpHook
from taskloom.providers_manager import ProviderInfo
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom_testing.servers import free_port
from taskloom_testing.servers import require_binary


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Serve pytest-httpserver on 127.0.0.1 (not 'localhost', which may resolve to ::1)."""
    return "127.0.0.1", free_port()


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


def _set_conn(
    monkeypatch: pytest.MonkeyPatch,
    server: HTTPServer,
    conn_id: str = "http_default",
    **fields: object,
) -> None:
    data = {"conn_type": "http", "host": server.host, "port": server.port, **fields}
    monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(data))


NO_BACKOFF = {"backoff_factor": 0}


def test_get_with_params_auth_and_headers(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET sends data as query parameters, basic auth from login/password, and the extra headers."""
    _set_conn(
        monkeypatch,
        httpserver,
        login="user",
        password="http-secret-pw",
        extra={"headers": {"X-Team": "data"}, "X-Legacy": "yes"},
    )
    credentials = base64.b64encode(b"user:http-secret-pw").decode()
    httpserver.expect_request(
        "/api/items",
        method="GET",
        query_string="page=2",
        headers={
            "Authorization": f"Basic {credentials}",
            "X-Team": "data",
            "X-Legacy": "yes",
            "X-Call": "1",
        },
    ).respond_with_json({"items": [1, 2]})
    response = HttpHook(method="GET").run("api/items", data={"page": 2}, headers={"X-Call": "1"})
    assert response.json() == {"items": [1, 2]}


def test_post_form_and_json(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """POST (the default method) sends a dict as a form, or JSON through json=."""
    _set_conn(monkeypatch, httpserver)
    httpserver.expect_request("/form", method="POST", data="a=1&b=x").respond_with_data("form ok")
    httpserver.expect_request("/json", method="POST", json={"a": [1, 2]}).respond_with_data(
        "json ok"
    )
    hook = HttpHook()
    assert hook.run("/form", data={"a": 1, "b": "x"}).text == "form ok"
    assert hook.run("/json", json={"a": [1, 2]}).text == "json ok"


def test_retries_5xx_and_429_with_backoff(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GET answered 503 then 429 (Retry-After: 0) is retried until it succeeds."""
    _set_conn(monkeypatch, httpserver, extra={"retry": NO_BACKOFF})
    httpserver.expect_ordered_request("/flaky").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request("/flaky").respond_with_data("up")
    assert HttpHook(method="GET").run("/flaky").text == "up"
    assert len(httpserver.log) == 3


def test_retries_exhausted_raise_http_error(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the last retry, check_response raises HttpError with the status and the start of the body."""
    _set_conn(monkeypatch, httpserver, extra={"retry": {"total": 2, "backoff_factor": 0}})
    httpserver.expect_request("/down").respond_with_data("maintenance " + "x" * 2000, status=502)
    with pytest.raises(
        HttpError,
        match=r"GET http://127\.0\.0\.1:\d+/down returned HTTP 502 BAD GATEWAY: maintenance x",
    ) as info:
        HttpHook(method="GET").run("/down")
    assert info.value.status_code == 502
    assert len(info.value.body) == 500
    assert len(httpserver.log) == 3


def test_post_is_not_retried_by_default(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A POST is sent once (not idempotent) unless allowed_methods says otherwise."""
    _set_conn(monkeypatch, httpserver, extra={"retry": NO_BACKOFF})
    httpserver.expect_request("/create", method="POST").respond_with_data("oops", status=500)
    with pytest.raises(HttpError, match="HTTP 500"):
        HttpHook().run("/create")
    assert len(httpserver.log) == 1
    httpserver.clear_log()
    hook = HttpHook(
        retry=Retry(
            total=2,
            backoff_factor=0,
            status_forcelist=[500],
            allowed_methods=None,
            raise_on_status=False,
        )
    )
    with pytest.raises(HttpError):
        hook.run("/create")
    assert len(httpserver.log) == 3


def test_error_body_is_masked(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A response body that echoes the password is masked in the HttpError."""
    _set_conn(
        monkeypatch,
        httpserver,
        login="u",
        password="echoed-password",
        extra={"retry": {"total": 0}},
    )
    httpserver.expect_request("/login").respond_with_data(
        "bad credentials: echoed-password", status=401
    )
    with pytest.raises(HttpError) as info:
        HttpHook(method="GET").run("/login")
    assert "echoed-password" not in str(info.value)
    assert "bad credentials: ***" in str(info.value)


def test_check_response_can_be_disabled(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """extra_options check_response=False returns error responses instead of raising."""
    _set_conn(monkeypatch, httpserver)
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    response = HttpHook(method="GET").run("/missing", extra_options={"check_response": False})
    assert response.status_code == 404
    with pytest.raises(ValueError, match="unknown extra_options bogus"):
        HttpHook(method="GET").run("/missing", extra_options={"bogus": 1})


def test_streaming_response(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """stream=True returns before the body is read; chunks arrive as the server sends them."""
    _set_conn(monkeypatch, httpserver)

    def chunks(request: Request) -> Response:
        def generate() -> Iterator[bytes]:
            for i in range(3):
                yield f"chunk{i}\n".encode()

        return Response(generate(), mimetype="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(chunks)
    response = HttpHook(method="GET").run("/stream", extra_options={"stream": True})
    assert not response._content_consumed  # type: ignore[attr-defined]
    assert list(response.iter_lines()) == [b"chunk0", b"chunk1", b"chunk2"]


def test_timeout(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server slower than the connection's timeout raises a requests timeout."""
    _set_conn(monkeypatch, httpserver, extra={"timeout": 0.2, "retry": {"total": 0}})

    def slow(request: Request) -> Response:
        time.sleep(1)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    # With retries off, urllib3 wraps the read timeout in MaxRetryError, which requests reports as ConnectionError.
    with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
        HttpHook(method="GET").run("/slow")
    assert HttpHook(method="GET", timeout=5).run("/slow").text == "late"


def test_auth_types(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """auth_type bearer sends the password as a token; a dotted path or a class builds an AuthBase from login/password."""
    _set_conn(monkeypatch, httpserver, password="bearer-token-value", extra={"auth_type": "bearer"})
    httpserver.expect_request(
        "/b", headers={"Authorization": "Bearer bearer-token-value"}
    ).respond_with_data("ok")
    assert HttpHook(method="GET").run("/b").text == "ok"
    _set_conn(
        monkeypatch,
        httpserver,
        conn_id="custom",
        login="ignored",
        password="tok-from-class",
        extra={"auth_type": "requests.auth.HTTPProxyAuth"},
    )
    monkeypatch.setenv("TASKLOOM__HTTP__ALLOWED_AUTH_TYPES", "requests.auth.HTTPProxyAuth")
    proxy = base64.b64encode(b"ignored:tok-from-class").decode()
    httpserver.expect_request(
        "/p", headers={"Proxy-Authorization": f"Basic {proxy}"}
    ).respond_with_data("ok")
    assert HttpHook(method="GET", http_conn_id="custom").run("/p").text == "ok"
    httpserver.expect_request("/c", headers={"Authorization": f"Basic {proxy}"}).respond_with_data(
        "ok"
    )
    assert (
        HttpHook(method="GET", http_conn_id="custom", auth_type=HTTPBasicAuth).run("/c").text
        == "ok"
    )


def test_invalid_extras(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Malformed headers, auth_type and retry extras are clear connection errors."""
    for extra, expected in [
        ({"headers": ["x"]}, "extra 'headers' must be an object"),
        ({"auth_type": "no.such.Auth"}, "extra 'auth_type' 'no.such.Auth' is not 'basic'"),
        ({"auth_type": "os.path.join"}, "is not a requests.auth.AuthBase subclass"),
        ({"retry": {"bogus": 1}}, "extra 'retry' has an option urllib3's Retry does not take"),
        ({"retry": 3}, "extra 'retry' must be an object"),
    ]:
        _set_conn(monkeypatch, httpserver, login="u", password="pw-not-shown", extra=extra)
        monkeypatch.setenv("TASKLOOM__HTTP__ALLOWED_AUTH_TYPES", "no.such.Auth, os.path.join")
        with pytest.raises(InvalidConnectionError, match=expected) as info:
            HttpHook().get_conn()
        assert "pw-not-shown" not in str(info.value)


def test_base_url_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scheme from conn_type https or schema http(s); other schemas are a base path; a URL host wins."""
    cases = {
        "http://h:8080": "http://h:8080",
        "https://h": "https://h",
        json.dumps({"conn_type": "http", "host": "h", "schema": "https"}): "https://h",
        json.dumps({"conn_type": "http", "host": "h", "schema": "api/v2"}): "http://h/api/v2",
        json.dumps(
            {"conn_type": "http", "host": "https://api.example.com/v1/"}
        ): "https://api.example.com/v1",
    }
    for value, expected in cases.items():
        monkeypatch.setenv("TASKLOOM_CONN_U", value)
        hook = HttpHook(http_conn_id="u")
        hook.get_conn()
        assert hook.base_url == expected
    assert hook.url_from_endpoint("/items") == "https://api.example.com/v1/items"
    assert hook.url_from_endpoint("http://other/x") == "http://other/x"
    assert hook.url_from_endpoint(None) == "https://api.example.com/v1"


def test_run_with_advanced_retry(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """run_with_advanced_retry retries a failing call (even a POST) on the caller's schedule."""
    _set_conn(monkeypatch, httpserver)
    httpserver.expect_ordered_request("/job", method="POST").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/job", method="POST").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/job", method="POST").respond_with_data("done")
    hook = HttpHook(retry=0)
    response = hook.run_with_advanced_retry({"stop_after_attempt": 3, "wait": 0}, "/job", data="x")
    assert response.text == "done"
    httpserver.expect_request("/bad", method="POST").respond_with_data("no", status=400)
    with pytest.raises(HttpError, match="HTTP 400"):
        hook.run_with_advanced_retry({"stop_after_attempt": 5, "wait": 0}, "/bad")
    assert (
        sum(1 for request, _ in httpserver.log if request.path == "/bad") == 1
    )  # 4xx is not retried
    with pytest.raises(ValueError, match="unknown _retry_args stop"):
        hook.run_with_advanced_retry({"stop": 3}, "/job")


def test_test_connection(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """test_connection sends a request to the base URL and reports the status or the error."""
    _set_conn(monkeypatch, httpserver)
    httpserver.expect_request("/", method="GET").respond_with_data("hello")
    ok, message = HttpHook(method="GET").test_connection()
    assert ok
    assert "answered HTTP 200" in message
    monkeypatch.setenv(
        "TASKLOOM_CONN_DEAD",
        f"http://127.0.0.1:{free_port()}?__extra__=%7B%22retry%22%3A%7B%22total%22%3A0%7D%7D",
    )
    ok, message = HttpHook(method="GET", http_conn_id="dead").test_connection()
    assert not ok
    assert message.startswith("ConnectionError")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HTTPServer, Path]]:
    """An HTTPS server on 127.0.0.1 with a throw-away self-signed certificate; yields it and the cert path."""
    openssl = require_binary("openssl", debian_package="openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=free_port(), ssl_context=context)
    server.start()
    yield server, cert
    server.clear()
    server.stop()


def test_tls_verify_options(
    tls_server: tuple[HTTPServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An untrusted certificate fails; verify=<CA bundle> or verify=false in the extra succeed."""
    server, cert = tls_server
    server.expect_request("/secure").respond_with_data("tls ok")
    base = {"conn_type": "https", "host": "127.0.0.1", "port": server.port}
    monkeypatch.setenv("TASKLOOM_CONN_TLS", json.dumps({**base, "extra": {"retry": {"total": 0}}}))
    with pytest.raises(requests.exceptions.SSLError):
        HttpHook(method="GET", http_conn_id="tls").run("/secure")
    monkeypatch.setenv("TASKLOOM_CONN_TLS", json.dumps({**base, "extra": {"verify": str(cert)}}))
    assert HttpHook(method="GET", http_conn_id="tls").run("/secure").text == "tls ok"
    monkeypatch.setenv("TASKLOOM_CONN_TLS", json.dumps({**base, "extra": {"verify": False}}))
    with pytest.warns(Warning, match="Unverified HTTPS request"):
        assert HttpHook(method="GET", http_conn_id="tls").run("/secure").text == "tls ok"


def test_http_error_pickles() -> None:
    """HttpError keeps its status and body through pickling."""
    import pickle

    error = pickle.loads(
        pickle.dumps(HttpError("GET / returned HTTP 503", status_code=503, body="down"))
    )
    assert (str(error), error.status_code, error.body) == ("GET / returned HTTP 503", 503, "down")


def test_tcp_keep_alive_sockets(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """With tcp_keep_alive (the default) the request's socket has SO_KEEPALIVE set; without, it has not."""
    _set_conn(monkeypatch, httpserver)
    seen: list[int] = []

    def chunked(request: Request) -> Response:
        # A streamed body keeps the connection checked out while the test inspects it.
        return Response(iter([b"a", b"b"]), mimetype="text/plain")

    httpserver.expect_request("/ka").respond_with_handler(chunked)
    for keep_alive in (True, False):
        hook = HttpHook(method="GET", tcp_keep_alive=keep_alive)
        response = hook.run("/ka", extra_options={"stream": True})
        # The socket of the open response (urllib3 keeps it on the http.client response).
        with socket.fromfd(response.raw._fp.fileno(), socket.AF_INET, socket.SOCK_STREAM) as sock:
            seen.append(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
        assert response.text == "ab"
    assert [bool(value) for value in seen] == [True, False]


_AUTH_MODULE = """
import pathlib
from requests.auth import AuthBase

pathlib.Path(__file__).with_name("imported").write_text("yes")


class TokenAuth(AuthBase):
    def __init__(self, login, password):
        self.token = password

    def __call__(self, request):
        request.headers["X-Token"] = self.token
        return request
"""


@pytest.fixture
def auth_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable module ``tl_token_auth`` that leaves a file ``imported`` when it is imported."""
    (tmp_path / "tl_token_auth.py").write_text(_AUTH_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path / "imported"
    sys.modules.pop("tl_token_auth", None)


def test_auth_type_path_not_allowed_is_refused_unimported(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, auth_module: Path
) -> None:
    """A connection cannot make the worker import a module: the path must be allowed first."""
    _set_conn(
        monkeypatch, httpserver, password="t-1", extra={"auth_type": "tl_token_auth.TokenAuth"}
    )
    with pytest.raises(InvalidConnectionError) as info:
        HttpHook(method="GET").get_conn()
    message = str(info.value)
    assert "'tl_token_auth.TokenAuth'" in message
    assert "[http] allowed_auth_types" in message
    assert "TASKLOOM__HTTP__ALLOWED_AUTH_TYPES" in message
    assert "t-1" not in message
    assert not auth_module.exists()
    assert "tl_token_auth" not in sys.modules

    monkeypatch.setenv("TASKLOOM__HTTP__ALLOWED_AUTH_TYPES", "other.Auth,tl_token_auth.TokenAuth")
    httpserver.expect_request("/t", headers={"X-Token": "t-1"}).respond_with_data("ok")
    assert HttpHook(method="GET").run("/t").text == "ok"
    assert auth_module.exists()


def test_auth_type_declared_by_a_provider_is_allowed(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, auth_module: Path
) -> None:
    declaring = ProviderInfo(
        id="tokens", name="Tokens", description="d", http_auth_types=("tl_token_auth.TokenAuth",)
    )
    monkeypatch.setattr(
        providers_manager,
        "_registry",
        providers_manager.ProviderRegistry.for_testing(
            providers_manager.builtin_provider(), declaring
        ),
    )
    _set_conn(
        monkeypatch, httpserver, password="t-2", extra={"auth_type": "tl_token_auth.TokenAuth"}
    )
    httpserver.expect_request("/t", headers={"X-Token": "t-2"}).respond_with_data("ok")
    assert HttpHook(method="GET").run("/t").text == "ok"
