"""Validation of ``provider.json`` against ``provider.schema.json``, with the ``jsonschema`` library.

Only a discovery-cache miss (a provider installed or changed since the last run) gets
here: the warm path reuses documents validated before and never imports ``jsonschema``.
Every error is reported at once, each as ``<JSON path>: <what is wrong>``, sorted by path,
so an author fixes them in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(keys: Iterable[str | int]) -> str:
    """``$.connection_types['Bad Type'].fields[0]``: where a value sits in a document."""
    text = "$"
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _NAME.fullmatch(key):
            text += f".{key}"
        else:
            text += f"[{key!r}]"
    return text


@cache
def _validator(schema_text: str) -> Validator:
    import json

    from jsonschema import Draft202012Validator

    # The schema itself is checked against the metaschema by core's tests, not on every miss.
    validator: Validator = Draft202012Validator(json.loads(schema_text))
    return validator


def schema_errors(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every way ``instance`` breaks ``schema`` (JSON Schema draft 2020-12), as one line each."""
    import json

    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = [
        (json_path(error.absolute_path), error.message) for error in validator.iter_errors(instance)
    ]
    return [f"{path}: {message}" for path, message in sorted(errors)]
