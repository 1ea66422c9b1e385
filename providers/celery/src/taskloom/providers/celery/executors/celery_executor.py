"""The ``celery`` executor: workloads go to Celery workers through a broker.

``queue()`` sends one message per workload to the queue of its task
(:func:`taskloom.executors.base.task_queue`: the operator's ``queue=``, its provider's
declared queue, else ``[celery] default_queue``); ``sync()`` reads the outcomes the workers
stored in the result backend, one ``MGET`` for everything in flight.

The metadata DB stays the truth (:mod:`taskloom.execution.remote`): every few seconds the
executor reads the task instances still in flight and reports

- a try that is dead by core's rule (no heartbeat within ``[scheduler]
  task_heartbeat_timeout``, or its process gone from this host: a worker ``kill -9``-ed
  mid-task) as died: the scheduler fails or retries it and runs its callbacks, as for
  the local executor;
- a try that ended without a result reaching the backend, with the outcome in the DB;
- a task still ``queued`` after ``min(visibility_timeout, queued_timeout / 2)``: sent again
  under the same id (the broker may have lost it; a worker runs one copy);
- a task still ``queued`` after ``[celery] queued_timeout`` (no worker serves its queue)
  as died with a message naming the queue; its message expires, so no worker runs it later.

A message's task id is derived from the task instance and its try number, so the workload
a restarted scheduler re-sends for an adopted ``queued`` task instance has the id of the
one already in the broker: whichever delivery comes first runs, the other is ignored by the
worker (the try only starts from ``queued``), and the result is found under that one id.
A message that cannot be published (broker down) stays here and is sent again on the next
``sync()``; nothing is dropped.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from taskloom.execution.task_runner import TaskRunResult
from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.executors.base import BaseExecutor
from taskloom.executors.base import task_queue
from taskloom.models.taskinstance import TaskInstanceKey
from taskloom.providers.celery.app import TASK_NAME
from taskloom.providers.celery.settings import CelerySettings
from taskloom.providers.celery.settings import redacted

if TYPE_CHECKING:
    from celery import Celery

    from taskloom import store

log = logging.getLogger("taskloom.executors.celery")

#: Workloads in flight when ``[core] parallelism`` is not set: the workers' concurrency,
#: not the scheduler's CPUs, bounds what runs at once.
DEFAULT_IN_FLIGHT = 512

#: Seconds between reads of the in-flight task instances in the metadata DB.
_DB_CHECK_SECONDS = 2.0

#: Seconds a try may have ended in the DB without its result in the backend before the
#: DB's outcome is reported (the worker stores the result right after the commit).
_RESULT_GRACE_SECONDS = 10.0

#: Seconds ``sync()`` sleeps between looks at the backend while it waits.
_POLL_SECONDS = 0.02

_NAMESPACE = uuid.UUID("5b0e7f3c-9d6c-4a5f-8a8e-3c1f0d6e2a11")


def message_id(key: TaskInstanceKey, try_number: int) -> str:
    """The Celery task id of the workload that starts try ``try_number + 1`` of ``key``."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join((*key, str(try_number)))))


@dataclass
class _InFlight:
    workload: Workload
    queue: str
    #: When the scheduler queued it (monotonic seconds).
    queued_at: float
    #: Celery task id, once published.
    message_id: str | None = None
    #: When it was last published (monotonic seconds).
    sent_at: float = 0.0
    #: A worker took it (the task instance left ``queued``).
    started: bool = False
    #: When the DB was first seen holding an outcome with no result in the backend.
    ended_without_result_at: float | None = None


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """What the broker or result backend raise while they are down or restarting."""
    from celery.exceptions import BackendError
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    return (OperationalError, BackendError, RedisError, OSError)


def _result(payload: Any) -> TaskRunResult:
    next_try = payload.get("next_try_at")
    return TaskRunResult(
        payload["state"],
        int(payload["try_number"]),
        list(payload.get("skipped", [])),
        next_try_at=datetime.fromisoformat(next_try) if next_try else None,
        error=payload.get("error"),
    )


