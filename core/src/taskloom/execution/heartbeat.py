"""Heartbeats of the try a process runs, so a scheduler can tell a try whose process
vanished (``kill -9``, the out-of-memory killer, a machine that went away) from a slow one.

One daemon thread per process, with its own DB connection, records the current try's
heartbeat every ``[scheduler] task_heartbeat_sec`` seconds (default 5).  A try is
declared dead once it has not heartbeat for ``[scheduler] task_heartbeat_timeout``
seconds (default 60).  Starting a try records its first heartbeat, so a try shorter than
the interval costs no extra write.
"""

from __future__ import annotations

import logging
import os
import threading

from taskloom import configuration

log = logging.getLogger("taskloom.heartbeat")

_lock = threading.Lock()
_current: tuple[tuple[str, str, str], int] | None = None
_thread_pid: int | None = None


def _reset_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # a lock held by a parent's thread at fork time stays held


os.register_at_fork(after_in_child=_reset_after_fork)


def interval() -> float:
    """``[scheduler] task_heartbeat_sec``."""
    return float(configuration.get("scheduler", "task_heartbeat_sec", 5.0))


def timeout() -> float:
    """``[scheduler] task_heartbeat_timeout``: seconds without a heartbeat after which a
    running try counts as dead."""
    return float(configuration.get("scheduler", "task_heartbeat_timeout", 60.0))


def cutoff() -> str:
    """The oldest heartbeat a live try can have now, as stored."""
    from datetime import timedelta

    from taskloom.utils.dates import utcnow

    return (utcnow() - timedelta(seconds=timeout())).isoformat()


def try_is_dead(owner: str | None, last_heartbeat: str | None, oldest: str) -> bool:
    """Core's one rule for a running try: dead if it has not heartbeat since ``oldest``
    (:func:`cutoff`), or its process is gone from this host (:mod:`.liveness`)."""
    from taskloom.execution.liveness import is_known_dead

    return last_heartbeat is None or last_heartbeat < oldest or bool(owner and is_known_dead(owner))


def _beat() -> None:
    from taskloom import store
    from taskloom.store import tries

    conn = None
    every = interval()
    while True:
        threading.Event().wait(every)
        with _lock:
            current = _current
        if current is None:
            continue
        try:
            conn = conn or store.connect().for_background_thread()
            tries.heartbeat(conn, *current)
        except Exception as exc:  # noqa: BLE001 -- a missed beat is retried; the task goes on
            log.warning("could not record the heartbeat of %s: %s", current[0], exc)
            if conn is not None:
                conn.close()
            conn = None


def beat_for(key: tuple[str, str, str] | None, try_number: int = 0) -> None:
    """Heartbeat try ``try_number`` of task instance ``key`` from now on (``None``: stop)."""
    global _current, _thread_pid
    with _lock:
        _current = (key, try_number) if key is not None else None
        if key is not None and _thread_pid != os.getpid():  # none yet, or a fork's parent's
            _thread_pid = os.getpid()
            threading.Thread(target=_beat, name="taskloom-task-heartbeat", daemon=True).start()
