"""The scheduler: turn schedules into DAG runs and drive them to completion.

One loop iteration creates the runs whose schedule interval has ended (every missed
interval with ``catchup=True``), starts queued runs while ``max_active_runs`` allows,
and advances active runs through the executor (:class:`~taskloom.jobs.dagrun_loop.DagRunLoop`).

Crash safety: every decision is committed before work is handed out, and a worker only
reports a task after committing its outcome.  On start the scheduler adopts the runs
left ``running`` by a previous scheduler; their task instances left ``queued`` or
``running`` are reset and run again, succeeded ones are never re-run.  A lock file
(``$TASKLOOM_HOME/scheduler.lock``) keeps a second scheduler from adopting the same runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from taskloom import configuration
from taskloom import store
from taskloom.exceptions import TaskloomError
from taskloom.jobs.dagrun_loop import DagRunLoop
from taskloom.jobs.dagrun_loop import RunOwnedElsewhereError
from taskloom.jobs.job import Job
from taskloom.jobs.job import is_dead
from taskloom.models import dagrun as dagrun_model
from taskloom.store import scheduling
from taskloom.timetables import DagRunInfo
from taskloom.utils.dates import utcnow

if TYPE_CHECKING:
    from taskloom.dag_file_processor import DagFileProcessorPool
    from taskloom.dag_processing import DagBag
    from taskloom.executors.base import BaseExecutor
    from taskloom.jobs.run_state import RunState
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun

log = logging.getLogger("taskloom.scheduler")

#: Seconds between looks for tasks of active runs cleared from outside (`tasks clear`).
_REFRESH_SECONDS = 5.0


class SchedulerAlreadyRunningError(TaskloomError):
    """Another scheduler holds the lock of this ``TASKLOOM_HOME``."""


class _StopRequested(BaseException):
    """Raised by the SIGTERM/SIGINT handler wherever the loop is (parsing, waiting, planning).

    A ``BaseException``, so the loop's own ``except Exception`` never swallows it.
    """


@contextlib.contextmanager
def scheduler_lock() -> Iterator[None]:
    """On SQLite, hold ``<db file>.scheduler.lock`` (released by the OS if the process
    dies): one scheduler per SQLite DB.  On PostgreSQL any number may run: nothing to hold."""
    url = store.configured_url()
    if url.dialect != "sqlite":
        yield
        return
    assert url.path is not None
    path = url.path.with_name(url.path.name + ".scheduler.lock")
    configuration.make_private_dirs(path.parent)
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SchedulerAlreadyRunningError(
                f"another scheduler is running on the SQLite metadata DB {url.path} (it holds "
                f"{path}); SQLite allows one scheduler: stop that one first, or move the metadata "
                "DB to PostgreSQL ([database] url = postgresql://...) to run several side by side"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield


def sync_dags(conn: store.Connection, dagbag: DagBag) -> None:
    """Record the loaded DAGs in the ``dag`` table (new DAGs start paused if they ask to)."""
    default_paused = configuration.get_bool("core", "dags_are_paused_at_creation", False)
    now = utcnow().isoformat()
    scheduling.sync_dags(
        conn,
        [
            (
                dag.dag_id,
                dag.fileloc,
                int(
                    default_paused
                    if dag.is_paused_upon_creation is None
                    else dag.is_paused_upon_creation
                ),
                now,
            )
            for dag in dagbag.dags.values()
        ],
    )


def _last_info(conn: store.Connection, dag: DAG) -> DagRunInfo | None:
    run = dagrun_model.latest(conn, dag.dag_id)
    if run is None:
        return None
    return DagRunInfo(
        run.logical_date,
        run.data_interval_start or run.logical_date,
        run.data_interval_end or run.logical_date,
    )


def create_due_runs(conn: store.Connection, dag: DAG, active: int) -> int:
    """Create the scheduled runs of ``dag`` that are due, up to ``max_active_runs``; return how many.

    Holds the DAG's row meanwhile: of several schedulers, one creates a DAG's runs, the
    others skip it until the next loop.
    """
    with conn.transaction():
        if not scheduling.claim_dag(conn, dag.dag_id):
            return 0
        return _create_due_runs(conn, dag, active)


def _create_due_runs(conn: store.Connection, dag: DAG, active: int) -> int:
    now = utcnow()
    created = 0
    info = dag.next_dagrun_info(_last_info(conn, dag), now=now)
    while info is not None and info.is_due(now) and active + created < dag.max_active_runs:
        if not dagrun_model.find(conn, dag.dag_id, logical_date=info.logical_date):
            dagrun_model.create(
                conn,
                dag,
                logical_date=info.logical_date,
                data_interval=(info.data_interval_start, info.data_interval_end),
                run_type="scheduled",
            )
            created += 1
        # else: a manual run (or `dags test`) already covers this date; it stands for it.
        info = dag.next_dagrun_info(info, now=now)
    return created


class SchedulerJob:
    """The ``taskloom scheduler`` loop.

    :param dag_folder: where DAG files are (default: the configured DAG folder).
    :param executor: default: setting ``[core] executor``.
    :param num_runs: stop after this many loop iterations (``-1``: never).
    :param once: stop when every due run has finished.
    :param on_run_done: called with each run that finished (CLI output).
    """

    def __init__(
        self,
        dag_folder: Path | str | None = None,
        *,
        executor: BaseExecutor | None = None,
        num_runs: int = -1,
        once: bool = False,
        on_run_done: Callable[[RunState], None] | None = None,
    ) -> None:
        from taskloom.executors import load_executor

        self.dag_folder = dag_folder
        self.executor = executor or load_executor()
        self.num_runs = num_runs
        self.once = once
        self.on_run_done = on_run_done
        #: Seconds between DAG folder re-reads.
        self.parse_interval = configuration.get_int("scheduler", "dag_dir_list_interval", 30)
        #: Seconds the loop waits for the executor when there is nothing else to do.
        self.heartbeat = float(configuration.get("scheduler", "heartbeat_seconds", 0.2))
        self._processor: DagFileProcessorPool | None = None
        #: Run ids left to another live process (logged once each).
        self._left_alone: set[str] = set()

    def _load(self) -> DagBag:
        from taskloom.dag_processing import DagBag

        dagbag = DagBag(self.dag_folder, processor=self._processor)
        for path, error in dagbag.import_errors.items():
            log.error("DAG file %s could not be loaded:\n%s", path, error)
        return dagbag

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        raise _StopRequested(signum)

    def run(self) -> None:
        """Run the loop until ``num_runs``/``once`` say stop, or SIGTERM/SIGINT.

        A signal stops the scheduler at once, whatever it is doing: DAG file children and
        workers are killed, and the task instances they ran stay ``queued``/``running`` for
        the next scheduler to adopt (their processes are dead, so they are reset).
        """
        from taskloom.dag_file_processor import DagFileProcessorPool

        with scheduler_lock():
            handlers = {
                sig: signal.signal(sig, self._request_stop)
                for sig in (signal.SIGTERM, signal.SIGINT)
            }
            try:
                with DagFileProcessorPool() as self._processor:
                    self._run()
            except _StopRequested as stop:
                log.info("stopped by %s", signal.Signals(stop.args[0]).name)
            finally:
                for sig, previous in handlers.items():
                    signal.signal(sig, previous)
                self._processor = None

    def _run(self) -> None:
        conn = store.connect()
        dagbag = self._load()
        sync_dags(conn, dagbag)
        self.executor.dags.update(dagbag.dags)
        self.executor.start()
        self.job = Job("scheduler")
        log.info("scheduler job %s started on %s", self.job.id, store.configured_url())
        loop = DagRunLoop(conn, self.executor, on_run_done=self.on_run_done, job=self.job)
        iterations = 0
        last_parse = time.monotonic()
        last_plan = last_refresh = 0.0
        try:
            while True:
                if time.monotonic() - last_parse > self.parse_interval:
                    dagbag = self._load()
                    sync_dags(conn, dagbag)
                    self.executor.dags.update(dagbag.dags)
                    last_parse = time.monotonic()
                if time.monotonic() - last_plan >= self.heartbeat:
                    self._plan(conn, dagbag, loop)
                    last_plan = time.monotonic()
                if time.monotonic() - last_refresh >= _REFRESH_SECONDS:
                    loop.refresh()
                    last_refresh = time.monotonic()
                loop.step(timeout=self.heartbeat)
                iterations += 1
                if 0 < self.num_runs <= iterations:
                    break
                # --once: stop when nothing runs and planning finds nothing more to do,
                # or when what is left can never run (depends_on_past on a failed run).
                if (
                    self.once
                    and (loop.idle or loop.stuck_tasks())
                    and not self._plan(conn, dagbag, loop)
                ):
                    for run_id, task_id in loop.stuck_tasks():
                        log.error(
                            "task %s of run %s waits for its previous run, which did not succeed",
                            task_id,
                            run_id,
                        )
                    break
        except BaseException:
            log.info("stopping the workers")
            self.executor.end(terminate=True)
            self.job.close("failed")
            raise
        else:
            self.executor.end()
            self.job.close()
        finally:
            conn.close()

    def _take(
        self, loop: DagRunLoop, dag: DAG, run: DagRun, *, max_active_runs: int | None = None
    ) -> bool:
        """``loop.add_run``, unless another live scheduler drives or claims the run, or
        ``max_active_runs`` runs of the DAG already run (then: later)."""
        try:
            loop.add_run(dag, run, max_active_runs=max_active_runs)
        except RunOwnedElsewhereError as exc:
            if run.run_id not in self._left_alone:
                self._left_alone.add(run.run_id)
                log.info("leaving it alone: %s", exc)
            return False
        self._left_alone.discard(run.run_id)
        return True

    def _adopt(self, conn: store.Connection, dagbag: DagBag, loop: DagRunLoop) -> int:
        """Adopt the runs left ``running`` by a job that ended or stopped heartbeating (a
        scheduler that crashed, was killed, or lost its machine)."""
        adopted = 0
        for dag_id, run_id, driver in scheduling.running_runs_with_drivers(conn):
            dag = dagbag.dags.get(dag_id)
            if dag is None or (dag_id, run_id) in loop.runs or not is_dead(driver):
                continue
            adopted += self._take(loop, dag, dagrun_model.get(conn, dag_id, run_id))
        return adopted

    def _plan(self, conn: store.Connection, dagbag: DagBag, loop: DagRunLoop) -> int:
        """Adopt orphaned runs, create due runs and start queued ones; return how many runs
        were adopted, created or started."""
        changed = self._adopt(conn, dagbag, loop)
        paused = scheduling.paused_dag_ids(conn)
        active, running = scheduling.active_run_counts(conn)
        for dag in dagbag.dags.values():
            if dag.dag_id in paused or dag.schedule is None:
                continue
            try:
                changed += create_due_runs(conn, dag, active.get(dag.dag_id, 0))
            except Exception:
                # One DAG's broken schedule must not stop the others: log it and go on.
                log.exception("could not create the runs of DAG %s (%s)", dag.dag_id, dag.fileloc)
        for run in dagrun_model.find(conn, states=("queued",)):
            run_dag = dagbag.dags.get(run.dag_id)
            if run_dag is None or run.dag_id in paused or run.run_type == "backfill":
                continue
            if running.get(run.dag_id, 0) >= run_dag.max_active_runs:
                continue
            if self._take(loop, run_dag, run, max_active_runs=run_dag.max_active_runs):
                running[run.dag_id] = running.get(run.dag_id, 0) + 1
                changed += 1
        return changed
