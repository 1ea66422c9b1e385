"""The task log handler interface: where task logs are kept besides this machine's files.

Every try writes its log to a local file (see :mod:`taskloom.utils.log`).  When the
setting ``[logging] remote_base_log_folder`` holds a URL (``s3://bucket/prefix``), the
provider that declares the URL's scheme in the ``log_handlers`` object of its
``provider.json`` supplies a :class:`TaskLogHandler` subclass, and core copies each log
there: in chunks while the try runs, whole when it ends.  Readers (``taskloom tasks
logs``) find a log in the local file first, then through the handler, so a log written
on another machine is read back from the remote store.

A handler deals in *relative paths*, the same on every machine and for every handler::

    dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log

Core does the timing, the masking (the bytes it hands over are the local file's, already
masked) and the error reporting; a handler only moves bytes.  A handler raises
:class:`~taskloom.exceptions.TaskLogHandlerError` when it cannot store, list or read, with
a one-line message giving the reason and what to fix, never a secret (core adds the
place); core never lets such an error change a task's outcome.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from pathlib import Path


class TaskLogHandler(abc.ABC):
    """Stores task logs under one base URL and reads them back (public API for providers).

    Core creates one instance per process and base URL, and calls it from the task's
    process (a chunk upload runs in a background thread) and from readers.

    :param base_url: the value of ``[logging] remote_base_log_folder``.
    """

    def __init__(self, base_url: str) -> None:
        #: The base URL, without a trailing ``/``.
        self.base_url = base_url.rstrip("/")

    def location(self, relative_path: str) -> str:
        """Where the log at ``relative_path`` is stored, for messages (a URL)."""
        return f"{self.base_url}/{relative_path}"

    @abc.abstractmethod
    def write_chunk(self, relative_path: str, offset: int, data: bytes) -> None:
        """Store ``data``: the bytes of a running try's log from byte ``offset`` on.

        Chunks of one log arrive in order, each starting where the previous one ended;
        :meth:`read` must return them joined until :meth:`write_final` replaces them.
        """

    @abc.abstractmethod
    def write_final(self, relative_path: str, local_file: Path) -> None:
        """The try ended: store the whole log (the content of ``local_file``) and drop
        the chunks stored for it, in that order, so a reader always finds one or the other."""

    @abc.abstractmethod
    def read(self, relative_path: str) -> bytes | None:
        """The stored log: the final one, else the chunks so far joined; ``None`` if neither."""

    @abc.abstractmethod
    def list_logs(self, folder: str) -> list[str]:
        """Names of the logs stored under ``folder`` (``dag_id=../run_id=../task_id=..``),
        final or still in chunks: ``["attempt=1.log", "attempt=2.log"]`` in any order."""


def join_chunks(chunks: Iterable[tuple[int, bytes]]) -> bytes:
    """Join ``(offset, data)`` chunks into the log they are parts of.

    Chunks are taken in offset order; bytes a chunk repeats of an earlier one (a writer
    that started again from an earlier offset) are dropped, and a gap ends the log there,
    since what follows it cannot be placed.
    """
    out = bytearray()
    for offset, data in sorted(chunks, key=lambda chunk: chunk[0]):
        if offset > len(out):
            break
        out += data[len(out) - offset :]
    return bytes(out)
