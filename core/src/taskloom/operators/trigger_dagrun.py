"""TriggerDagRunOperator: queue a run of another DAG, optionally waiting for it to finish."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING
from typing import Any

from taskloom.exceptions import DagNotFoundError
from taskloom.exceptions import TaskloomFailException
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.models.dag_context import user_stacklevel
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import utcnow

if TYPE_CHECKING:
    from taskloom.dag_processing import DagBag
    from taskloom.models.dag import DAG

_NOT_GIVEN: Any = object()


class TriggerDagRunOperator(BaseOperator):
    """Create a manual run of ``trigger_dag_id``; the scheduler runs it.

    :param trigger_dag_id: the DAG to run (templated), looked up in this DAG's file, then
        in the DAG folder.
    :param trigger_run_id: its run id (templated; default ``manual__<logical date>``).
    :param conf: its ``dag_run.conf`` (templated).
    :param logical_date: its logical date (templated; a datetime or ISO text; default now).
    :param reset_dag_run: replace an existing run at that logical date instead of failing.
    :param wait_for_completion: wait until the run finishes; fail if it ends in
        ``failed_states``.
    :param poke_interval: seconds between two looks at the run while waiting.
    :param execution_date: deprecated 1.x spelling of ``logical_date``.
    :param python_callable: deprecated 1.x hook ``f(context, dag_run_obj)``: it may set
        ``dag_run_obj.payload`` (the run's conf) and returns the object, or ``None`` to not
        trigger at all.
    """

    template_fields = ("trigger_dag_id", "trigger_run_id", "logical_date", "conf")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: datetime | str | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float = 60,
        allowed_states: Iterable[str] = ("success",),
        failed_states: Iterable[str] = ("failed",),
        execution_date: Any = _NOT_GIVEN,
        python_callable: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        for name, given, advice in (
            ("execution_date", execution_date is not _NOT_GIVEN, "use logical_date=..."),
            ("python_callable", python_callable is not None, "pass conf=... instead"),
        ):
            if given:
                warnings.warn(
                    f"TriggerDagRunOperator({name}=...) is deprecated and will be removed in "
                    f"taskloom 3.0; {advice}",
                    DeprecationWarning,
                    stacklevel=user_stacklevel(),
                )
        super().__init__(**kwargs)
        if execution_date is not _NOT_GIVEN and logical_date is None:
            logical_date = execution_date
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf
        self.logical_date = logical_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.allowed_states = [str(s) for s in allowed_states]
        self.failed_states = [str(s) for s in failed_states]
        self.python_callable = python_callable

    def _target(self) -> tuple[DagBag, DAG]:
        from taskloom import configuration
        from taskloom.dag_processing import DagBag

        fileloc = getattr(self.dag, "fileloc", None)
        places = [Path(fileloc)] if fileloc else []
        places.append(configuration.dags_folder())
        for place in places:
            if place.exists():
                dagbag = DagBag(place)
                dag = dagbag.get_dag(self.trigger_dag_id)
                if dag is not None:
                    return dagbag, dag
        raise DagNotFoundError(
            f"task {self.task_id!r}: DAG {self.trigger_dag_id!r} to trigger is not in "
            + " or ".join(str(p) for p in places)
        )

    def execute(self, context: Context) -> str | None:
        from taskloom.jobs.scheduler import sync_dags
        from taskloom.models import dagrun

        conf = self.conf
        if self.python_callable is not None:
            payload = self.python_callable(context, SimpleNamespace(run_id=None, payload=conf))
            if payload is None:
                self.task_log(context).info("python_callable returned None: nothing triggered")
                return None
            conf = payload.payload
        when = self.logical_date
        if isinstance(when, str):
            when = parse_datetime(when)
        when = when or utcnow()
        dagbag, dag = self._target()
        conn = context["ti"].conn
        sync_dags(conn, dagbag)
        try:
            run = dagrun.create(
                conn,
                dag,
                logical_date=when,
                run_type="manual",
                run_id=self.trigger_run_id,
                conf=dict(conf or {}),
                replace=self.reset_dag_run,
            )
        except ValueError as exc:
            raise TaskloomFailException(f"task {self.task_id!r}: {exc}") from None
        log = self.task_log(context)
        log.info("Triggered %s run %s", dag.dag_id, run.run_id)
        if self.wait_for_completion:
            self._wait(conn, dag.dag_id, run.run_id, log)
        return run.run_id

    def _wait(self, conn: Any, dag_id: str, run_id: str, log: Any) -> None:
        from taskloom.models import dagrun

        while True:
            time.sleep(self.poke_interval)
            state = dagrun.get(conn, dag_id, run_id).state
            log.info("Run %s of %s is %s", run_id, dag_id, state)
            if state in self.failed_states:
                raise TaskloomFailException(
                    f"task {self.task_id!r}: the triggered run {run_id} of {dag_id!r} is {state}"
                )
            if state in self.allowed_states:
                return