class CeleryExecutor(BaseExecutor):
    """Run workloads on Celery workers (``taskloom celery worker``); see the module docstring."""

    def __init__(self, parallelism: int | None = None) -> None:
        super().__init__(parallelism or DEFAULT_IN_FLIGHT)
        #: The ``[celery]`` settings, read when the executor is made.
        self.settings = CelerySettings.from_config()
        self._app: Celery | None = None
        self._conn: store.Connection | None = None
        self._flights: dict[TaskInstanceKey, _InFlight] = {}
        #: Queued, not yet published (published on the next ``sync()``).
        self._unsent: deque[TaskInstanceKey] = deque()
        self._last_db_check = 0.0
        self._broker_down_logged = False
        self._backend_down_logged = False

    @property
    def app(self) -> Celery:
        """The Celery app (made by :meth:`start`)."""
        if self._app is None:
            from taskloom.providers.celery.app import create_app

            self._app = create_app(self.settings)
        return self._app

    def start(self) -> None:
        """Make the Celery app; the broker is contacted on the first publish."""
        log.info(
            "celery executor: broker %s, results %s, default queue %r",
            redacted(self.settings.broker_url),
            redacted(self.settings.result_backend),
            self.settings.default_queue,
        )
        _ = self.app

    def queue(self, workload: Workload) -> None:
        """Accept a workload; it is published to its task's queue on the next :meth:`sync`."""
        task = self.dags[workload.dag_id].task_dict[workload.task_id]
        key = workload.key
        self.running[key] = workload
        self._flights[key] = _InFlight(
            workload, task_queue(task, self.settings.default_queue), time.monotonic()
        )
        self._unsent.append(key)

    def sync(self, timeout: float = 0.0) -> list[Event]:
        """Publish what is queued, then return the workloads that ended (waiting up to ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            self._publish()
            events = self._poll()
            if time.monotonic() - self._last_db_check >= self._db_check_seconds:
                events.extend(self._check_db())
            remaining = deadline - time.monotonic()
            if events or remaining <= 0 or not self._flights:
                return events
            time.sleep(min(_POLL_SECONDS, remaining))

    @property
    def _db_check_seconds(self) -> float:
        return min(_DB_CHECK_SECONDS, self.settings.queued_timeout / 4)

    # --- publishing ------------------------------------------------------------------------

    def _publish(self) -> None:
        if not self._unsent:
            return
        from taskloom.execution.remote import task_statuses

        keys = [key for key in self._unsent if key in self._flights]
        statuses = task_statuses(self._db(), keys)
        while self._unsent:
            key = self._unsent[0]
            flight = self._flights.get(key)
            status = statuses.get(key)
            if flight is None or status is None:
                self._unsent.popleft()
                continue
            flight.message_id = message_id(key, status.try_number)
            w = flight.workload
            # Expires when the queued timeout fails it, so no worker runs it afterwards.
            expires = self.settings.queued_timeout - (time.monotonic() - flight.queued_at)
            try:
                self.app.send_task(
                    TASK_NAME,
                    args=[w.dag_id, w.run_id, w.task_id, w.fileloc],
                    task_id=flight.message_id,
                    queue=flight.queue,
                    expires=max(expires, 1.0),
                    retry=False,
                )
            except _unreachable_errors() as exc:
                if not self._broker_down_logged:
                    log.warning(
                        "cannot reach the broker %s (%s); %d workload(s) wait here and are "
                        "sent when it answers",
                        redacted(self.settings.broker_url),
                        exc,
                        len(self._unsent),
                    )
                    self._broker_down_logged = True
                return
            self._broker_down_logged = False
            flight.sent_at = time.monotonic()
            self._unsent.popleft()

    # --- outcomes --------------------------------------------------------------------------

    def _metas(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored state of each message id that has one."""
        from celery.backends.base import KeyValueStoreBackend

        backend = self.app.backend
        if isinstance(backend, KeyValueStoreBackend):
            values = backend.mget([backend.get_key_for_task(i) for i in ids])
            return {
                i: backend.decode_result(value)
                for i, value in zip(ids, values, strict=True)
                if value is not None
            }
        metas = {i: backend.get_task_meta(i) for i in ids}
        return {i: meta for i, meta in metas.items() if meta.get("status") != "PENDING"}

    def _poll(self) -> list[Event]:
        published = {f.message_id: key for key, f in self._flights.items() if f.message_id}
        if not published:
            return []
        try:
            metas = self._metas(list(published))
        except _unreachable_errors() as exc:
            if not self._backend_down_logged:  # once per outage, not once per poll
                log.warning(
                    "cannot read results from %s (%s); trying again until it answers",
                    redacted(self.settings.result_backend),
                    exc,
                )
                self._backend_down_logged = True
            return []
        self._backend_down_logged = False
        events = []
        consumed: list[str] = []
        for mid, meta in metas.items():
            key = published[mid]
            status = meta.get("status")
            if status == "SUCCESS":
                events.append(Event(key, _result(meta["result"])))
            elif status == "FAILURE":
                events.append(Event(key, None, self._failure_text(meta.get("result"))))
            elif status == "REVOKED":
                events.append(Event(key, None, self._not_taken_text(self._flights[key])))
            else:
                continue
            self._finish(key)
            consumed.append(mid)
        self._forget(consumed)
        return events

    def _forget(self, messages: list[str]) -> None:
        """Drop consumed results (a reschedule's next poke reuses the message id)."""
        if not messages:
            return
        backend = self.app.backend
        try:
            client = getattr(backend, "client", None)
            if client is not None:  # Redis: one DEL for all of them
                client.delete(*(backend.get_key_for_task(m) for m in messages))
            else:
                for message in messages:
                    backend.forget(message)
        except _unreachable_errors() as exc:
            # They expire after result_expires; the scheduler keeps the DB's state for a try
            # that is no longer queued or running, should a poke find an old one.
            log.warning("cannot forget %d result(s): %s", len(messages), exc)

    @staticmethod
    def _failure_text(exc: Any) -> str:
        name = type(exc).__name__
        if name == "WorkerLostError":
            return f"the Celery worker process running it was lost ({exc})"
        return f"could not start on the Celery worker: {name}: {exc}"

    def _not_taken_text(self, flight: _InFlight) -> str:
        return (
            f"no Celery worker took it from queue {flight.queue!r} within [celery] queued_timeout "
            f"({self.settings.queued_timeout:g} s); start one that serves it: "
            f"taskloom celery worker --queues {flight.queue}"
        )

    def _finish(self, key: TaskInstanceKey) -> None:
        self._flights.pop(key, None)
        self.running.pop(key, None)

    # --- the metadata DB's view ------------------------------------------------------------

    def _db(self) -> store.Connection:
        if self._conn is None:
            from taskloom import store

            self._conn = store.connect()
        return self._conn

    def _check_db(self) -> list[Event]:
        from taskloom.execution.remote import task_statuses

        now = time.monotonic()
        self._last_db_check = now
        if not self._flights:
            return []
        statuses = task_statuses(self._db(), self._flights)
        events = []
        resent = 0
        for key, flight in list(self._flights.items()):
            status = statuses.get(key)
            if status is None:
                continue
            if status.state != "queued":
                flight.started = True
            if status.dead:
                events.append(
                    Event(
                        key,
                        None,
                        "its process on a Celery worker died or stopped heartbeating "
                        "(killed, out of memory, or its machine went away)",
                    )
                )
            elif status.ended:
                if flight.ended_without_result_at is None:
                    flight.ended_without_result_at = now
                    continue
                if now - flight.ended_without_result_at < _RESULT_GRACE_SECONDS:
                    continue
                events.append(Event(key, status.as_result()))
            elif status.state != "queued" or flight.started or flight.message_id is None:
                continue
            elif now - flight.sent_at > self._resend_seconds and (
                now - flight.queued_at < self.settings.queued_timeout
            ):
                # Still waiting: the broker may have lost the message (Redis pops a message
                # before the worker records it as taken, so a broker killed in between loses
                # it). Send it again under the same id: if the first copy is still there, a
                # worker runs whichever comes first and ignores the other.
                self._unsent.append(key)
                resent += 1
                continue
            elif now - flight.queued_at > self.settings.queued_timeout:
                # The message expires on its own (it was sent with expires=queued_timeout);
                # the revoke tells workers that are up now, best effort.
                if flight.message_id is not None:
                    with contextlib.suppress(*_unreachable_errors()):
                        self.app.control.revoke(flight.message_id)
                events.append(Event(key, None, self._not_taken_text(flight)))
            else:
                continue
            if flight.message_id is not None:
                self._forget([flight.message_id])
            self._finish(key)
        if resent:
            log.info(
                "sending %d workload(s) again that no worker started within %g s",
                resent,
                self._resend_seconds,
            )
        return events

    @property
    def _resend_seconds(self) -> float:
        """How long a queued workload waits before it is sent again (see :meth:`_check_db`)."""
        return min(self.settings.visibility_timeout, self.settings.queued_timeout / 2)

    def terminate(self, key: TaskInstanceKey, reason: str) -> None:
        """Stop tracking ``key`` (its run timed out; the scheduler recorded the outcome) and
        revoke its message, so a worker that has not started it does not. A try already
        running on a worker runs on and cannot record an outcome (its start is fenced)."""
        flight = self._flights.pop(key, None)
        self.running.pop(key, None)
        if flight is not None and flight.message_id is not None:
            with contextlib.suppress(*_unreachable_errors()):
                self.app.control.revoke(flight.message_id)

    def end(self, terminate: bool = False) -> None:
        """Stop tracking. Tasks on the workers run on; the next scheduler adopts their runs."""
        self._flights.clear()
        self._unsent.clear()
        self.running.clear()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._app is not None:
            self._app.close()
            self._app = None
