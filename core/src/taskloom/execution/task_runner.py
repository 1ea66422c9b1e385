"""The task runner: run one try of one task instance and record its outcome.

The runner owns a task instance while it runs: it marks it ``running`` (one commit),
runs the operator with its log file, retries, timeout and callbacks, then writes the
final state and the return value's XCom in one commit.  Executors call it in-process
(``sequential``) or in a worker process (``local``); either way the outcome is in the
metadata DB before the executor reports the task finished, so killing the scheduler
afterwards loses nothing.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import signal
import socket
import traceback
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from taskloom import store
from taskloom.exceptions import TaskloomError
from taskloom.exceptions import TaskloomFailException
from taskloom.exceptions import TaskloomRescheduleException
from taskloom.exceptions import TaskloomSkipException
from taskloom.exceptions import TaskloomTaskTimeout
from taskloom.execution import heartbeat
from taskloom.execution.context import build_context
from taskloom.execution.liveness import current_owner
from taskloom.models import xcom
from taskloom.models.taskinstance import TaskInstance
from taskloom.store import tries
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow
from taskloom.utils.log import TaskLogWriter
from taskloom.utils.log import redact

if TYPE_CHECKING:
    from taskloom.models.baseoperator import BaseOperator
    from taskloom.models.dagrun import DagRun

_HOSTNAME = socket.gethostname()


@dataclass
class TaskRunResult:
    """What one try ended in, as reported back to the scheduler."""

    state: str
    try_number: int
    #: Other tasks of the run this task skipped (branching), so the scheduler can
    #: propagate the skips without re-reading the run.
    skipped: list[str] = field(default_factory=list)
    #: When an ``up_for_retry``/``up_for_reschedule`` task may run again.
    next_try_at: datetime | None = None
    #: One-paragraph description of the failure (redacted), for the CLI.
    error: str | None = None


@contextlib.contextmanager
def _timeout(limit: timedelta | None, task_id: str) -> Iterator[None]:
    """Raise :class:`TaskloomTaskTimeout` in the task after ``limit`` (SIGALRM, main thread only)."""
    seconds = limit.total_seconds() if limit is not None else 0
    usable = seconds > 0 and hasattr(signal, "setitimer")
    if usable:
        import threading

        usable = threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise TaskloomTaskTimeout(
            f"task {task_id!r} ran longer than its execution_timeout ({limit})"
        )

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _deprecations_shown() -> Iterator[None]:
    """Show deprecation warnings in the task log (1.x context keys...) unless the process
    already decided what to do with them (``-W error::DeprecationWarning``, pytest)."""
    with warnings.catch_warnings():
        for index, (action, message, category, module, _) in enumerate(warnings.filters):
            if issubclass(DeprecationWarning, category) and message is None and module is None:
                if action == "ignore":
                    filters = cast("list[Any]", warnings.filters)
                    filters.insert(index, ("default", None, DeprecationWarning, None, 0))
                break
        yield


def provider_report_line(exc: BaseException) -> str | None:
    """The provider feedback line for ``exc`` (which provider, version, issue tracker), or ``None``."""
    try:
        from taskloom.providers_manager import issue_report_line

        return issue_report_line(exc)
    except Exception:  # noqa: BLE001 -- a pointer must never hide the task's own failure
        return None


def _call_callbacks(
    callbacks: Callable[..., Any] | list[Callable[..., Any]] | None,
    context: dict[str, Any],
    log: logging.Logger,
    kind: str,
) -> None:
    if not callbacks:
        return
    for callback in callbacks if isinstance(callbacks, list | tuple) else [callbacks]:
        try:
            callback(context)
        except Exception:  # noqa: BLE001 -- a broken callback is logged, never crashes the runner
            log.error("%s %r failed:\n%s", kind, callback, redact(traceback.format_exc()))


def _send_email(task: BaseOperator, subject: str, body: str, log: logging.Logger) -> None:
    try:
        from taskloom.utils.email import send_email

        send_email(task.email, subject, body)
    except Exception:  # noqa: BLE001 -- a mail server being down must not change the task's state
        log.error("could not send the %r mail:\n%s", subject, redact(traceback.format_exc()))


class TryTakenError(TaskloomError):
    """Another process runs this task instance, or it already finished: this try must not start."""


def start_try(conn: store.Connection, ti: TaskInstance, *, fenced: bool = True) -> None:
    """Mark the task instance ``running`` as a new try, clear its old XComs and start
    heartbeating it.

    The start is one statement, committed on its own: a transaction around it would hold
    SQLite's write lock across round trips, and task processes and the scheduler queue
    up on that lock (a 10,000-task run on two workers spent a fifth of its time there).

    :param fenced: refuse (:class:`TryTakenError`) unless the task instance waits to run
        (a second delivery of the same workload never starts a second try); ``tasks test``
        runs whatever the state.
    """
    now = utcnow()
    key = (ti.dag_id, ti.run_id, ti.task_id)
    row = tries.start(
        conn, key, hostname=_HOSTNAME, pid=os.getpid(), owner=current_owner(), fenced=fenced
    )
    if row is None:
        found = tries.current(conn, key)
        raise TryTakenError(
            f"task {ti.task_id} of run {ti.run_id} of {ti.dag_id} is "
            f"{found[0] if found else 'gone'}"
            + (f" (owner {found[2]})" if found and found[2] else "")
            + "; this workload does not start it again"
        )
    if row[0] > 1:
        # A retry or a cleared task: drop what earlier tries pushed.  The try is this
        # process's already (fenced), so nothing else writes them in between; should the
        # process die here, the next try clears them.
        xcom.clear(conn, ti.dag_id, ti.run_id, ti.task_id)
    ti.state, ti.start_date, ti.end_date = "running", now, None
    ti.try_number, ti.max_tries = int(row[0]), int(row[1])
    ti.first_attempt_started_at = to_utc(datetime.fromisoformat(row[2]))
    heartbeat.beat_for(key, ti.try_number)


def finish_try(
    conn: store.Connection,
    ti: TaskInstance,
    state: str,
    *,
    next_try_at: datetime | None = None,
    return_value: Any = None,
    push: bool = False,
) -> None:
    """Record the outcome of a try, and its return value's XCom with it in one transaction
    (without an XCom the outcome is one statement, committed on its own: see
    :func:`start_try`).

    :raises TryTakenError: if the try is no longer this process's (a scheduler declared it
        dead after its heartbeat stopped, and it was retried or cleared): nothing is written.
    """
    heartbeat.beat_for(None)
    now = utcnow()
    duration = (now - ti.start_date).total_seconds() if ti.start_date else None
    # A reschedule is not a try: give the number back so the next poke reuses it.
    try_number = ti.try_number - 1 if state == "up_for_reschedule" else ti.try_number
    with conn.transaction() if push else contextlib.nullcontext(conn):
        if push:
            xcom.push(conn, ti.dag_id, ti.run_id, ti.task_id, xcom.XCOM_RETURN_KEY, return_value)
        if not tries.finish(
            conn,
            (ti.dag_id, ti.run_id, ti.task_id),
            state=state,
            end_date=now.isoformat(),
            duration=duration,
            next_try_at=next_try_at.isoformat() if next_try_at else None,
            try_number=try_number,
            started_try=ti.try_number,
            owner=current_owner(),
        ):
            raise TryTakenError(
                f"try {ti.try_number} of task {ti.task_id} of run {ti.run_id} was declared dead "
                f"meanwhile (no heartbeat); its outcome ({state}) is discarded"
            )
    ti.state, ti.end_date, ti.next_try_at = state, now, next_try_at


def run_task(
    conn: store.Connection, task: BaseOperator, dag_run: DagRun, *, test_mode: bool = False
) -> TaskRunResult:
    """Run one try of ``task`` in ``dag_run`` and record it; never raises for task errors.

    A log file that cannot be written (disk full, a folder that cannot be created) fails
    this try with the reason; it never reaches the scheduler as an exception.

    :returns: the outcome, already committed to the metadata DB.
    """
    ti = TaskInstance(dag_run.dag_id, dag_run.run_id, task.task_id, conn=conn)
    try:
        start_try(conn, ti, fenced=not test_mode)
    except TryTakenError as exc:
        # Not a failure of the task: another process runs (or ran) this try.
        logging.getLogger("taskloom.task").info("%s", exc)
        return TaskRunResult("running", ti.try_number, error=str(exc))
    ti.task, ti.dag_run = task, dag_run
    try:
        writer = TaskLogWriter(ti.dag_id, ti.run_id, ti.task_id, ti.try_number)
    except OSError as exc:
        return _fail_without_log(conn, ti, task, exc)
    ti.log = writer.logger
    try:
        return _run(conn, ti, task, dag_run, writer, test_mode)
    except TryTakenError as exc:
        # Declared dead while it ran (its heartbeat stopped too long): what the DB says now
        # stands, this try's outcome does not.
        writer.logger.error("%s", exc)
        found = tries.current(conn, (ti.dag_id, ti.run_id, ti.task_id))
        state = str(found[0]) if found and found[0] else "failed"
        return TaskRunResult(state, ti.try_number, error=str(exc))
    finally:
        heartbeat.beat_for(None)
        writer.close()


def _run(
    conn: store.Connection,
    ti: TaskInstance,
    task: BaseOperator,
    dag_run: DagRun,
    writer: TaskLogWriter,
    test_mode: bool,
) -> TaskRunResult:
    log = writer.logger
    log.info("Running %s, try %d of %d", ti, ti.try_number, ti.max_tries + 1)
    context: dict[str, Any] = {}
    try:
        context = build_context(ti, task, dag_run, test_mode=test_mode)
        with _timeout(getattr(task, "execution_timeout", None), task.task_id):
            stream = writer.stream()
            with (
                contextlib.redirect_stdout(stream),
                contextlib.redirect_stderr(writer.stream(logging.WARNING)),
                writer.capture_logging(),
                _deprecations_shown(),
            ):
                task.render_template_fields(context)
                result = task.execute(context)
            stream.flush()
    except TaskloomSkipException as exc:
        log.info("Skipped: %s", redact(str(exc)) or type(exc).__name__)
        finish_try(conn, ti, "skipped")
        return TaskRunResult("skipped", ti.try_number, ti.skipped_task_ids)
    except TaskloomRescheduleException as exc:
        when = to_utc(exc.reschedule_date)
        log.info("Rescheduled: the task runs again at %s", when.isoformat())
        finish_try(conn, ti, "up_for_reschedule", next_try_at=when)
        return TaskRunResult(
            "up_for_reschedule", ti.try_number, ti.skipped_task_ids, next_try_at=when
        )
    except (Exception, SystemExit) as exc:  # noqa: BLE001 -- every task error is recorded
        return _handle_failure(conn, ti, task, context, writer, exc)
    except KeyboardInterrupt as exc:
        _handle_failure(conn, ti, task, context, writer, exc)
        raise
    push = result is not None and getattr(task, "do_xcom_push", True)
    try:
        finish_try(conn, ti, "success", return_value=result, push=push)
    except TypeError as exc:  # the return value is not JSON-serializable
        return _handle_failure(conn, ti, task, context, writer, exc)
    log.info("Marked %s as success", ti.task_id)
    _call_callbacks(getattr(task, "on_success_callback", None), context, log, "on_success_callback")
    return TaskRunResult("success", ti.try_number, ti.skipped_task_ids)


def _fail_without_log(
    conn: store.Connection, ti: TaskInstance, task: BaseOperator, exc: OSError
) -> TaskRunResult:
    """Fail (or retry) a try whose log file cannot be written; the reason goes to the
    scheduler's log and the CLI, since the task has no log of its own."""
    reason = (
        f"cannot write the log file of task {ti.task_id!r} ({exc.strerror or exc}: "
        f"{exc.filename}); free space or fix the permissions of the log folder"
    )
    retry = ti.try_number <= ti.max_tries
    next_try_at = utcnow() + task.retry_delay_for(ti.try_number) if retry else None
    state = "up_for_retry" if retry else "failed"
    finish_try(conn, ti, state, next_try_at=next_try_at)
    logging.getLogger("taskloom.task").error("%s; marked %s", reason, state)
    return TaskRunResult(state, ti.try_number, next_try_at=next_try_at, error=reason)


