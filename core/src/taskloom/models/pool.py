"""Pool: refused, with what to use instead.

taskloom has no pools yet: an operator's ``pool=`` is accepted and recorded but limits
nothing.  Concurrency is limited per DAG (``max_active_tasks``) and per task
(``max_active_tis_per_dag``), so a 1.x file that manages pools fails when it is loaded
rather than silently running without its limit.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from taskloom.exceptions import DagDefinitionError


class Pool:
    """Raises :class:`DagDefinitionError` naming the replacements when used."""

    #: ``taskloom compat check`` reports a name carrying this as a blocker, with this text.
    __taskloom_refused__: ClassVar[str] = (
        "Pool is not supported: taskloom has no pools yet; limit concurrency with "
        "DAG(max_active_tasks=...) or an operator's max_active_tis_per_dag=..."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise DagDefinitionError(self.__taskloom_refused__)
