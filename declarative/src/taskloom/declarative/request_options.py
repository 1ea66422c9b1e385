"""Where a value goes in a request: Airbyte's ``RequestOption`` and the parts it fills."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskloom.declarative.interpolation import Interpolator


class RequestParts:
    """The variable parts of one HTTP request, filled by the components in turn."""

    __slots__ = ("data", "headers", "json", "params", "url")

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.headers: dict[str, str] = {}
        self.json: dict[str, Any] = {}
        #: A form (a dict) or a plain-text body (a str).
        self.data: Any = {}
        #: A full URL that replaces the requester's (``RequestPath`` pagination).
        self.url: str | None = None


class RequestOption:
    """``RequestOption{inject_into, field_name | field_path}``: put one value into a request."""

    __slots__ = ("field", "field_path", "inject_into", "interpolator")

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.inject_into: str = spec["inject_into"]
        self.field: Any = spec.get("field_name")
        self.field_path: list[str] | None = spec.get("field_path")
        self.interpolator = interpolator

    def inject(self, parts: RequestParts, value: Any, context: Mapping[str, Any]) -> None:
        """Put ``value`` where this option says; ``None`` puts nothing."""
        if value is None:
            return
        name = str(self.interpolator.eval(self.field, context)) if self.field is not None else None
        if self.inject_into == "request_parameter":
            parts.params[name or ""] = value
        elif self.inject_into == "header":
            parts.headers[name or ""] = str(value)
        elif self.inject_into == "body_data":
            parts.data[name or ""] = value
        elif self.field_path:  # body_json with a nested path
            target = parts.json
            for key in self.field_path[:-1]:
                target = target.setdefault(key, {})
            target[self.field_path[-1]] = value
        else:
            parts.json[name or ""] = value


def option(spec: Mapping[str, Any] | None, interpolator: Interpolator) -> RequestOption | None:
    """Build a :class:`RequestOption` from its manifest mapping (``None`` stays ``None``)."""
    return RequestOption(spec, interpolator) if spec else None