def call_killed_try_callbacks(
    conn: store.Connection,
    task: BaseOperator,
    dag_run: DagRun,
    *,
    try_number: int,
    state: str,
    reason: str,
    writer: TaskLogWriter,
) -> None:
    """Run the retry or failure callback of a try whose process died without a word.

    The scheduler (the process that saw the death) calls it, with
    :class:`~taskloom.exceptions.TaskProcessDiedError` as the context's ``exception``:
    the same callbacks and mails a task that raised gets.
    """
    from taskloom.exceptions import TaskProcessDiedError

    ti = TaskInstance(
        dag_run.dag_id, dag_run.run_id, task.task_id, state=state, try_number=try_number, conn=conn
    )
    ti.task, ti.dag_run, ti.log = task, dag_run, writer.logger
    exc = TaskProcessDiedError(f"the process running task {task.task_id!r} died: {reason}")
    try:
        context = build_context(ti, task, dag_run)
    except Exception:  # noqa: BLE001 -- a context that cannot be built must not stop the scheduler
        writer.logger.error(
            "could not build the callback context:\n%s", redact(traceback.format_exc())
        )
        return
    retry = state == "up_for_retry"
    kind = "on_retry_callback" if retry else "on_failure_callback"
    _call_callbacks(getattr(task, kind, None), dict(context, exception=exc), writer.logger, kind)
    if getattr(task, "email", None) and getattr(
        task, "email_on_retry" if retry else "email_on_failure", True
    ):
        _send_email(
            task,
            f"taskloom {'retry' if retry else 'failure'}: {ti.dag_id}.{ti.task_id} {ti.run_id} try {try_number}",
            f"<p>Task <b>{ti.dag_id}.{ti.task_id}</b> of run {ti.run_id}: "
            f"<pre>{html.escape(str(exc))}</pre><p>Log: {writer.path}</p>",
            writer.logger,
        )


