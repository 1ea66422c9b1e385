"""A small JSON Schema validator for the subset of keywords ``provider.schema.json`` uses.

Why not the ``jsonschema`` library: its dependency closure (attrs, referencing,
rpds-py with a compiled extension, jsonschema-specifications) is larger than the rest
of core's dependencies together, and the slim core is the point of taskloom.  Why not
typed parsing by hand: the schema is published for third-party authors (editors and
their own CI validate against it), so validation driven by that same document can
never drift from it.  The subset is enforced: a keyword this module does not
implement makes :func:`compile_schema` fail instead of being silently ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import Final

#: Keywords that only annotate a schema; validation ignores them.
_ANNOTATIONS: Final = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
)
#: Keywords that validation implements.
_IMPLEMENTED: Final = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "required",
        "properties",
        "additionalProperties",
        "propertyNames",
        "items",
        "uniqueItems",
    }
)
_SUBSCHEMA_MAPS: Final = ("properties", "$defs")
_SUBSCHEMAS: Final = ("additionalProperties", "propertyNames", "items")


class SchemaError(ValueError):
    """The schema document itself uses something this validator does not implement."""


_JSON_TYPES: Final[dict[type, str]] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def json_type(value: Any) -> str:
    """Name ``value``'s JSON type the way JSON Schema does (``integer`` before ``number``)."""
    found = _JSON_TYPES.get(type(value))
    if found is not None:
        return found
    for kind, name in _JSON_TYPES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


#: A JSON path kept as nested ``(parent, key)`` pairs, formatted only when an error needs it.
_Path = tuple[Any, str | int] | None


def _format_path(path: _Path) -> str:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    text = "$"
    for key in reversed(keys):
        if isinstance(key, int):
            text += f"[{key}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            text += f".{key}"
        else:
            text += f"[{key!r}]"
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_keywords(schema: Mapping[str, Any]) -> None:
    """Check that ``schema`` uses only the keywords this module implements.

    :raises SchemaError: naming the first unsupported keyword and where it is.
    """

    def walk(node: Any, where: str) -> None:
        if not isinstance(node, Mapping):
            raise SchemaError(f"{where}: a schema must be an object, found {json_type(node)}")
        for key, sub in node.items():
            if key in _SUBSCHEMA_MAPS:
                for name, child in sub.items():
                    walk(child, f"{where}/{key}/{name}")
            elif key in _SUBSCHEMAS and isinstance(sub, Mapping):
                walk(sub, f"{where}/{key}")
            elif key not in _IMPLEMENTED and key not in _ANNOTATIONS:
                raise SchemaError(
                    f"{where}: keyword {key!r} is not supported by taskloom's validator"
                )

    walk(schema, "#")


#: A compiled check: validates a value found at a path, appending messages to ``errors``.
_Check = Callable[[Any, _Path, list[str]], None]


def _fail(errors: list[str], path: _Path, message: str) -> None:
    errors.append(f"{_format_path(path)}: {message}")


