"""``HttpHook``: HTTP(S) calls with requests, configured from a connection.

**Base URL.**  ``host`` may be a full URL (``https://api.example.com/v2``); otherwise the
URL is ``<scheme>://host[:port]``, where the scheme is ``https`` for conn_type
``https``, else the connection's ``schema`` if it is ``http``/``https`` (Airflow's
convention), else ``http``.  Any other ``schema`` is a base path put before every
endpoint.

**Extras** (all optional):

``headers``
    an object of headers sent with every request;
``auth_type``
    ``basic`` (the default when a login is set), ``digest``, ``bearer`` (the password
    is the token) or the dotted path of a ``requests.auth.AuthBase`` class, built with
    ``(login, password)`` and the ``auth_kwargs`` extra.  Whoever can write a connection
    must not make a worker import any module, so a dotted path is imported only if an
    installed provider declares it (``http_auth_types`` in its ``provider.json``) or the
    setting ``[http] allowed_auth_types`` lists it (comma-separated, or a TOML list);
``timeout``
    seconds (a number, or ``[connect, read]``); default 60;
``verify``
    ``false`` to skip TLS verification, or the path of a CA bundle; ``cert``: a client
    certificate path (or ``[cert, key]``); ``proxies``: an object as requests takes it;
``retry``
    keyword arguments of :class:`urllib3.util.Retry` (``total``, ``backoff_factor``,
    ``status_forcelist``, ``allowed_methods``...) that replace the defaults.

Any other extra whose value is a string is sent as a header too, as in Airflow.

**Retries.**  Requests are retried by urllib3 on connection errors and on the statuses
429, 500, 502, 503 and 504, with exponential backoff and ``Retry-After`` honoured: 3
retries by default, for idempotent methods only (GET, HEAD, PUT, DELETE, OPTIONS,
TRACE; a POST is not repeated unless ``allowed_methods`` says so).  After the last
retry, :meth:`HttpHook.check_response` raises :class:`~taskloom.exceptions.HttpError`.
:meth:`HttpHook.run_with_advanced_retry` retries a whole call (including failed
checks) on a schedule the caller gives.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from typing import Any
from typing import ClassVar
from typing import Final
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.auth import HTTPBasicAuth
from requests.auth import HTTPDigestAuth
from urllib3.connection import HTTPConnection
from urllib3.util.retry import Retry

from taskloom.exceptions import HttpError
from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection
from taskloom.utils.module_loading import import_string
from taskloom.utils.secrets_masker import redact

__all__ = [
    "EXTRA_OPTIONS",
    "RETRY_STATUSES",
    "BearerAuth",
    "HttpHook",
    "TCPKeepAliveAdapter",
    "default_retry",
]

#: Statuses retried by default: too many requests, and the server errors that are usually transient.
RETRY_STATUSES: Final = (429, 500, 502, 503, 504)
#: Seconds a request may take when neither the hook nor the connection sets a timeout.
DEFAULT_TIMEOUT: Final = 60.0
#: Characters of a response body quoted in an :class:`HttpError`.
ERROR_BODY_CHARS: Final = 500

#: Extras with a meaning of their own (all others that are strings are headers).
_RESERVED_EXTRAS: Final = frozenset(
    {
        "headers",
        "auth_type",
        "auth_kwargs",
        "timeout",
        "verify",
        "cert",
        "proxies",
        "retry",
        "trust_env",
    }
)
#: The keys ``extra_options`` of :meth:`HttpHook.run` understands.
EXTRA_OPTIONS: Final = frozenset(
    {"stream", "verify", "proxies", "cert", "timeout", "allow_redirects", "check_response"}
)


#: The setting that lists further ``auth_type`` class paths a connection may name.
ALLOWED_AUTH_TYPES_SETTING: Final = "[http] allowed_auth_types (TASKLOOM__HTTP__ALLOWED_AUTH_TYPES)"


def allowed_auth_types() -> frozenset[str]:
    """Dotted ``auth_type`` paths a connection may name: declared by providers, or in the setting."""
    from taskloom import configuration
    from taskloom.providers_manager import get_registry

    listed = configuration.get("http", "allowed_auth_types") or ()
    if isinstance(listed, str):
        listed = listed.split(",")
    return get_registry().http_auth_types() | {
        str(name).strip() for name in listed if str(name).strip()
    }


def _check_auth_type_allowed(auth_type: str, conn_id: str | None) -> None:
    if auth_type not in allowed_auth_types():
        raise InvalidConnectionError(
            f"extra 'auth_type' {auth_type!r} is not 'basic', 'digest', 'bearer' or a class that "
            f"an installed provider declares (http_auth_types in its provider.json); to allow it, "
            f"add it to the setting {ALLOWED_AUTH_TYPES_SETTING}",
            conn_id=conn_id,
        )


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``; ``auth_type: bearer`` builds it from the password."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class TCPKeepAliveAdapter(HTTPAdapter):
    """An adapter whose sockets send TCP keep-alive probes.

    Long requests through NAT gateways and load balancers are dropped silently when the
    connection is idle for minutes (a report that takes 10 minutes to build); keep-alive
    probes keep the connection open, as Airflow's ``tcp_keep_alive`` does.

    :param idle: seconds of silence before the first probe.
    :param interval: seconds between probes.
    :param count: unanswered probes before the connection is dropped.
    """

    def __init__(
        self, *, idle: int = 120, interval: int = 30, count: int = 20, **kwargs: Any
    ) -> None:
        options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
        for name, value in (
            ("TCP_KEEPIDLE", idle),
            ("TCP_KEEPINTVL", interval),
            ("TCP_KEEPCNT", count),
        ):
            if hasattr(socket, name):  # not every platform has every option
                options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
        self.socket_options = [*HTTPConnection.default_socket_options, *options]
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Create the pool manager with the keep-alive socket options."""
        kwargs["socket_options"] = self.socket_options
        super().init_poolmanager(*args, **kwargs)


