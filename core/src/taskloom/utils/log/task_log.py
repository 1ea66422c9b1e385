"""Writing and finding the log file of one task try."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import time
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path

from taskloom import configuration
from taskloom.utils.log.remote import RemoteLogCopy
from taskloom.utils.log.remote import remote_base_url

_FORMAT = "[%(asctime)s] %(levelname)s - %(message)s"
#: Where a remote copy's failure is told outside the task's own log (the worker's output).
_log = logging.getLogger("taskloom.task")
_ATTEMPT = re.compile(r"^attempt=(\d+)\.log$")


def base_log_folder() -> Path:
    """The root of task logs: ``[logging] base_log_folder``, default ``$TASKLOOM_HOME/logs``."""
    return Path(
        _base_folder(
            os.environ.get("TASKLOOM_HOME"), os.environ.get("TASKLOOM__LOGGING__BASE_LOG_FOLDER")
        )
    )


@functools.lru_cache(maxsize=8)
def _base_folder(home: str | None, override: str | None) -> str:
    # Keyed by the environment that decides it: computed once per process, not per task.
    configured = configuration.get("logging", "base_log_folder")
    return str(Path(str(configured)).expanduser() if configured else configuration.home() / "logs")


#: Characters a path component keeps as they are (run ids hold ':' and '+': ISO timestamps).
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+:")
#: Longest encoded id kept whole; with its ``task_id=`` prefix a component stays well under
#: the 255 bytes most filesystems allow (``NAME_MAX``).
MAX_COMPONENT = 200
#: Hex digits of the SHA-256 of the id that end a shortened component (128 bits).
_HASH_DIGITS = 32


def encode_component(value: str) -> str:
    """``value`` as one path component: the same id always gives the same name, two ids never do.

    Characters outside :data:`_SAFE` (``/``, ``%``, ``~``, spaces, non-ASCII ...) are
    percent-encoded as UTF-8, so ``coll/x`` and ``coll_x`` stay apart and nothing escapes
    the folder.  An encoding longer than :data:`MAX_COMPONENT` is cut and ends with ``~``
    and a hash of the whole id; ``~`` never appears in an uncut encoding (it is encoded),
    so a cut name never equals an uncut one.
    """
    encoded = "".join(
        ch
        if ch in _SAFE
        else "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
        for ch in value
    )
    if len(encoded) <= MAX_COMPONENT:
        return encoded
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]
    head = encoded[: MAX_COMPONENT - _HASH_DIGITS - 1]
    # Never cut inside a %XX escape: the head stays a valid prefix of the encoding.
    cut = head.rfind("%", len(head) - 2)
    if cut != -1:
        head = head[:cut]
    return f"{head}~{digest}"


def log_path(dag_id: str, run_id: str, task_id: str, attempt: int) -> Path:
    """The log file of try ``attempt`` (1-based) of one task instance.

    Distinct ``(dag_id, run_id, task_id, attempt)`` always get distinct files, and every
    component is short enough for the filesystem (see :func:`encode_component`).
    """
    return Path(_log_file(dag_id, run_id, task_id, attempt))


def task_folder(dag_id: str, run_id: str, task_id: str) -> str:
    """The folder of one task instance's logs, relative to the log root (``/``-separated):
    the same on every machine, locally and for a remote handler."""
    return (
        f"dag_id={encode_component(dag_id)}/run_id={encode_component(run_id)}"
        f"/task_id={encode_component(task_id)}"
    )


def relative_log_path(dag_id: str, run_id: str, task_id: str, attempt: int) -> str:
    """The log of try ``attempt`` relative to the log root: ``<task_folder>/attempt=<n>.log``."""
    return f"{task_folder(dag_id, run_id, task_id)}/attempt={attempt}.log"


def _log_file(dag_id: str, run_id: str, task_id: str, attempt: int) -> str:
    root = _base_folder(
        os.environ.get("TASKLOOM_HOME"), os.environ.get("TASKLOOM__LOGGING__BASE_LOG_FOLDER")
    )
    return os.path.join(root, *relative_log_path(dag_id, run_id, task_id, attempt).split("/"))


def attempts(dag_id: str, run_id: str, task_id: str) -> list[int]:
    """The tries that have a log file, in order."""
    folder = log_path(dag_id, run_id, task_id, 1).parent
    if not folder.is_dir():
        return []
    return attempt_numbers(p.name for p in folder.iterdir())


def attempt_numbers(names: Iterable[str]) -> list[int]:
    """The try numbers of the log file names among ``names`` (``attempt=<n>.log``), sorted."""
    return sorted({int(m.group(1)) for name in names if (m := _ATTEMPT.match(name))})


def redact(text: str) -> str:
    """Mask registered secrets in ``text`` (through :mod:`taskloom.utils.secrets_masker`)."""
    try:
        from taskloom.utils import secrets_masker
    except ImportError:  # pragma: no cover -- the masker ships with core; keep logs flowing if not
        return text
    return str(secrets_masker.redact(text))


def _masker_filter() -> logging.Filter | None:
    try:
        from taskloom.utils.secrets_masker import SecretsMaskerFilter
    except ImportError:  # pragma: no cover -- see redact()
        return None
    return SecretsMaskerFilter()


class _LoggerStream(io.TextIOBase):
    """A text stream that sends each complete line to a logger (``print`` in task code)."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        self._logger, self._level, self._buffer = logger, level, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._logger.log(self._level, line)
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            self._logger.log(self._level, self._buffer)
            self._buffer = ""


