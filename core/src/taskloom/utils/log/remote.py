"""Copying task logs to the handler that ``[logging] remote_base_log_folder`` names.

Settings (``taskloom.toml`` or ``TASKLOOM__LOGGING__<KEY>``):

``remote_base_log_folder``
    A URL (``s3://bucket/prefix``); its scheme picks the handler through the provider
    registry.  Unset (the default): logs stay in local files only, and nothing is imported.
``remote_log_stream_interval``
    Seconds between chunk uploads while a try runs (default 30); ``0`` uploads only when
    the try ends.
``remote_log_stream_kib``
    A chunk is uploaded as soon as this many KiB are waiting (default 1024), even before
    the interval is up.

A handler that cannot be loaded or cannot store a log never changes a task's outcome:
the local file is kept, and one line saying what failed is written to it and to the
``taskloom.task`` logger.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from taskloom import configuration
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import TaskloomError
from taskloom.utils.log.handler import TaskLogHandler

#: Default of ``[logging] remote_log_stream_interval`` (seconds).
DEFAULT_STREAM_INTERVAL: Final = 30
#: Default of ``[logging] remote_log_stream_kib``.
DEFAULT_STREAM_KIB: Final = 1024
#: Longest wait between two looks at the local file's size.
_POLL_SECONDS: Final = 1.0

log = logging.getLogger("taskloom.task")


def remote_base_url() -> str | None:
    """The setting ``[logging] remote_base_log_folder``, or ``None`` when it is unset."""
    return _remote_url(
        os.environ.get("TASKLOOM_HOME"),
        os.environ.get("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER"),
    )


@functools.lru_cache(maxsize=8)
def _remote_url(home: str | None, override: str | None) -> str | None:
    # Keyed by the environment that decides it, as the log folder is: every try asks, and a
    # settings lookup costs about a tenth of writing a short log.
    value = configuration.get("logging", "remote_base_log_folder")
    text = str(value).strip() if value else ""
    return text or None


def remote_handler() -> TaskLogHandler | None:
    """The handler of ``[logging] remote_base_log_folder``, or ``None`` when it is unset.

    One instance per process and URL (a forked worker makes its own: clients of network
    libraries are not fork-safe).

    :raises ConfigurationError: the setting is not a URL, no installed provider handles
        its scheme, or the handler cannot be loaded; the message names the fix.
    """
    url = remote_base_url()
    if url is None:
        return None
    return _handler(url, os.getpid())


@functools.lru_cache(maxsize=4)
def _handler(url: str, pid: int) -> TaskLogHandler:
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise ConfigurationError(
            f"setting [logging] remote_base_log_folder = {url!r} is not a URL; write it as "
            "<scheme>://<place>, such as s3://my-bucket/taskloom-logs, or unset it to keep "
            "logs in local files only"
        )
    from taskloom.exceptions import ProviderError
    from taskloom.providers_manager import get_registry

    try:
        cls = get_registry().log_handler_class(scheme.lower())
    except ProviderError as exc:
        raise ConfigurationError(f"setting [logging] remote_base_log_folder: {exc}") from None
    if not issubclass(cls, TaskLogHandler):
        raise ConfigurationError(
            f"setting [logging] remote_base_log_folder: {cls.__module__}.{cls.__qualname__} "
            f"(declared for scheme {scheme!r}) is not a taskloom.utils.log.TaskLogHandler "
            "subclass; report it to its provider's maintainers"
        )
    return cls(url)


def describe_error(exc: BaseException) -> str:
    """One line for a handler's error: its message, prefixed by its type unless it is ours."""
    from taskloom.utils.secrets_masker import redact

    # Our errors are written to be read as they are; anything else needs its type to make sense.
    text = str(exc) if isinstance(exc, TaskloomError) else f"{type(exc).__name__}: {exc}"
    return str(redact(" ".join(text.split())))


class RemoteLogCopy:
    """Copies one try's local log file through a handler: chunks while it runs, whole at the end.

    A background thread looks at the file's size every second (or every
    ``interval`` if shorter) and uploads what is new once ``interval`` seconds have
    passed or ``chunk_bytes`` are waiting.  The first failure stops the chunks and is
    reported once; :meth:`finish` still tries the final upload (reporting it only if
    nothing was reported before), so a passing glitch costs no log.

    :param flush: pushes the task's buffered log records to the file before a look.
    :param report: writes the one failure line (to the task log while it is open).
    """

    def __init__(
        self,
        handler: TaskLogHandler,
        relative_path: str,
        local_file: Path,
        *,
        flush: Callable[[], None],
        report: Callable[[str], None],
        stream: bool = True,
    ) -> None:
        self.handler = handler
        self.relative_path = relative_path
        self.local_file = local_file
        self._flush = flush
        self._report = report
        self._sent = 0
        #: The one failure line, once something failed.
        self.failure: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        interval = configuration.get_int(
            "logging", "remote_log_stream_interval", DEFAULT_STREAM_INTERVAL
        )
        kib = configuration.get_int("logging", "remote_log_stream_kib", DEFAULT_STREAM_KIB)
        if interval < 0 or kib <= 0:
            raise ConfigurationError(
                "settings [logging] remote_log_stream_interval (seconds, 0 for no chunks) and "
                f"remote_log_stream_kib (KiB) must be 0 or more and above 0, got {interval} "
                f"and {kib}; fix them in taskloom.toml or TASKLOOM__LOGGING__*"
            )
        self._interval, self._chunk_bytes = interval, kib * 1024
        if stream and interval > 0:
            self._thread = threading.Thread(
                target=self._run, name=f"taskloom-log-stream:{relative_path}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(min(self._interval, _POLL_SECONDS)):
            try:
                self._flush()
                pending = os.path.getsize(self.local_file) - self._sent
            except (OSError, ValueError):  # the file was closed or removed under us
                continue
            due = time.monotonic() - last >= self._interval
            if pending >= self._chunk_bytes or (pending > 0 and due):
                if not self._send_chunk():
                    return
                last = time.monotonic()

    def _send_chunk(self) -> bool:
        with open(self.local_file, "rb") as fh:
            fh.seek(self._sent)
            data = fh.read()
        try:
            self.handler.write_chunk(self.relative_path, self._sent, data)
        except Exception as exc:  # noqa: BLE001 -- a log upload must never reach the task
            self._fail(exc, self._report)
            with contextlib.suppress(OSError, ValueError):
                self._flush()  # the line is in the file now, not after the task's next record
            return False
        self._sent += len(data)
        return True

    def _fail(self, exc: BaseException, report: Callable[[str], None]) -> None:
        if self.failure is not None:
            return
        self.failure = (
            f"remote task log: could not store {self.handler.location(self.relative_path)} "
            f"({describe_error(exc)}); the log stays on this machine at {self.local_file}"
        )
        report(self.failure)

    def stop(self) -> None:
        """Stop the chunk uploads (waits for one under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def finish(self) -> None:
        """Stop the chunks and store the whole log (call once the local file is closed).

        A failure line is then also logged to the ``taskloom.task`` logger (the worker's
        or scheduler's output); not earlier, as while the task runs that logger's records
        reach the task's own file too.
        """
        self.stop()
        try:
            self.handler.write_final(self.relative_path, self.local_file)
        except Exception as exc:  # noqa: BLE001 -- see _send_chunk
            self._fail(exc, self._append_line)
        if self.failure is not None:
            log.error("%s", self.failure)

    def _append_line(self, line: str) -> None:
        with self.local_file.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
