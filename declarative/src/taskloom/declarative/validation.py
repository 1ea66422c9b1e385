"""Validating a preprocessed manifest against :data:`~taskloom.declarative.components.SCHEMA`.

Every problem is reported, each with its JSON path and line; an unsupported component
is named as such, with the types the field accepts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from typing import Final

from taskloom.declarative.components import SCHEMA
from taskloom.declarative.errors import ManifestError
from taskloom.declarative.manifest import Node
from taskloom.declarative.manifest import where


@functools.cache
def _validator() -> Any:
    import jsonschema  # only when a manifest is validated: it costs ~40 ms to import

    return jsonschema.Draft7Validator(SCHEMA)


_LONGEST: Final = 200


def _describe(value: Any) -> str:
    """A short description of a manifest value, never the whole of a large one."""
    if isinstance(value, str):
        return f"the string {value[:60]!r}" + ("..." if len(value) > 60 else "")
    if isinstance(value, Mapping):
        return f"a mapping with keys {', '.join(map(str, list(value)[:5]))}"[:_LONGEST]
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return repr(value)[:60]


def _custom(document: Node, path: tuple[Any, ...], instance: Any) -> tuple[Any, ...] | None:
    """The path of the custom Python component (one with ``class_name``) an error is about."""
    if isinstance(instance, Mapping) and "class_name" in instance:
        return path
    if path and path[-1] == "type":
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, Mapping) and "class_name" in parent:
            return path[:-1]
    return None


def _message(document: Node, error: Any) -> str:
    path = tuple(error.absolute_path)
    custom = _custom(document, path, error.instance)
    if custom is not None:
        node: Any = document
        for part in custom:
            node = node[part]
        return (
            f"{where(document, custom)}: custom Python components "
            f"(class_name: {str(node['class_name'])[:100]}) are not supported by "
            "taskloom-declarative"
        )
    if error.validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(expected)
        return f"{where(document, path)}: expected {expected}, got {_describe(error.instance)}"
    if error.validator == "enum" and path and path[-1] == "type":
        accepted = ", ".join(error.validator_value)
        if isinstance(error.instance, str) and error.instance.startswith("Custom"):
            why = "custom Python components (components.py) are not supported"
        else:
            why = f"this field accepts {accepted}"
        return f"{where(document, path[:-1])}: unsupported component {error.instance!r} ({why})"
    if error.validator in ("allOf", "anyOf", "oneOf"):
        return f"{where(document, path)}: {_describe(error.instance)} is not accepted here"
    if error.validator == "not":
        return f"{where(document, path)}: unsupported field: {error.schema.get('description', '')}"
    if error.validator == "additionalProperties" and not path:
        return f"{where(document, path)}: {error.message} (unsupported top-level key)"
    message = f"{where(document, path)}: {error.message}"
    return message if len(message) <= _LONGEST else message[: _LONGEST - 3] + "..."


def problems(document: Node) -> list[str]:
    """Every schema violation of ``document``, in document order."""
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    seen: set[str] = set()
    out: list[str] = []
    for error in errors:
        while error.validator in ("allOf", "anyOf") and error.context:
            # Report the deepest error of the best-matching alternative instead.
            error = max(error.context, key=lambda e: len(e.absolute_path))
        message = _message(document, error)
        if message not in seen:
            seen.add(message)
            out.append(message)
    return out


def validate(document: Node, source: str) -> Node:
    """Return ``document`` if it is valid, else raise :class:`ManifestError` listing every problem."""
    found = problems(document)
    if found:
        raise ManifestError(source, found)
    return document
