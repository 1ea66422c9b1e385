"""Import DAG files first in child processes, where they cannot hurt the process that reads them.

A DAG file is Python: at import it can call ``os._exit()``, loop forever, crash the
interpreter or exhaust memory.  :class:`DagFileProcessorPool` keeps a few long-lived
child processes (reused from file to file, as Airflow's DAG file processors are) that
import each file once under ``[core] dagbag_import_timeout`` (seconds, default 30).  A file
that exits, hangs past the timeout or kills its child becomes an import error with that
reason, the child is replaced, and the caller imports only the files that passed.

A file that passed and has not changed since (same size, modification time and inode)
is not checked again, in this process or a later one: the verdicts are kept in the
taskloom home (:mod:`taskloom.dag_file_verdicts`), so the scheduler's re-reads of its
folder and a CLI command on unchanged files cost what they did before the pool existed;
a new or changed file goes through a child first.  What this does not contain: a file
whose import passed in the child and then behaves differently in the caller (it depends
on the time, the network, a random draw, a helper module edited since) runs there
unguarded.  Import tracebacks are masked (:mod:`taskloom.utils.secrets_masker`) in the child that produced
them, where the secrets the file read are registered.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom import configuration
from taskloom.dag_file_verdicts import PassedFiles
from taskloom.dag_file_verdicts import stamp

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

#: Default of ``[core] dagbag_import_timeout``, in seconds (Airflow's default too).
DEFAULT_IMPORT_TIMEOUT = 30.0
#: Files queued in one child's pipe at once (so it never waits for the parent).
_QUEUED = 3
#: Seconds a child waits for a file before checking that its parent is still alive.
_PARENT_CHECK_SECONDS = 1.0


def import_timeout() -> float:
    """``[core] dagbag_import_timeout``: seconds one DAG file may take to import."""
    value = configuration.get("core", "dagbag_import_timeout", DEFAULT_IMPORT_TIMEOUT)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if seconds <= 0:
        from taskloom.exceptions import ConfigurationError

        raise ConfigurationError(
            f"setting [core] dagbag_import_timeout must be a positive number of seconds, got "
            f"{value!r}; fix TASKLOOM__CORE__DAGBAG_IMPORT_TIMEOUT or {configuration.CONFIG_FILE_NAME}."
        )
    return seconds


def _child_main(channel: Connection, parent_pid: int) -> None:
    """Body of a child: import the files sent on ``channel``, answer with the error or ``None``."""
    from taskloom.dag_processing import DagBag
    from taskloom.dag_processing import module_name_for

    # Ctrl-C reaches the whole process group: the parent decides when children stop.  The
    # parent's own SIGTERM handler (the scheduler's) must not run here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        if not channel.poll(_PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                return
            continue
        try:
            path = channel.recv()
        except EOFError:
            return
        if path is None:
            return
        bag = DagBag(Path(path))
        channel.send(bag.import_errors.get(path))
        # The parent imports the file again; drop this copy so memory does not grow.
        sys.modules.pop(module_name_for(Path(path)), None)


def _child(channel: Connection, parent_pid: int) -> None:
    try:
        _child_main(channel, parent_pid)
    finally:
        # Skip interpreter teardown: finalizers of objects inherited from the parent (its
        # DB connection) must not run here.
        os._exit(0)


@dataclass(slots=True)
class _Child:
    process: BaseProcess
    channel: Connection
    #: Files sent and not answered yet; the first is being imported.
    paths: deque[str] = field(default_factory=deque)
    #: When the first of :attr:`paths` times out.
    deadline: float = 0.0


def _death_reason(path: str, exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return (
            f"importing {path} killed the Python process with {name}{hint}; "
            "fix the file's top-level code (run it with `python FILE` to see where)"
        )
    return (
        f"importing {path} ended the Python process (exit status {exitcode}) before it finished; "
        "a DAG file must not call os._exit() at import"
    )


class DagFileProcessorPool:
    """Child processes that import DAG files first, each under the import timeout.

    Children are forked from this process (as the local executor's workers are): they
    start in milliseconds with taskloom already imported, and never re-run the caller's
    main script.

    :param size: how many children import files at once (default ``[scheduler]
        parsing_processes``, 2).
    :param timeout: seconds per file (default :func:`import_timeout`).
    :param passed: the files known to pass (default: those kept in the taskloom home for
        this interpreter and timeout, :meth:`PassedFiles.for_environment`).
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        timeout: float | None = None,
        passed: PassedFiles | None = None,
    ) -> None:
        #: Most children alive at once.
        self.size = max(1, size or configuration.get_int("scheduler", "parsing_processes", 2))
        #: Seconds one file may take.
        self.timeout = timeout if timeout is not None else import_timeout()
        self._idle: list[_Child] = []
        #: The files that passed, as they were then (kept between processes).
        self._passed = passed if passed is not None else PassedFiles.for_environment(self.timeout)

    def __enter__(self) -> DagFileProcessorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Child:
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_child, args=(theirs, os.getpid()), name="taskloom-dag-processor"
        )
        process.start()
        theirs.close()
        return _Child(process, ours)

    def check(self, paths: Sequence[Path | str]) -> dict[str, str]:
        """Import each file once in a child; return ``{path: reason}`` for those that failed."""
        return {path: error for path, error in self.checked(paths) if error is not None}

    def checked(self, paths: Sequence[Path | str]) -> Iterator[tuple[str, str | None]]:
        """Import each file once in a child; yield ``(path, reason or None)`` in the order of
        ``paths``, each as soon as it is known, so the caller imports file *k* while the
        children check the next ones.  Each child has up to :data:`_QUEUED` files in its pipe."""
        order = [str(p) for p in paths]
        stamps = {path: stamp(path) for path in order}
        # A file that passed and has not changed since is not checked again.
        results: dict[str, str | None] = {
            path: None for path in order if self._passed.passed(path, stamps[path])
        }
        pending = deque(path for path in order if path not in results)
        busy: list[_Child] = []
        next_index = 0
        try:
            while next_index < len(order):
                self._feed(pending, busy)
                if order[next_index] not in results:
                    self._collect(busy, pending, results)
                while next_index < len(order) and order[next_index] in results:
                    path = order[next_index]
                    next_index += 1
                    error = results.pop(path)
                    self._passed.record(path, stamps[path], error is None)
                    yield path, error
            self._passed.save()
        finally:
            # Interrupted (SIGTERM, Ctrl-C, the caller stopped early): stop busy children.
            for child in busy:
                self._discard(child)

    def _feed(self, pending: deque[str], busy: list[_Child]) -> None:
        """Hand pending files to children, starting children up to :attr:`size`."""
        for child in busy:
            while pending and len(child.paths) < _QUEUED:
                self._send(child, pending.popleft())
        while pending and len(busy) < self.size:
            child = self._idle.pop() if self._idle else self._spawn()
            busy.append(child)
            while pending and len(child.paths) < _QUEUED:
                self._send(child, pending.popleft())

    def _send(self, child: _Child, path: str) -> None:
        if not child.paths:
            child.deadline = time.monotonic() + self.timeout
        child.paths.append(path)
        child.channel.send(path)

    def _collect(
        self, busy: list[_Child], pending: deque[str], results: dict[str, str | None]
    ) -> None:
        """Wait for the next answers, deaths or timeouts, and record them."""
        wait_for = max(0.0, min(c.deadline for c in busy) - time.monotonic())
        ready = wait([c.channel for c in busy] + [c.process.sentinel for c in busy], wait_for)
        for child in list(busy):
            path = child.paths[0]
            failure = None
            if child.channel in ready:
                try:
                    results[path] = child.channel.recv()
                except (EOFError, OSError):  # the child died
                    failure = _death_reason(path, self._exit_status(child))
                else:
                    child.paths.popleft()
                    child.deadline = time.monotonic() + self.timeout
                    if not child.paths:
                        busy.remove(child)
                        self._idle.append(child)
                    continue
            elif child.process.sentinel in ready:
                failure = _death_reason(path, self._exit_status(child))
            elif time.monotonic() >= child.deadline:
                failure = (
                    f"importing {path} took longer than {self.timeout:g} s "
                    "([core] dagbag_import_timeout) and was stopped; move slow work "
                    "from the file's top level into tasks, or raise the setting"
                )
            if failure is not None:
                results[path] = failure
                child.paths.popleft()
                pending.extendleft(reversed(child.paths))  # queued behind it, never started
                self._discard(child)
                busy.remove(child)

    @staticmethod
    def _exit_status(child: _Child) -> int | None:
        child.process.join(5.0)
        return child.process.exitcode

    def _discard(self, child: _Child) -> None:
        if child.process.is_alive():
            child.process.kill()
        child.process.join()
        child.channel.close()

    def close(self) -> None:
        """Stop every child."""
        while self._idle:
            child = self._idle.pop()
            with contextlib.suppress(OSError):
                child.channel.send(None)
            child.process.join(2.0)
            self._discard(child)
