"""Jinja2 templating for templated operator fields: the sandboxed environment and ``macros``.

The environment is sandboxed (a DAG file's template cannot reach Python internals) and
uses :class:`jinja2.StrictUndefined`, so a typo in ``{{ params.tabel }}`` fails the task
with the variable's name instead of rendering an empty string into a SQL statement.

**No module objects.**  Jinja's sandbox blocks ``_``-prefixed attributes, but a module
reachable from a template is a way out of it: ``macros.uuid.os.popen(...)`` ran a command
when ``macros.uuid`` was the :mod:`uuid` module.  :class:`TemplateSandbox` therefore refuses
any module object a template reaches -- a name of the context, an attribute, an item or a
call's result -- wherever it comes from (core's ``macros``, a DAG's
``user_defined_macros``, another distribution's context keys).  ``macros`` itself holds
functions, classes and constants only.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from types import ModuleType
from types import SimpleNamespace
from typing import TYPE_CHECKING
from typing import Any

from taskloom import macros as _macros

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


#: The ``macros`` namespace of the template context: the public names of :mod:`taskloom.macros`
#: (functions, classes and constants only, never a module -- see the module docstring), so
#: ``{{ macros.x }}`` and ``from taskloom.macros import x`` are the same thing.
macros = SimpleNamespace(**{name: getattr(_macros, name) for name in _macros.__all__})


def _ds(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _ds_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%d")


def _ts(value: datetime) -> str:
    return value.isoformat()


def _ts_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


#: Filters every template can use: ``{{ data_interval_end | ds }}``.
FILTERS: dict[str, Callable[..., Any]] = {
    "ds": _ds,
    "ds_nodash": _ds_nodash,
    "ts": _ts,
    "ts_nodash": _ts_nodash,
}


def _refuse_module(name: str) -> Any:
    from jinja2.exceptions import SecurityError

    raise SecurityError(
        f"{name} is a Python module, which templates may not use (it would leave the "
        "sandbox); pass the functions or values the template needs instead"
    )


def _sandbox_class() -> type[SandboxedEnvironment]:
    """:class:`TemplateSandbox`, defined on first use (jinja2 is imported lazily)."""
    global _sandbox
    if _sandbox is not None:
        return _sandbox
    from jinja2.runtime import Context
    from jinja2.sandbox import SandboxedEnvironment

    class ModuleFreeContext(Context):
        """A template context whose names never resolve to a module."""

        def resolve_or_missing(self, key: str) -> Any:
            value = super().resolve_or_missing(key)
            if isinstance(value, ModuleType):
                _refuse_module(repr(key))
            return value

    class TemplateSandbox(SandboxedEnvironment):
        """Jinja's sandbox that also refuses module objects, however a template reaches them."""

        context_class = ModuleFreeContext

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            return not isinstance(value, ModuleType) and super().is_safe_attribute(obj, attr, value)

        def getitem(self, obj: Any, argument: Any) -> Any:
            value = super().getitem(obj, argument)
            if isinstance(value, ModuleType):
                _refuse_module(f"item {argument!r}")
            return value

        def getattr(self, obj: Any, attribute: str) -> Any:
            value = super().getattr(obj, attribute)
            if isinstance(value, ModuleType):
                _refuse_module(f"attribute {attribute!r}")
            return value

        def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            value = super().call(__context, __obj, *args, **kwargs)
            if isinstance(value, ModuleType):
                _refuse_module("the result of a call")
            return value

    _sandbox = TemplateSandbox
    return _sandbox


_sandbox: type[SandboxedEnvironment] | None = None


def create_environment(
    searchpath: Iterable[str] = (),
    *,
    user_defined_macros: Mapping[str, Any] | None = None,
    user_defined_filters: Mapping[str, Callable[..., Any]] | None = None,
) -> SandboxedEnvironment:
    """A sandboxed Jinja2 environment with strict undefined variables and no module objects.

    :param searchpath: folders ``template_ext`` files (``.sql`` ...) are loaded from, in order.
    :param user_defined_macros: extra globals (a DAG's ``user_defined_macros``).
    :param user_defined_filters: extra filters (a DAG's ``user_defined_filters``).
    """
    # jinja2 is imported on first use: ``import taskloom`` must not pay for it.
    from jinja2 import FileSystemLoader
    from jinja2 import StrictUndefined

    env = _sandbox_class()(
        loader=FileSystemLoader(list(searchpath)),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.do"],
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    if user_defined_filters:
        env.filters.update(user_defined_filters)
    if user_defined_macros:
        env.globals.update(user_defined_macros)
    return env
