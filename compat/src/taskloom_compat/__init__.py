"""taskloom-compat: the taskloom 1.x import paths, kept alive on taskloom 2.

Install it next to core and DAG files written for the monolithic 1.x layout run
unchanged::

    from taskloom.hooks.postgres_hook import PostgresHook            # 1.x path
    from taskloom.operators.dummy_operator import DummyOperator      # 1.x name

Each old name resolves to the *same object* as its new home (``isinstance`` and
subclassing keep working) and warns once per importing line with :class:`MovedWarning`,
a ``deprecation.DeprecatedWarning`` that names the new import.  ``taskloom compat check
PATH`` lists every legacy usage; ``taskloom compat fix PATH`` rewrites them.  The table
of old and new paths is :data:`taskloom.legacy.moves.MOVES` in core.
"""

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from taskloom_compat._warning import MovedWarning as MovedWarning

__all__ = ["MovedWarning"]


def __getattr__(name: str) -> Any:
    # Every shim module imports this package first: MovedWarning (and the `deprecation`
    # library it needs) is loaded on first use, not by the package.
    if name == "MovedWarning":
        from taskloom_compat._warning import MovedWarning

        return MovedWarning
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
