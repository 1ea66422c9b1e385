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

import re
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


def json_type(value: Any) -> str:
    """Name ``value``'s JSON type the way JSON Schema does (``integer`` before ``number``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _matches_type(value: Any, expected: str) -> bool:
    found = json_type(value)
    return found == expected or (expected == "number" and found == "integer")


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def compile_schema(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Check that ``schema`` uses only implemented keywords and return it.

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
    return schema


class _Validator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.errors: list[str] = []

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise SchemaError(f"only local references are supported, found $ref {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node  # type: ignore[no-any-return]

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "$ref" in schema:
            self.check(value, self.resolve(schema["$ref"]), path)
        if "type" in schema:
            expected = schema["type"]
            allowed = [expected] if isinstance(expected, str) else list(expected)
            if not any(_matches_type(value, name) for name in allowed):
                self.fail(
                    path,
                    f"expected {' or '.join(allowed)}, found {json_type(value)} {_short(value)}",
                )
                return
        if "enum" in schema and value not in schema["enum"]:
            choices = ", ".join(repr(choice) for choice in schema["enum"])
            self.fail(path, f"expected one of {choices}, found {_short(value)}")
        if "const" in schema and value != schema["const"]:
            self.fail(path, f"expected {schema['const']!r}, found {_short(value)}")
        if isinstance(value, str):
            self.check_string(value, schema, path)
        elif isinstance(value, list):
            self.check_array(value, schema, path)
        elif isinstance(value, dict):
            self.check_object(value, schema, path)

    def check_string(self, value: str, schema: Mapping[str, Any], path: str) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            self.fail(
                path, f"expected at least {schema['minLength']} character(s), found {value!r}"
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            self.fail(path, f"expected a string matching {schema['pattern']}, found {value!r}")

    def check_array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> None:
        if "items" in schema:
            for index, item in enumerate(value):
                self.check(item, schema["items"], _child(path, index))
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    self.fail(_child(path, index), f"duplicate item {_short(item)}")
                seen.append(item)

    def check_object(self, value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
        for name in schema.get("required", ()):
            if name not in value:
                self.fail(_child(path, name), "required property is missing")
        properties: Mapping[str, Any] = schema.get("properties", {})
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key, item in value.items():
            if names is not None:
                before = len(self.errors)
                self.check(key, names, _child(path, key))
                if len(self.errors) > before:
                    continue
            if key in properties:
                self.check(item, properties[key], _child(path, key))
            elif additional is False:
                known = ", ".join(sorted(properties))
                self.fail(_child(path, key), f"unknown property (expected one of: {known})")
            elif isinstance(additional, Mapping):
                self.check(item, additional, _child(path, key))


def validate(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """Validate ``instance`` against ``schema``; return one message per error, ``[]`` if valid.

    Each message starts with the JSON path of the bad value (``$.connection_types.pg.hook_class``)
    and says what was expected and what was found.
    """
    validator = _Validator(schema)
    validator.check(instance, schema, "$")
    return validator.errors