def default_retry(**overrides: Any) -> Retry:
    """The retry policy of :class:`HttpHook` (see the module docstring), with ``overrides``."""
    options: dict[str, Any] = {
        "total": 3,
        "backoff_factor": 0.5,
        "status_forcelist": RETRY_STATUSES,
        "respect_retry_after_header": True,
        "raise_on_status": False,
    }
    options.update(overrides)
    return Retry(**options)


class HttpHook(BaseHook):
    """Make HTTP requests to the system a connection describes.

    :param method: the HTTP method of :meth:`run` (``POST`` by default, as in Airflow).
    :param http_conn_id: the connection id (default ``http_default``).
    :param auth_type: an ``AuthBase`` class (built with login and password) overriding
        the connection's ``auth_type`` extra.
    :param retry: a :class:`urllib3.util.Retry`, a number of retries, or ``None`` for
        the connection's ``retry`` extra or the default policy; ``0`` disables retries.
    :param timeout: seconds per request, overriding the connection's ``timeout`` extra.
    :param tcp_keep_alive: send TCP keep-alive probes on the session's sockets (see
        :class:`TCPKeepAliveAdapter`), so long requests survive idle-dropping middleboxes.
    """

    conn_name_attr: ClassVar[str] = "http_conn_id"
    default_conn_name: ClassVar[str] = "http_default"
    conn_type: ClassVar[str] = "http"
    hook_name: ClassVar[str] = "HTTP"

    def __init__(
        self,
        method: str = "POST",
        http_conn_id: str = default_conn_name,
        auth_type: type[AuthBase] | None = None,
        retry: Retry | int | None = None,
        timeout: float | tuple[float, float] | None = None,
        tcp_keep_alive: bool = True,
        logger_name: str | None = None,
    ) -> None:
        super().__init__(logger_name=logger_name)
        #: The HTTP method :meth:`run` uses.
        self.method = method.upper()
        #: The connection id.
        self.http_conn_id = http_conn_id
        self.auth_type = auth_type
        self.retry = retry
        self.timeout = timeout
        self.tcp_keep_alive = tcp_keep_alive
        #: The URL endpoints are joined to; set by :meth:`get_conn`.
        self.base_url: str = ""
        self._session: requests.Session | None = None
        self._request_defaults: dict[str, Any] = {}

    # --- session ----------------------------------------------------------------------------

    def get_conn(self, headers: Mapping[str, str] | None = None) -> requests.Session:
        """Build a session from the connection: base URL, auth, headers, TLS, retries.

        :param headers: added to the connection's headers for this session.
        :raises InvalidConnectionError: for a malformed extra (auth type, retry, headers).
        """
        session = requests.Session()
        self.base_url = ""
        self._request_defaults = {"timeout": self.timeout}
        connection = self.get_connection(self.http_conn_id) if self.http_conn_id else None
        extra = connection.extra_dejson if connection else {}
        if connection is not None:
            self.base_url = self._base_url(connection)
            session.auth = self._auth(connection, extra)
            session.headers.update(self._headers(connection, extra))
            for key in ("verify", "cert", "proxies"):
                if key in extra:
                    value = extra[key]
                    setattr(
                        session,
                        key,
                        tuple(value) if key == "cert" and isinstance(value, list) else value,
                    )
            if "trust_env" in extra:
                session.trust_env = bool(extra["trust_env"])
            if self.timeout is None and "timeout" in extra:
                value = extra["timeout"]
                self._request_defaults["timeout"] = (
                    tuple(value) if isinstance(value, list) else float(value)
                )
        if self._request_defaults["timeout"] is None:
            self._request_defaults["timeout"] = DEFAULT_TIMEOUT
        if headers:
            session.headers.update(headers)
        retry = self._retry(connection, extra)
        adapter = (
            TCPKeepAliveAdapter(max_retries=retry)
            if self.tcp_keep_alive
            else HTTPAdapter(max_retries=retry)
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def _base_url(self, connection: Connection) -> str:
        host = connection.host or ""
        if "://" in host:
            return host.rstrip("/")
        if not host:
            return ""
        schema = (connection.schema or "").strip("/")
        if connection.conn_type == "https":
            scheme = "https"
        elif schema in ("http", "https"):
            scheme, schema = schema, ""
        else:
            scheme = "http"
        url = f"{scheme}://{host}"
        if connection.port is not None:
            url += f":{connection.port}"
        if schema and schema not in ("http", "https"):
            url += "/" + quote(schema, safe="/")
        return url

    def _auth(self, connection: Connection, extra: dict[str, Any]) -> AuthBase | None:
        auth_kwargs = extra.get("auth_kwargs") or {}
        if not isinstance(auth_kwargs, dict):
            raise InvalidConnectionError(
                "extra 'auth_kwargs' must be an object", conn_id=connection.conn_id
            )
        auth_type: Any = self.auth_type or extra.get("auth_type")
        login, password = connection.login or "", connection.password or ""
        if auth_type is None:
            return HTTPBasicAuth(login, password) if connection.login else None
        if isinstance(auth_type, str):
            named = {"basic": HTTPBasicAuth, "digest": HTTPDigestAuth}
            if auth_type.lower() == "bearer":
                return BearerAuth(password)
            if auth_type.lower() in named:
                return named[auth_type.lower()](login, password)
            _check_auth_type_allowed(auth_type, connection.conn_id)
            try:
                auth_type = import_string(auth_type)
            except ImportError:
                raise InvalidConnectionError(
                    f"extra 'auth_type' {auth_type!r} is not 'basic', 'digest', 'bearer' or an "
                    "importable dotted path of a requests.auth.AuthBase class",
                    conn_id=connection.conn_id,
                ) from None
        if not (isinstance(auth_type, type) and issubclass(auth_type, AuthBase)):
            raise InvalidConnectionError(
                f"auth_type {auth_type!r} is not a requests.auth.AuthBase subclass",
                conn_id=connection.conn_id,
            )
        if connection.login is not None or connection.password is not None:
            return auth_type(login, password, **auth_kwargs)  # type: ignore[call-arg]
        return auth_type(**auth_kwargs)

    @staticmethod
    def _headers(connection: Connection, extra: dict[str, Any]) -> dict[str, str]:
        headers = extra.get("headers") or {}
        if not isinstance(headers, dict):
            raise InvalidConnectionError(
                'extra \'headers\' must be an object, e.g. {"X-Team": "data"}',
                conn_id=connection.conn_id,
            )
        result = {str(k): str(v) for k, v in headers.items()}
        for key, value in extra.items():
            if key not in _RESERVED_EXTRAS and isinstance(value, str):
                result[key] = value
        return result

    def _retry(self, connection: Connection | None, extra: dict[str, Any]) -> Retry:
        if isinstance(self.retry, Retry):
            return self.retry
        if isinstance(self.retry, int):
            return default_retry(total=self.retry)
        options = extra.get("retry")
        if options is None:
            return default_retry()
        if not isinstance(options, dict):
            raise InvalidConnectionError(
                "extra 'retry' must be an object of urllib3 Retry options, e.g. {\"total\": 5}",
                conn_id=connection.conn_id if connection else None,
            )
        try:
            return default_retry(**options)
        except TypeError as exc:
            raise InvalidConnectionError(
                f"extra 'retry' has an option urllib3's Retry does not take ({exc})",
                conn_id=connection.conn_id if connection else None,
            ) from None

    # --- requests ---------------------------------------------------------------------------

    def url_from_endpoint(self, endpoint: str | None) -> str:
        """Join the base URL and ``endpoint`` with exactly one ``/``; a full URL is used as is."""
        endpoint = endpoint or ""
        if "://" in endpoint.split("?", 1)[0]:
            return endpoint
        if self.base_url and endpoint:
            return self.base_url.rstrip("/") + "/" + endpoint.lstrip("/")
        return self.base_url or endpoint

    def run(
        self,
        endpoint: str | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        extra_options: Mapping[str, Any] | None = None,
        **request_kwargs: Any,
    ) -> requests.Response:
        """Send one request with :attr:`method` and return the response.

        :param endpoint: path joined to the base URL (or a full URL).
        :param data: for GET/HEAD, the query parameters; otherwise the body (a dict is
            form-encoded, a string or bytes is sent as is; pass ``json=`` for JSON).
        :param headers: added to the session's headers for this request.
        :param extra_options: ``stream``, ``verify``, ``proxies``, ``cert``, ``timeout``,
            ``allow_redirects``, ``check_response`` (default true: raise
            :class:`HttpError` on a 4xx/5xx status).
        :param request_kwargs: passed to :class:`requests.Request` (``json``, ``files``, ``params``...).
        :raises HttpError: for a 4xx/5xx status (after retries), unless ``check_response`` is false.
        :raises requests.ConnectionError: when the server cannot be reached after retries.
        """
        options = dict(extra_options or {})
        unknown = set(options) - EXTRA_OPTIONS
        if unknown:
            raise ValueError(
                f"unknown extra_options {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(EXTRA_OPTIONS))}"
            )
        session = self.get_conn(headers)
        self._session = session
        url = self.url_from_endpoint(endpoint)
        if self.method in ("GET", "HEAD"):
            request = requests.Request(self.method, url, params=data, **request_kwargs)
        else:
            request = requests.Request(self.method, url, data=data, **request_kwargs)
        prepped = session.prepare_request(request)
        self.log.info("sending %s %s", self.method, _safe_url(url))
        return self.run_and_check(session, prepped, options)

    def run_and_check(
        self,
        session: requests.Session,
        prepped_request: requests.PreparedRequest,
        extra_options: Mapping[str, Any],
    ) -> requests.Response:
        """Send a prepared request with the session's settings and check the response.

        :raises HttpError: for a 4xx/5xx status, unless ``extra_options["check_response"]`` is false.
        """
        options = dict(extra_options)
        check = options.pop("check_response", True)
        verify = options.pop("verify", None)
        if verify is None and session.verify is not True:
            # requests lets REQUESTS_CA_BUNDLE override a session's own verify (psf/requests#3829):
            # the connection's setting must win, so pass it per request.
            verify = session.verify
        settings = session.merge_environment_settings(
            prepped_request.url,
            options.pop("proxies", {}),
            options.pop("stream", False),
            verify,
            options.pop("cert", None),
        )
        send_kwargs: dict[str, Any] = {
            "timeout": options.pop(
                "timeout", self._request_defaults.get("timeout", DEFAULT_TIMEOUT)
            ),
            "allow_redirects": options.pop("allow_redirects", True),
            **settings,
        }
        response = session.send(prepped_request, **send_kwargs)
        if check:
            self.check_response(response)
        return response

    def check_response(self, response: requests.Response) -> None:
        """Raise :class:`HttpError` for a 4xx/5xx status, with the status and the start of the body.

        The body is read only for the error (streamed responses stay unread on success)
        and is masked with the secrets masker.
        """
        if response.status_code < 400:
            return
        try:
            body = response.text[:ERROR_BODY_CHARS]
        except (requests.RequestException, UnicodeDecodeError):
            body = ""
        body = redact(body)
        method = response.request.method if response.request is not None else self.method
        url = _safe_url(response.url or "")
        message = (
            f"{method} {url} returned HTTP {response.status_code} {response.reason or ''}".rstrip()
        )
        if body:
            message += f": {body}"
        self.log.error("%s", message)
        raise HttpError(message, status_code=response.status_code, body=body)

    def run_with_advanced_retry(
        self, _retry_args: Mapping[str, Any], *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Call :meth:`run` until it succeeds or the attempts are used up.

        Unlike the transport retries, this also retries failed checks (:class:`HttpError`)
        and any error the caller lists.  ``_retry_args`` keys (Airflow's used tenacity
        objects; core stays free of tenacity, so these are plain values):

        ``stop_after_attempt``
            total attempts (default 3);
        ``wait``
            seconds before the first retry (default 1), doubled after each up to ``max_wait``
            (default 60); ``multiplier`` changes the factor (default 2);
        ``retry_on``
            exception types to retry (default: ``HttpError`` with a 429/5xx status and
            ``requests.ConnectionError``/``Timeout``).

        :raises ValueError: for an unknown key.
        :raises: the last error when every attempt failed.
        """
        allowed = {"stop_after_attempt", "wait", "max_wait", "multiplier", "retry_on"}
        unknown = set(_retry_args) - allowed
        if unknown:
            raise ValueError(
                f"unknown _retry_args {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))} "
                "(tenacity objects are not accepted: taskloom core does not depend on tenacity)"
            )
        attempts = int(_retry_args.get("stop_after_attempt", 3))
        wait = float(_retry_args.get("wait", 1.0))
        max_wait = float(_retry_args.get("max_wait", 60.0))
        multiplier = float(_retry_args.get("multiplier", 2.0))
        retry_on: tuple[type[BaseException], ...] | None = _retry_args.get("retry_on")
        for attempt in range(1, attempts + 1):
            try:
                return self.run(*args, **kwargs)
            except Exception as exc:
                if attempt >= attempts or not _should_retry(exc, retry_on):
                    raise
                self.log.warning(
                    "attempt %d of %d failed (%s); retrying in %.1f s",
                    attempt,
                    attempts,
                    type(exc).__name__,
                    wait,
                )
                time.sleep(wait)
                wait = min(wait * multiplier, max_wait)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def test_connection(self) -> tuple[bool, str]:
        """Send a request to the base URL with :attr:`method`; a non-error status means it works."""
        try:
            response = self.run()
        except Exception as exc:  # noqa: BLE001 -- any failure is the answer, reported not raised
            return False, f"{type(exc).__name__}: {redact(str(exc))}"
        return True, f"{self.method} {_safe_url(response.url)} answered HTTP {response.status_code}"


def _should_retry(exc: Exception, retry_on: tuple[type[BaseException], ...] | None) -> bool:
    if retry_on is not None:
        return isinstance(exc, retry_on)
    if isinstance(exc, HttpError):
        return exc.status_code in RETRY_STATUSES
    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def _safe_url(url: str) -> str:
    """The URL without credentials and with secrets masked, for logs and errors."""
    scheme, sep, rest = url.partition("://")
    if sep:
        netloc, slash, path = rest.partition("/")
        netloc = netloc.rpartition("@")[2]
        url = f"{scheme}://{netloc}{slash}{path}"
    return str(redact(url))