class _Compiler:
    """Turns each schema node into one closure running only that node's keywords.

    Discovery validates every installed provider's metadata in every process, so the
    per-node work is decided once here instead of being looked up for every value.
    """

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, _Check] = {}

    def ref(self, ref: str) -> _Check:
        if not ref.startswith("#/"):
            raise SchemaError(f"only local references are supported, found $ref {ref!r}")
        if ref not in self.refs:
            node: Any = self.root
            for part in ref[2:].split("/"):
                node = node[part]
            # Late-bound so a reference may point at a node still being compiled.
            self.refs[ref] = lambda v, p, e: None
            self.refs[ref] = self.compile(node)
        refs = self.refs
        return lambda value, path, errors: refs[ref](value, path, errors)

    def compile(self, schema: Mapping[str, Any]) -> _Check:
        checks: list[_Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "enum" in schema:
            checks.append(self._enum(list(schema["enum"])))
        if "const" in schema:
            checks.append(self._const(schema["const"]))
        if "minLength" in schema or "pattern" in schema:
            checks.append(self._string(schema.get("minLength"), schema.get("pattern")))
        if "items" in schema or schema.get("uniqueItems"):
            items = self.compile(schema["items"]) if "items" in schema else None
            checks.append(self._array(items, bool(schema.get("uniqueItems"))))
        if {"required", "properties", "additionalProperties", "propertyNames"} & schema.keys():
            checks.append(self._object(schema))
        expected = schema.get("type")
        allowed = (
            None
            if expected is None
            else ((expected,) if isinstance(expected, str) else tuple(expected))
        )

        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if allowed is not None:
                found = _JSON_TYPES.get(type(value)) or json_type(value)
                if found not in allowed and not (found == "integer" and "number" in allowed):
                    _fail(
                        errors,
                        path,
                        f"expected {' or '.join(allowed)}, found {found} {_short(value)}",
                    )
                    return
            for sub in checks:
                sub(value, path, errors)

        return check

    @staticmethod
    def _enum(choices: list[Any]) -> _Check:
        listed = ", ".join(repr(choice) for choice in choices)

        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if value not in choices:
                _fail(errors, path, f"expected one of {listed}, found {_short(value)}")

        return check

    @staticmethod
    def _const(expected: Any) -> _Check:
        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if value != expected:
                _fail(errors, path, f"expected {expected!r}, found {_short(value)}")

        return check

    @staticmethod
    def _string(min_length: int | None, pattern: str | None) -> _Check:
        compiled = None if pattern is None else _pattern(pattern)

        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if type(value) is not str:
                return
            if min_length is not None and len(value) < min_length:
                _fail(errors, path, f"expected at least {min_length} character(s), found {value!r}")
            if compiled is not None and not compiled.search(value):
                _fail(errors, path, f"expected a string matching {pattern}, found {value!r}")

        return check

    @staticmethod
    def _array(items: _Check | None, unique: bool) -> _Check:
        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if type(value) is not list:
                return
            if items is not None:
                for index, item in enumerate(value):
                    items(item, (path, index), errors)
            if unique:
                seen: list[Any] = []
                for index, item in enumerate(value):
                    if item in seen:
                        _fail(errors, (path, index), f"duplicate item {_short(item)}")
                    seen.append(item)

        return check

    def _object(self, schema: Mapping[str, Any]) -> _Check:
        required = tuple(schema.get("required", ()))
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        known = ", ".join(sorted(properties))
        additional_schema = schema.get("additionalProperties", True)
        closed = additional_schema is False
        additional = (
            self.compile(additional_schema) if isinstance(additional_schema, Mapping) else None
        )
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None

        def check(value: Any, path: _Path, errors: list[str]) -> None:
            if type(value) is not dict:
                return
            for name in required:
                if name not in value:
                    _fail(errors, (path, name), "required property is missing")
            for key, item in value.items():
                child = (path, key)
                if names is not None:
                    before = len(errors)
                    names(key, child, errors)
                    if len(errors) > before:
                        continue
                sub = properties.get(key)
                if sub is not None:
                    sub(item, child, errors)
                elif closed:
                    _fail(errors, child, f"unknown property (expected one of: {known})")
                elif additional is not None:
                    additional(item, child, errors)

        return check


class Validator:
    """A schema compiled for repeated use: ``Validator(schema).validate(instance)``."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        check_keywords(schema)
        self._check = _Compiler(schema).compile(schema)

    def validate(self, instance: Any) -> list[str]:
        """Return one message per error, ``[]`` if ``instance`` is valid.

        Each message starts with the JSON path of the bad value
        (``$.connection_types.pg.hook_class``) and says what was expected and what was found.
        """
        errors: list[str] = []
        self._check(instance, None, errors)
        return errors


def validate(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """Validate ``instance`` against ``schema`` once (see :meth:`Validator.validate`)."""
    return Validator(schema).validate(instance)
