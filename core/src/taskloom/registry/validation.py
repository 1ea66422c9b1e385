"""Validation of ``provider.json`` against ``provider.schema.json`` (JSON Schema draft-07), with ``fastjsonschema``.

Only a discovery-cache miss (a provider installed or changed since the last run) gets
here: the warm path reuses documents validated before and never imports ``fastjsonschema``.
The schema is compiled to a Python function once per process, on the first miss.
``fastjsonschema`` stops at the first error, so the message is that one error, as
``<JSON path>: <what is wrong>, found <value>``, and says that there may be more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Mapping
from functools import cache
from typing import Any

#: The longest ``repr`` of a wrong value quoted in a message.
_VALUE_CHARS = 60


@cache
def _validator(schema_text: str) -> Callable[[Any], Any]:
    import fastjsonschema

    # use_default=False: validation must not fill defaults into the document it checks.
    validate: Callable[[Any], Any] = fastjsonschema.compile(
        json.loads(schema_text), use_default=False
    )
    return validate


def _found(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 3] + "..."


def schema_error(instance: Any, schema: Mapping[str, Any]) -> str | None:
    """The first way ``instance`` breaks ``schema``, as ``<JSON path>: <what is wrong>``; ``None`` if valid."""
    from fastjsonschema import JsonSchemaValueException

    validate = _validator(json.dumps(schema, sort_keys=True))
    try:
        validate(instance)
    except JsonSchemaValueException as error:
        # fastjsonschema names the place "data.hooks[0]" and starts its message with it.
        name = error.name or "data"
        path = "$" + name.removeprefix("data")
        what = error.message.removeprefix(name).strip()
        if error.rule in {"required", "additionalProperties"}:
            return f"{path}: {what}"
        return f"{path}: {what}, found {_found(error.value)}"
    return None
