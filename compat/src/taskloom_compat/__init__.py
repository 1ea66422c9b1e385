"""taskloom-compat: the taskloom 1.x import paths, kept alive on taskloom 2.

Install it next to core and DAG files written for the monolithic 1.x layout run
unchanged::

    from taskloom.hooks.postgres_hook import PostgresHook            # 1.x path
    from taskloom.operators.dummy_operator import DummyOperator      # 1.x name

Each old name resolves to the *same object* as its new home (``isinstance`` and
subclassing keep working) and warns once per importing line with
:class:`~taskloom_compat._shim.MovedWarning`, a ``deprecation.DeprecatedWarning`` that
names the new import.  ``taskloom compat check PATH`` lists every legacy usage;
``taskloom compat fix PATH`` rewrites them.  The table of old and new paths is
:data:`taskloom._moved.MOVES` in core.
"""

from taskloom_compat._shim import MovedWarning as MovedWarning

__all__ = ["MovedWarning"]
