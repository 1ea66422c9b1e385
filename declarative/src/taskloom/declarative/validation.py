"""Validating a preprocessed manifest against :data:`~taskloom.declarative.components.SCHEMA`.

Every problem is reported, each with its JSON path and line; an unsupported component
is named as such, with the types the field accepts.
"""

from __future__ import annotations

import functools
from typing import Any

from taskloom.declarative.components import SCHEMA
from taskloom.declarative.errors import ManifestError
from taskloom.declarative.manifest import Node
from taskloom.declarative.manifest import where


@functools.cache
def _validator() -> Any:
    import jsonschema  # only when a manifest is validated: it costs ~40 ms to import

    return jsonschema.Draft7Validator(SCHEMA)


def _message(document: Node, error: Any) -> str:
    path = tuple(error.absolute_path)
    if error.validator == "enum" and path and path[-1] == "type":
        accepted = ", ".join(error.validator_value)
        if isinstance(error.instance, str) and error.instance.startswith("Custom"):
            why = "custom Python components (components.py) are not supported"
        else:
            why = f"this field accepts {accepted}"
        return f"{where(document, path[:-1])}: unsupported component {error.instance!r} ({why})"
    if error.validator == "not":
        return f"{where(document, path)}: unsupported field: {error.schema.get('description', '')}"
    if error.validator == "additionalProperties" and not path:
        return f"{where(document, path)}: {error.message} (unsupported top-level key)"
    return f"{where(document, path)}: {error.message}"


def problems(document: Node) -> list[str]:
    """Every schema violation of ``document``, in document order."""
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    seen: set[str] = set()
    out: list[str] = []
    for error in errors:
        if error.validator in ("allOf", "anyOf") and error.context:
            # Report the branch errors of the best-matching alternative instead.
            best = min(error.context, key=lambda e: len(list(e.absolute_path)) * -1)
            message = _message(document, best)
        else:
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
