"""GenericTransfer: copy the rows of a query from one SQL connection into a table of another."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.exceptions import InvalidConnectionError
from taskloom.hooks.base import BaseHook
from taskloom.hooks.dbapi import DbApiHook
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context


def _sql_hook(conn_id: str, task_id: str) -> DbApiHook:
    hook = BaseHook.get_hook(conn_id)
    if not isinstance(hook, DbApiHook):
        raise InvalidConnectionError(
            f"its hook {type(hook).__name__} does not run SQL; give task {task_id!r} the "
            "connection of a SQL database",
            conn_id=conn_id,
        )
    return hook


class GenericTransfer(BaseOperator):
    """Run ``sql`` on ``source_conn_id`` and insert the rows into ``destination_table``.

    Both connections may be of any SQL provider (SQLite to PostgreSQL...).  The rows are
    held in memory: use it for moderate volumes.

    :param preoperator: SQL run on the destination first (templated), e.g. a ``DELETE``
        of the day being reloaded.
    :param insert_args: extra keyword arguments of the destination hook's ``insert_rows``
        (``target_fields``, ``commit_every``...).
    """

    template_fields = ("sql", "destination_table", "preoperator")
    template_ext = (".sql",)
    ui_color = "#b0f07c"

    def __init__(
        self,
        *,
        sql: str,
        destination_table: str,
        source_conn_id: str,
        destination_conn_id: str,
        preoperator: str | Sequence[str] | None = None,
        insert_args: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.destination_table = destination_table
        self.source_conn_id = source_conn_id
        self.destination_conn_id = destination_conn_id
        self.preoperator = preoperator
        self.insert_args = dict(insert_args or {})

    def execute(self, context: Context) -> int:
        log = self.task_log(context)
        source = _sql_hook(self.source_conn_id, self.task_id)
        destination = _sql_hook(self.destination_conn_id, self.task_id)
        rows = source.get_records(self.sql) or []
        log.info("Read %d row(s) from %s", len(rows), self.source_conn_id)
        if self.preoperator:
            destination.run(self.preoperator)
        destination.insert_rows(self.destination_table, rows, **self.insert_args)
        log.info("Inserted %d row(s) into %s", len(rows), self.destination_table)
        return len(rows)
