"""``HttpRequester``: build one request from the manifest and the moment, send it, retry it.

Connections that break (refused, reset, closed mid-response) are retried like a 5xx:
the body is read in full before a response counts, so a truncated page is fetched again
and never half-used.  Retries follow the error handler (:mod:`error_handling`), except
under a :class:`ConnectBudget` (``check`` uses one): then a host that cannot be reached at
all (refused, unknown name, connect timeout) fails after a few quick tries instead of the
manifest's long backoff, which is for an API that answers but is busy.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import requests

from taskloom.declarative.auth import Authenticator
from taskloom.declarative.error_handling import Action
from taskloom.declarative.error_handling import ErrorHandler
from taskloom.declarative.errors import ReadError
from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.request_options import RequestParts
from taskloom.utils.secrets_masker import redact

log = logging.getLogger(__name__)

#: Seconds to wait for a server to answer (connect, then between bytes).
TIMEOUT = (30, 300)


@dataclass(frozen=True)
class ConnectBudget:
    """How long to keep trying a host that cannot be reached, whatever the error handler says."""

    #: Connection attempts in all (the first one included).
    attempts: int = 3
    #: Seconds between attempts.
    wait: float = 1.0
    #: Seconds to wait for a connection to open.
    connect_timeout: float = 3.0


#: ``check`` answers "does this connection work?" within seconds (about 10 at worst).
CHECK_BUDGET = ConnectBudget()


def join_url(base: str, path: str | None) -> str:
    """``url_base`` + ``path`` with exactly one slash between them; a full URL path wins."""
    if not path:
        return base
    if path.startswith(("http://", "https://")):
        return path
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


class Requester:
    """One ``HttpRequester`` of the manifest, bound to a session and an authenticator."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        interpolator: Interpolator,
        session: requests.Session,
        authenticator: Authenticator,
        error_handler: ErrorHandler,
        *,
        stream: str,
        sleep: Any = time.sleep,
        connect_budget: ConnectBudget | None = None,
    ) -> None:
        self.spec = spec
        self.interpolator = interpolator
        self.session = session
        self.authenticator = authenticator
        self.error_handler = error_handler
        self.stream = stream
        self.method = spec.get("http_method") or "GET"
        self.sleep = sleep
        self.connect_budget = connect_budget
        #: Requests sent and retries made, for progress logs.
        self.requests_sent = 0
        self.retries = 0

    def url(self, context: Mapping[str, Any]) -> str:
        ev = self.interpolator.eval_str
        if self.spec.get("url"):
            return ev(self.spec["url"], context) or ""
        return join_url(
            ev(self.spec.get("url_base"), context) or "", ev(self.spec.get("path"), context)
        )

    def base_parts(self, context: Mapping[str, Any]) -> RequestParts:
        """The parts the requester itself defines: parameters, headers, body."""
        im = self.interpolator.eval_mapping
        parts = RequestParts()
        parts.params.update(im(self.spec.get("request_parameters"), context))
        parts.headers.update(
            {k: str(v) for k, v in im(self.spec.get("request_headers"), context).items()}
        )
        body = self.spec.get("request_body")
        if body is not None:
            kind = body["type"]
            if kind == "RequestBodyJsonObject":
                parts.json.update(
                    im(body["value"], context) if isinstance(body["value"], (dict, str)) else {}
                )
            elif kind == "RequestBodyUrlEncodedForm":
                parts.data.update(im(body["value"], context))
            else:
                parts.data = self.interpolator.eval(body["value"], context)
        parts.json.update(im(self.spec.get("request_body_json"), context))
        if isinstance(parts.data, dict):
            parts.data.update(im(self.spec.get("request_body_data"), context))
        return parts

    def send(self, parts: RequestParts, context: Mapping[str, Any]) -> requests.Response | None:
        """Send the request, retrying as the error handler says.

        :returns: the successful response, or ``None`` when the handler says IGNORE.
        :raises ReadError: on FAIL, or when the retries are used up.
        """
        url = parts.url or self.url(context)
        # A next-page URL already carries the query: do not send its parameters twice.
        present = (
            {k for k, _ in parse_qsl(urlsplit(parts.url).query, keep_blank_values=True)}
            if parts.url
            else set()
        )
        attempt = 0
        unreachable = 0
        budget = self.connect_budget
        timeout = (budget.connect_timeout, TIMEOUT[1]) if budget else TIMEOUT
        while True:
            self.authenticator.apply(parts, context)
            params = {k: v for k, v in parts.params.items() if k not in present}
            response: requests.Response | None = None
            problem = ""
            try:
                response = self.session.request(
                    self.method,
                    url,
                    params=params or None,
                    headers=parts.headers or None,
                    json=parts.json or None,
                    data=parts.data or None,
                    timeout=timeout,
                )
                response.content  # noqa: B018 -- read the whole body now: a cut body must retry
                self.requests_sent += 1
            except (requests.ConnectionError, requests.Timeout) as exc:
                cause = _unreachable(exc)
                if budget is None or cause is None:
                    action, message = Action.RETRY, None
                    problem = f"{type(exc).__name__} (connection lost)"
                    response = None
                else:
                    unreachable += 1
                    if unreachable >= budget.attempts:
                        raise ReadError(
                            redact(
                                f"stream {self.stream!r}: cannot connect to {_host(url)}: {cause} "
                                f"({unreachable} attempts); check the connection's host and port "
                                "and that this machine can reach it"
                            )
                        ) from None
                    log.warning(
                        "stream %s: cannot connect to %s: %s; attempt %d/%d in %.1fs",
                        self.stream,
                        _host(url),
                        cause,
                        unreachable + 1,
                        budget.attempts,
                        budget.wait,
                    )
                    self.sleep(budget.wait)
                    continue
            except requests.exceptions.ChunkedEncodingError as exc:
                action, message = Action.RETRY, None
                problem = f"{type(exc).__name__} (connection lost)"
                response = None
            else:
                action, message = self.error_handler.interpret(response, context)
                problem = f"HTTP {response.status_code}"
            if action is Action.SUCCESS:
                return response
            if action is Action.IGNORE:
                log.info("stream %s: ignoring %s from %s", self.stream, problem, redact(url))
                return None
            if action is Action.FAIL:
                detail = message or _snippet(response)
                raise ReadError(
                    redact(
                        f"stream {self.stream!r}: {self.method} {url} failed with {problem}: {detail}"
                    )
                )
            attempt += 1
            if action is Action.REFRESH_TOKEN_THEN_RETRY:
                self.authenticator.refresh()
            if attempt > self.error_handler.max_retries:
                raise ReadError(
                    redact(
                        f"stream {self.stream!r}: {self.method} {url} still failing after "
                        f"{self.error_handler.max_retries} retries ({problem}): the API is down or "
                        "rate-limiting; rerun the task later"
                    )
                )
            wait = self.error_handler.backoff(response, attempt)
            self.retries += 1
            log.warning(
                "stream %s: %s from %s; retry %d/%d in %.1fs",
                self.stream,
                problem,
                redact(url),
                attempt,
                self.error_handler.max_retries,
                wait,
            )
            self.sleep(wait)


def _unreachable(exc: BaseException) -> str | None:
    """Why no connection could be opened at all, or ``None`` for a connection that broke later."""
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, requests.Timeout):
        return None
    # requests wraps urllib3's MaxRetryError, whose reason was raised from the socket error.
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, socket.gaierror):
            return "the host name does not resolve (DNS)"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        nested = next((a for a in seen.args if isinstance(a, BaseException)), None)
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "reason", None) or nested
    return None


def _host(url: str) -> str:
    """``host:port`` of ``url``: never its user info, path or query, which may hold secrets."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _snippet(response: requests.Response | None) -> str:
    if response is None:
        return "no response"
    text = response.text.strip().replace("\n", " ")
    return text[:200] + ("..." if len(text) > 200 else "") or response.reason or ""
