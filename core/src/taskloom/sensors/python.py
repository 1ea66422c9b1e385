"""PythonSensor: wait until a Python callable returns a truthy value."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.operators.python import PythonCallableMixin
from taskloom.sensors.base import BaseSensorOperator
from taskloom.sensors.base import PokeReturnValue


class PythonSensor(PythonCallableMixin, BaseSensorOperator):
    """Call ``python_callable`` on every poke; done when it returns something truthy.

    It receives ``op_args``, ``op_kwargs`` and the context keys its signature names, as
    :class:`~taskloom.operators.python.PythonOperator`'s callable does.  A returned
    :class:`~taskloom.sensors.base.PokeReturnValue` also sets the sensor's XCom.
    """

    template_fields = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, templates_dict)

    def poke(self, context: Context) -> bool | PokeReturnValue:
        result = self._call(context)
        return result if isinstance(result, PokeReturnValue) else bool(result)
