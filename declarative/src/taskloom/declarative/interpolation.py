"""``{{ }}`` templates, evaluated in a sandboxed Jinja environment with Airbyte's macros.

The sandbox (:class:`jinja2.sandbox.SandboxedEnvironment`) refuses attributes that reach
Python internals (``''.__class__``, ``f.__globals__``) and the namespace offers nothing
that touches files or the network: a manifest can compute values, never act.

A template that is a single ``{{ expression }}`` evaluates to the expression's value
(an ``int`` stays an ``int``, a list stays a list); a template mixing text and
expressions renders to a string.  Compiled templates are cached by their text.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import Any
from typing import Final

from jinja2 import ChainableUndefined
from jinja2 import TemplateError
from jinja2 import Undefined
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from taskloom.declarative import dates
from taskloom.declarative.errors import InterpolationError

_SINGLE: Final = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)


def _day_delta(num_days: int, format: str = "%Y-%m-%dT%H:%M:%S.%f%z") -> str:
    """Now (UTC) plus ``num_days`` days, formatted."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=num_days)).strftime(format)


def _format_datetime(value: Any, format: str, input_format: str | None = None) -> str:
    """Reformat a datetime or a date string (ISO 8601, or ``input_format``)."""
    parsed = value if isinstance(value, dt.datetime) else dates.parse(str(value), input_format)
    return dates.format(parsed, format)


def _timestamp(value: Any) -> int:
    """Seconds since the epoch of a datetime, a date string or a number."""
    if isinstance(value, (int, float)):
        return int(value)
    parsed = value if isinstance(value, dt.datetime) else dates.parse(str(value))
    return int(parsed.timestamp())


def _max(*values: Any) -> Any:
    return max(values[0]) if len(values) == 1 else max(values)


def _min(*values: Any) -> Any:
    return min(values[0]) if len(values) == 1 else min(values)


def _hash(value: Any, algorithm: str = "md5", salt: str | None = None) -> str:
    digest = hashlib.new(algorithm)
    digest.update(str(value).encode())
    if salt:
        digest.update(salt.encode())
    return digest.hexdigest()


MACROS: Final[dict[str, Any]] = {
    "now_utc": lambda: dt.datetime.now(dt.UTC),
    "today_utc": lambda: dt.datetime.now(dt.UTC).date(),
    "today_with_timezone": lambda tz="UTC": dt.datetime.now(dt.UTC).date(),
    "timestamp": _timestamp,
    "max": _max,
    "min": _min,
    "day_delta": _day_delta,
    "duration": dates.parse_duration,
    "format_datetime": _format_datetime,
    "str_to_datetime": lambda s: dates.parse(str(s)),
    "generate_uuid": lambda: str(uuid.uuid4()),
}

FILTERS: Final[dict[str, Any]] = {
    "hash": _hash,
    "base64encode": lambda s: base64.b64encode(str(s).encode()).decode(),
    "base64decode": lambda s: base64.b64decode(str(s)).decode(),
    "string": lambda v: str(v),
    "regex_search": lambda s, pattern: m.group(1) if (m := re.search(pattern, str(s))) else None,
}


class _Sandbox(SandboxedEnvironment):
    """The sandbox, raising on an unsafe attribute (instead of a silent undefined value)."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} is not allowed"
        )


class Interpolator:
    """Evaluate templates against a context of variables (``config``, ``response``, ...)."""

    def __init__(self) -> None:
        self.env = _Sandbox(undefined=ChainableUndefined)
        self.env.globals.update(MACROS)
        self.env.filters.update(FILTERS)
        self._cache: dict[str, Any] = {}

    def _compiled(self, template: str) -> Any:
        compiled = self._cache.get(template)
        if compiled is None:
            try:
                single = _SINGLE.match(template)
                if single and "{{" not in single.group("expr") and "{%" not in template:
                    compiled = ("expr", self.env.compile_expression(single.group("expr").strip()))
                else:
                    compiled = ("text", self.env.from_string(template))
            except TemplateError as exc:
                raise InterpolationError(f"template {template!r} is invalid: {exc}") from None
            self._cache[template] = compiled
        return compiled

    def eval(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Evaluate ``value``: a string with ``{{`` is a template, anything else is returned as is.

        An undefined result is ``None``.
        """
        if not isinstance(value, str) or "{" not in value:
            return value
        kind, compiled = self._compiled(value)
        try:
            result = compiled(**context) if kind == "expr" else compiled.render(**context)
        except TemplateError as exc:  # SecurityError is a TemplateError
            raise InterpolationError(f"template {value!r} failed: {exc}") from None
        except (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError) as exc:
            raise InterpolationError(
                f"template {value!r} failed: {type(exc).__name__}: {exc}"
            ) from None
        if isinstance(result, Undefined):
            return None
        return result

    def eval_str(self, value: Any, context: Mapping[str, Any]) -> str | None:
        """Evaluate to a string (``None`` and ``""`` stay ``None``)."""
        result = self.eval(value, context)
        if result is None or result == "":
            return None
        return result if isinstance(result, str) else str(result)

    def eval_bool(self, value: Any, context: Mapping[str, Any]) -> bool:
        """Evaluate to a bool; the strings ``"False"``/``"false"``/``"None"``/``""`` are false."""
        result = self.eval(value, context)
        if isinstance(result, str):
            return result.strip() not in ("", "False", "false", "None", "0")
        return bool(result)

    def eval_mapping(self, value: Any, context: Mapping[str, Any]) -> dict[str, Any]:
        """Evaluate a mapping's values (or a template yielding a mapping); drop empty values."""
        if isinstance(value, str):
            value = self.eval(value, context)
            if isinstance(value, str):
                import ast

                try:
                    value = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    raise InterpolationError(f"{value!r} is not a mapping") from None
        if not value:
            return {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            result = self.eval(item, context) if isinstance(item, str) else item
            if result is None or result == "":
                continue
            out[str(self.eval(key, context))] = result
        return out