class _TaskFileHandler(logging.FileHandler):
    """A file handler that flushes at most once a second (and on close).

    A flush per record is a system call per log line; at hundreds of tasks per second
    that dominates.  A second of delay still lets ``taskloom tasks logs`` follow a
    running task.
    """

    _last_flush = 0.0

    def flush(self) -> None:
        now = time.monotonic()
        if now - self._last_flush >= 1.0:
            self._last_flush = now
            super().flush()

    def close(self) -> None:
        self._last_flush = 0.0
        super().flush()
        super().close()


class TaskLogWriter:
    """The logger of one task try (``ti.log``), writing to that try's file.

    The logger is not registered with :mod:`logging`'s manager, so ten thousand task
    tries leave no loggers behind; :meth:`close` releases the file.  Every record passes
    the secrets masker's filter before it is formatted.

    With ``[logging] remote_base_log_folder`` set, the file is also copied through that
    URL's handler (:mod:`taskloom.utils.log.remote`): in chunks while the try runs, whole
    on :meth:`close`.  Only the file's bytes are uploaded, so what is masked locally is
    masked remotely.

    :param resume: add to a try's log instead of starting it: every note the scheduler
        writes about a try (its process died, its run timed out) passes it.  A log that is
        only in the remote store (the try ran on another machine) is fetched first, so the
        final upload keeps what the task wrote there; no chunks are uploaded.
    """

    def __init__(
        self, dag_id: str, run_id: str, task_id: str, attempt: int, *, resume: bool = False
    ) -> None:
        path = _log_file(dag_id, run_id, task_id, attempt)
        folder = os.path.dirname(path)
        try:
            os.mkdir(folder)  # the run's folder usually exists: one system call
        except FileExistsError:
            pass
        except FileNotFoundError:
            configuration.make_private_dirs(folder)
        self.path = Path(path)
        # Only a resumed log may need its remote copy fetched: no system call otherwise.
        fetch = resume and not self.path.exists()
        self.logger = logging.Logger(f"taskloom.task.{dag_id}.{task_id}", logging.INFO)
        self._handler = _TaskFileHandler(self.path, encoding="utf-8")
        self._handler.setFormatter(logging.Formatter(_FORMAT))
        masker = _masker_filter()
        if masker is not None:
            self._handler.addFilter(masker)
        self.logger.addHandler(self._handler)
        self.logger.propagate = False
        self._remote: RemoteLogCopy | None = None
        if remote_base_url() is not None:
            problem = self._start_remote(
                relative_log_path(dag_id, run_id, task_id, attempt), resume, fetch
            )
            if problem is not None:  # no task code runs yet: the line goes to each log once
                _log.error("%s", problem)
                self.logger.error("%s", problem)

    def _start_remote(self, relative_path: str, resume: bool, fetch: bool) -> str | None:
        """Set up the remote copy; return the line to report if it cannot be."""
        from taskloom.utils.log.remote import describe_error
        from taskloom.utils.log.remote import remote_handler

        handler = None
        try:
            handler = remote_handler()
            if handler is None:  # the setting was unset in between
                return None
            if fetch:
                data = handler.read(relative_path)
                if data:
                    # Appended through its own descriptor before any record: the file
                    # handler's descriptor appends (O_APPEND) after it.
                    with self.path.open("ab") as fh:
                        fh.write(data)
            self._remote = RemoteLogCopy(
                handler,
                relative_path,
                self.path,
                flush=self._flush_file,
                report=lambda line: self.logger.error("%s", line),
                stream=not resume,
            )
        except Exception as exc:  # noqa: BLE001 -- a log store must never change the task's outcome
            where = handler.location(relative_path) if handler is not None else "remotely"
            return (
                f"remote task log: could not store {where} ({describe_error(exc)}); "
                f"the log stays on this machine at {self.path}"
            )
        return None

    def _flush_file(self) -> None:
        logging.FileHandler.flush(self._handler)

    @contextlib.contextmanager
    def capture_logging(self) -> Iterator[None]:
        """While the task runs, records of every other logger (hooks, client libraries)
        at INFO and above go to this log too, as Airflow users expect of hook logs."""
        root = logging.getLogger()
        level = root.level
        root.addHandler(self._handler)
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)
        try:
            yield
        finally:
            root.removeHandler(self._handler)
            root.setLevel(level)

    def stream(self, level: int = logging.INFO) -> _LoggerStream:
        """A text stream into this log (for ``contextlib.redirect_stdout``)."""
        return _LoggerStream(self.logger, level)

    def write_raw(self, text: str) -> None:
        """Append ``text`` (redacted) as-is, without a log prefix (tracebacks, pointers)."""
        logging.FileHandler.flush(self._handler)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(redact(text).rstrip("\n") + "\n")

    def close(self) -> None:
        """Flush and close the file, then store its final copy remotely (if configured)."""
        if self._remote is not None:
            self._remote.stop()
        self.logger.removeHandler(self._handler)
        self._handler.close()
        if self._remote is not None:
            self._remote.finish()
