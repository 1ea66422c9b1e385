"""DAG and task params: values a run can override, with a default and simple validation.

A :class:`Param` checks the JSON-schema keywords DAG files use most (``type``, ``enum``,
``minimum``/``maximum``, ``minLength``/``maxLength``) without pulling a schema library
into core.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import MutableMapping
from typing import Any
from typing import Final

from taskloom.exceptions import ParamValidationError


class _NotSet:
    """Marker for "no value": ``None`` is a legitimate param value."""

    def __repr__(self) -> str:
        return "NOTSET"


#: The value of a :class:`Param` that has no default and was not given one.
NOTSET: Final = _NotSet()

_JSON_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}


class Param:
    """A param with a default, a description and JSON-schema style constraints.

    :param default: the value used when a run does not give one.
    :param description: shown to users triggering the DAG.
    :param schema: JSON-schema keywords, e.g. ``type="integer", minimum=1``.
    """

    __slots__ = ("description", "schema", "value")

    def __init__(
        self, default: Any = NOTSET, description: str | None = None, **schema: Any
    ) -> None:
        #: The current value (the default until a run overrides it).
        self.value = default
        self.description = description
        self.schema = schema

    def __repr__(self) -> str:
        return f"Param({self.value!r}, description={self.description!r}, schema={self.schema!r})"

    def resolve(self, value: Any = NOTSET, *, name: str = "param") -> Any:
        """Return ``value`` (or the default) after checking it against the schema.

        :raises ParamValidationError: naming the param, the value and the rule it breaks.
        """
        final = self.value if value is NOTSET else value
        if final is NOTSET:
            raise ParamValidationError(
                f"param {name!r} has no default and no value was given; pass it in the run's conf"
            )
        problem = self._problem(final)
        if problem:
            raise ParamValidationError(f"param {name!r}: value {final!r} {problem}")
        return final

    def _problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` under the schema, or ``None``."""
        schema = self.schema
        kind = schema.get("type")
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            types = tuple(t for k in kinds for t in _JSON_TYPES.get(k, ()))
            is_bool = isinstance(value, bool)
            if not isinstance(value, types) or (is_bool and bool not in types):
                return f"is not of type {' or '.join(kinds)}"
        if "enum" in schema and value not in schema["enum"]:
            return f"is not one of {schema['enum']!r}"
        if "minimum" in schema and value < schema["minimum"]:
            return f"is less than the minimum {schema['minimum']!r}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"is more than the maximum {schema['maximum']!r}"
        if "minLength" in schema and len(value) < schema["minLength"]:
            return f"is shorter than {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"is longer than {schema['maxLength']} characters"
        return None


class ParamsDict(MutableMapping[str, Any]):
    """The ``params`` of a DAG or task: reading a key gives the value, not the :class:`Param`.

    Plain values are wrapped in a :class:`Param` without constraints.
    """

    __slots__ = ("_params",)

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Param] = {}
        for key, value in (params or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Param):
            self._params[key] = value
        elif key in self._params:
            self._params[key].value = value
        else:
            self._params[key] = Param(value)

    def __getitem__(self, key: str) -> Any:
        return self._params[key].value

    def __delitem__(self, key: str) -> None:
        del self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        return f"ParamsDict({self._params!r})"

    def get_param(self, key: str) -> Param:
        """The :class:`Param` object behind ``key``."""
        return self._params[key]

    def copy(self) -> ParamsDict:
        """A copy whose :class:`Param` objects are independent of this one's."""
        new = ParamsDict()
        for key, param in self._params.items():
            new._params[key] = Param(param.value, param.description, **param.schema)
        return new

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validated values, with ``overrides`` (a run's conf) applied to known and new keys.

        :raises ParamValidationError: for the first param whose value is rejected.
        """
        overrides = overrides or {}
        values = {
            key: param.resolve(overrides.get(key, NOTSET), name=key)
            for key, param in self._params.items()
        }
        for key, value in overrides.items():
            values.setdefault(key, value)
        return values
