"""What to do with a response: Airbyte's DefaultErrorHandler, its filters and backoff strategies."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from taskloom.declarative.interpolation import Interpolator


class Action(enum.Enum):
    """The outcome of one response."""

    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    RETRY = "RETRY"
    IGNORE = "IGNORE"
    RATE_LIMITED = "RATE_LIMITED"
    REFRESH_TOKEN_THEN_RETRY = "REFRESH_TOKEN_THEN_RETRY"


#: Airbyte's defaults when no filter matches.
_DEFAULTS: dict[int, Action] = {408: Action.RETRY, 429: Action.RATE_LIMITED}
DEFAULT_MAX_RETRIES = 5


def response_body(response: requests.Response) -> Any:
    """The JSON body of ``response``, or ``{}`` when it is not JSON (for templates)."""
    try:
        return response.json()
    except ValueError:
        return {}


class ResponseFilter:
    """``HttpResponseFilter``: an action for the responses it matches."""

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.action = Action(spec.get("action") or "FAIL")
        self.codes = frozenset(spec.get("http_codes") or ())
        self.contains: str | None = spec.get("error_message_contains")
        self.predicate: str | None = spec.get("predicate")
        self.message: str | None = spec.get("error_message")
        self.interpolator = interpolator

    def matches(self, response: requests.Response, context: Mapping[str, Any]) -> bool:
        if response.status_code in self.codes:
            return True
        if self.contains and self.contains in response.text:
            return True
        if self.predicate:
            ctx = {**context, "response": response_body(response), "headers": response.headers}
            return self.interpolator.eval_bool(self.predicate, ctx)
        return False

    def describe(self, response: requests.Response, context: Mapping[str, Any]) -> str | None:
        if not self.message:
            return None
        ctx = {**context, "response": response_body(response), "headers": response.headers}
        return self.interpolator.eval_str(self.message, ctx)


class Backoff:
    """One backoff strategy: seconds to wait before retry ``attempt`` (1-based), or ``None``."""

    def __init__(
        self, spec: Mapping[str, Any], interpolator: Interpolator, context: Mapping[str, Any]
    ) -> None:
        self.kind: str = spec["type"]
        self.spec = spec
        self.interpolator = interpolator
        self.context = context

    def _number(self, key: str, default: float) -> float:
        value = self.interpolator.eval(self.spec.get(key, default), self.context)
        return float(value) if value is not None else default

    def _header(self, response: requests.Response | None) -> str | None:
        if response is None:
            return None
        name = self.interpolator.eval_str(self.spec["header"], self.context) or ""
        value = response.headers.get(name)
        regex = self.spec.get("regex")
        if value is not None and regex:
            match = re.search(regex, value)
            value = match.group(0) if match else None
        return value

    def wait(self, response: requests.Response | None, attempt: int) -> float | None:
        if self.kind == "ConstantBackoffStrategy":
            return self._number("backoff_time_in_seconds", 0)
        if self.kind == "ExponentialBackoffStrategy":
            return self._number("factor", 5) * 2.0 ** (attempt - 1)
        value = self._header(response)
        if value is None:
            return None
        if self.kind == "WaitTimeFromHeader":
            seconds = _seconds(value)
            limit = self.spec.get("max_waiting_time_in_seconds")
            if seconds is not None and limit is not None and seconds > float(limit):
                return None  # longer than the manifest allows: let the next strategy decide
            return seconds
        # WaitUntilTimeFromHeader: an epoch timestamp (X-RateLimit-Reset)
        try:
            until = float(value)
        except ValueError:
            return None
        return max(until - time.time(), self._number("min_wait", 0))


def _seconds(value: str) -> float | None:
    """A ``Retry-After`` value: seconds, or an HTTP date."""
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


class ErrorHandler:
    """``DefaultErrorHandler`` (and a ``CompositeErrorHandler``'s first deciding handler)."""

    def __init__(
        self, spec: Mapping[str, Any] | None, interpolator: Interpolator, context: Mapping[str, Any]
    ) -> None:
        spec = spec or {"type": "DefaultErrorHandler"}
        if spec["type"] == "CompositeErrorHandler":
            self.handlers = [ErrorHandler(h, interpolator, context) for h in spec["error_handlers"]]
            self.filters: list[ResponseFilter] = []
            self.backoffs: list[Backoff] = []
            self.max_retries: int = max(
                (h.max_retries for h in self.handlers), default=DEFAULT_MAX_RETRIES
            )
            return
        self.handlers = []
        self.filters = [ResponseFilter(f, interpolator) for f in spec.get("response_filters") or ()]
        self.backoffs = [
            Backoff(b, interpolator, context) for b in spec.get("backoff_strategies") or ()
        ]
        self.max_retries = int(spec.get("max_retries", DEFAULT_MAX_RETRIES))

    def interpret(
        self, response: requests.Response, context: Mapping[str, Any]
    ) -> tuple[Action, str | None]:
        """The action for ``response`` and the manifest's message for it, if any."""
        for handler in self.handlers:
            action, message = handler.interpret(response, context)
            if action is not Action.SUCCESS or message is not None:
                return action, message
        for flt in self.filters:
            if flt.matches(response, context):
                return flt.action, flt.describe(response, context)
        status = response.status_code
        if status < 400:
            return Action.SUCCESS, None
        if status in _DEFAULTS:
            return _DEFAULTS[status], None
        return (Action.RETRY if status >= 500 else Action.FAIL), None

    def backoff(self, response: requests.Response | None, attempt: int) -> float:
        """Seconds to wait before retry ``attempt``: the first strategy that answers.

        Without strategies: the response's ``Retry-After``, else 5 s doubling (Airbyte's default).
        """
        for handler in self.handlers:
            return handler.backoff(response, attempt)
        for strategy in self.backoffs:
            seconds = strategy.wait(response, attempt)
            if seconds is not None:
                return seconds
        if response is not None and "Retry-After" in response.headers:
            seconds = _seconds(response.headers["Retry-After"])
            if seconds is not None:
                return seconds
        return float(5.0 * 2.0 ** (attempt - 1))
