"""EmptyOperator: a task that does nothing (a join point or placeholder in a graph)."""

from __future__ import annotations

from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context


class EmptyOperator(BaseOperator):
    """Does nothing; useful to group dependencies (``[a, b] >> join >> c``)."""

    ui_color = "#e8f7e4"

    def execute(self, context: Context) -> Any:
        return None
