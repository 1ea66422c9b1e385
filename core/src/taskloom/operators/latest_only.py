"""LatestOnlyOperator: let downstream tasks run only in the run of the latest interval."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.timetables import DagRunInfo
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow


class LatestOnlyOperator(BaseOperator):
    """Skip the direct downstream tasks unless this run covers the latest schedule interval.

    A scheduled or backfill run is "latest" when ``now`` falls inside the interval that
    follows it, i.e. no newer interval has completed yet.  Manual runs are never skipped,
    nor are runs of DAGs without a recurring schedule.  Use it to avoid sending today's
    report again from every catch-up run.
    """

    ui_color = "#e9ffdb"

    def execute(self, context: Context) -> Any:
        log = self.task_log(context)
        if context["dag_run"].run_type == "manual":
            log.info("Manual run: downstream tasks proceed")
            return None
        if self.is_latest(context, now=utcnow()):
            log.info("Latest run: downstream tasks proceed")
            return None
        to_skip = sorted(self.downstream_task_ids)
        log.info("Not the latest run: skipping %s", ", ".join(to_skip) or "nothing")
        if to_skip:
            context["ti"].skip_tasks(to_skip, reason="not the latest run")
        return None

    def is_latest(self, context: Context, *, now: datetime) -> bool:
        """Whether the run of ``context`` covers the latest complete interval at ``now``."""
        dag = self._require_dag()
        info = DagRunInfo(
            to_utc(context["logical_date"]),
            to_utc(context["data_interval_start"]),
            to_utc(context["data_interval_end"]),
        )
        following = dag.timetable.next_interval_after(info)
        if following is None:
            return True
        return following.data_interval_start < to_utc(now) <= following.data_interval_end