def _handle_failure(
    conn: store.Connection,
    ti: TaskInstance,
    task: BaseOperator,
    context: dict[str, Any],
    writer: TaskLogWriter,
    exc: BaseException,
) -> TaskRunResult:
    log = writer.logger
    text = redact("".join(traceback.format_exception(exc)))
    writer.write_raw(text)
    retry = not isinstance(exc, TaskloomFailException) and ti.try_number <= ti.max_tries
    next_try_at = utcnow() + task.retry_delay_for(ti.try_number) if retry else None
    state = "up_for_retry" if retry else "failed"
    finish_try(conn, ti, state, next_try_at=next_try_at)
    if retry:
        log.info(
            "Marked %s as up_for_retry; try %d at %s",
            ti.task_id,
            ti.try_number + 1,
            next_try_at.isoformat() if next_try_at else "",
        )
    else:
        log.error("Marked %s as failed", ti.task_id)
    context = dict(context, exception=exc)
    if retry:
        _call_callbacks(getattr(task, "on_retry_callback", None), context, log, "on_retry_callback")
    else:
        _call_callbacks(
            getattr(task, "on_failure_callback", None), context, log, "on_failure_callback"
        )
    if getattr(task, "email", None) and getattr(
        task, "email_on_retry" if retry else "email_on_failure", True
    ):
        kind = "retry" if retry else "failure"
        _send_email(
            task,
            f"taskloom {kind}: {ti.dag_id}.{ti.task_id} {ti.run_id} try {ti.try_number}",
            f"<p>Task <b>{ti.dag_id}.{ti.task_id}</b> of run {ti.run_id} {'will be retried' if retry else 'failed'}.</p>"
            f"<pre>{html.escape(redact(f'{type(exc).__name__}: {exc}'))}</pre><p>Log: {writer.path}</p>",
            log,
        )
    summary = redact(f"{type(exc).__name__}: {exc}")
    pointer = provider_report_line(exc)
    if pointer:
        writer.write_raw(pointer)
        summary += "\n" + pointer
    return TaskRunResult(
        state, ti.try_number, ti.skipped_task_ids, next_try_at=next_try_at, error=summary
    )
