"""Pool: the 1.x ORM model, refused, with what to use instead.

A 1.x DAG file made pools by adding ``Pool`` rows through an ORM session; taskloom has no
ORM.  Pools are rows of the metadata DB managed with ``taskloom pools set|get|list|delete``
(:mod:`taskloom.store.pools`), and operators take ``pool=`` and ``pool_slots=``.  So a
1.x file that manages pools fails when it is loaded rather than silently running without
its limit.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from taskloom.exceptions import DagDefinitionError


class Pool:
    """Raises :class:`DagDefinitionError` naming the replacements when used."""

    #: ``taskloom compat check`` reports a name carrying this as a blocker, with this text.
    __taskloom_refused__: ClassVar[str] = (
        "Pool is not supported: DAG files cannot create pools; create one with "
        "`taskloom pools set NAME SLOTS` and pass pool='NAME' to the operators that use it"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise DagDefinitionError(self.__taskloom_refused__)
