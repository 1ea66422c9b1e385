"""Import DAG files first in child processes, where they cannot hurt the process that reads them.

A DAG file is Python: at import it can call ``os._exit()``, loop forever, crash the
interpreter or exhaust memory.  :class:`DagFileProcessorPool` keeps a few long-lived
child processes (reused from file to file, as Airflow's DAG file processors are) that
import each file once under ``[core] dagbag_import_timeout`` (seconds, default 30).  A file
that exits, hangs past the timeout or kills its child becomes an import error with that
reason, the child is replaced, and the caller imports only the files that passed.

The scheduler keeps one pool for its lifetime; the CLI opens one per command.  Import
tracebacks are masked (:mod:`taskloom.utils.secrets_masker`) in the child that produced
them, where the secrets the file read are registered.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom import configuration

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

#: Default of ``[core] dagbag_import_timeout``, in seconds (Airflow's default too).
DEFAULT_IMPORT_TIMEOUT = 30.0
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
    # Ctrl-C reaches the whole process group: the parent decides when children stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from taskloom.dag_processing import DagBag
    from taskloom.dag_processing import module_name_for

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


@dataclass(slots=True)
class _Child:
    process: BaseProcess
    channel: Connection
    path: str | None = None
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

    :param size: how many children import files at once (default ``[scheduler]
        parsing_processes``, 2).
    :param timeout: seconds per file (default :func:`import_timeout`).
    """

    def __init__(self, size: int | None = None, *, timeout: float | None = None) -> None:
        #: Most children alive at once.
        self.size = max(1, size or configuration.get_int("scheduler", "parsing_processes", 2))
        #: Seconds one file may take.
        self.timeout = timeout if timeout is not None else import_timeout()
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[_Child] = []

    def __enter__(self) -> DagFileProcessorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Child:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_child_main, args=(theirs, os.getpid()), name="taskloom-dag-processor"
        )
        process.start()
        theirs.close()
        return _Child(process, ours)

    def check(self, paths: Sequence[Path | str]) -> dict[str, str]:
        """Import each file once in a child; return ``{path: reason}`` for those that failed."""
        pending = deque(str(p) for p in paths)
        busy: list[_Child] = []
        errors: dict[str, str] = {}
        try:
            while pending or busy:
                while pending and len(busy) < self.size:
                    child = self._idle.pop() if self._idle else self._spawn()
                    child.path = pending.popleft()
                    child.deadline = time.monotonic() + self.timeout
                    child.channel.send(child.path)
                    busy.append(child)
                wait_for = max(0.0, min(c.deadline for c in busy) - time.monotonic())
                ready = multiprocessing.connection.wait(
                    [c.channel for c in busy] + [c.process.sentinel for c in busy], wait_for
                )
                for child in list(busy):
                    path = child.path
                    assert path is not None
                    if child.channel in ready:
                        try:
                            error = child.channel.recv()
                        except (EOFError, OSError):
                            child.process.join(1.0)
                            errors[path] = _death_reason(path, child.process.exitcode)
                            self._discard(child)
                        else:
                            if error is not None:
                                errors[path] = error
                            child.path = None
                            self._idle.append(child)
                        busy.remove(child)
                    elif child.process.sentinel in ready:
                        child.process.join(1.0)
                        errors[path] = _death_reason(path, child.process.exitcode)
                        self._discard(child)
                        busy.remove(child)
                    elif time.monotonic() >= child.deadline:
                        errors[path] = (
                            f"importing {path} took longer than {self.timeout:g} s "
                            "([core] dagbag_import_timeout) and was stopped; move slow work "
                            "from the file's top level into tasks, or raise the setting"
                        )
                        self._discard(child)
                        busy.remove(child)
        finally:
            # Interrupted (SIGTERM, Ctrl-C): children in the middle of a file are stopped.
            for child in busy:
                self._discard(child)
        return errors

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
