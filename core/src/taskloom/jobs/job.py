"""A process that drives DAG runs, registered in the ``job`` table and heartbeating.

Schedulers, ``dags backfill`` and ``dags test`` each run as a job.  A DAG run records the
job that drives it; another scheduler adopts the run only once that job has ended or has
not heartbeat for ``[scheduler] scheduler_health_check_threshold`` seconds (default 30).
The heartbeat comes from a thread with its own DB connection, so a long task run in the
driving process itself never makes its job look dead.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from taskloom import configuration
from taskloom import store
from taskloom.store import jobs as job_store
from taskloom.store.jobs import JobRow

log = logging.getLogger("taskloom.jobs")


def heartbeat_seconds() -> float:
    """``[scheduler] job_heartbeat_sec``: seconds between a job's heartbeats (default 5)."""
    return float(configuration.get("scheduler", "job_heartbeat_sec", 5.0))


def health_threshold() -> float:
    """``[scheduler] scheduler_health_check_threshold``: seconds without a heartbeat after
    which a job counts as dead (default 30)."""
    return float(configuration.get("scheduler", "scheduler_health_check_threshold", 30.0))


def is_dead(job: JobRow | None) -> bool:
    """Whether a run driven by ``job`` may be adopted: no job, a job that ended, one that
    has not heartbeat within :func:`health_threshold`, or one whose process is gone from
    this host (then at once, without waiting for the threshold)."""
    from taskloom.execution.liveness import is_known_dead

    if job is None or job.state != "running":
        return True
    if job.latest_heartbeat < job_store.cutoff(health_threshold()):
        return True
    return is_known_dead(f"{job.hostname}:{job.pid}:?")  # start time unknown: the PID decides


class Job:
    """Register a job of ``job_type`` and heartbeat until :meth:`close` (or the ``with`` block's end)."""

    def __init__(self, job_type: str) -> None:
        self.job_type = job_type
        self._stop = threading.Event()
        conn = store.connect()
        try:
            self.id = job_store.start(conn, job_type)
        finally:
            conn.close()
        self._thread = threading.Thread(
            target=self._beat, name=f"taskloom-{job_type}-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        interval = heartbeat_seconds()
        conn = store.connect().for_background_thread()
        try:
            while not self._stop.wait(interval):
                try:
                    job_store.heartbeat(conn, self.id)
                except Exception as exc:  # noqa: BLE001 -- a missed beat is retried, never fatal
                    log.warning("job %s could not heartbeat: %s", self.id, exc)
        finally:
            conn.close()

    def close(self, state: str = "success") -> None:
        """Stop heartbeating and record the job as ended (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join()
        conn = store.connect()
        try:
            job_store.end(conn, self.id, state)
        finally:
            conn.close()

    def __enter__(self) -> Job:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close("success" if exc_type is None else "failed")
