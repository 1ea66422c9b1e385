"""``ReadStreamOperator``: read one stream of a manifest into a destination, incrementally."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from taskloom.declarative.destinations import DbApiDestination
from taskloom.declarative.destinations import Destination
from taskloom.declarative.destinations import StreamInfo
from taskloom.models.baseoperator import BaseOperator

#: Seconds between progress lines in the task log.
PROGRESS_EVERY = 10.0


class ReadStreamOperator(BaseOperator):
    """Read ``stream`` of a manifest-only provider (or a manifest file) into ``destination``.

    :param provider: id of an installed manifest-only provider (``"github"``).
    :param manifest: or the path of a manifest file.
    :param stream: the stream to read.
    :param conn_id: the connection holding the config (its ``extra``, see the README).
    :param destination: a :class:`Destination`, or the id of a ``DbApiHook`` connection.
    :param table: the table for a connection-id destination (default: the stream name).
    :param mode: ``merge`` (replace rows by primary key; the default when the stream has
        one) or ``append``.
    :returns: ``{"records", "pages", "state"}`` as the task's XCom.

    Incremental streams continue from the state the last successful run of this DAG's
    task saved; a failed run leaves it where it was.
    """

    template_fields = ("stream", "conn_id")

    def __init__(
        self,
        *,
        stream: str,
        conn_id: str,
        destination: Destination | str,
        provider: str | None = None,
        manifest: str | Path | None = None,
        table: str | None = None,
        mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (provider is None) == (manifest is None):
            raise ValueError(f"{self.task_id}: give exactly one of provider= or manifest=")
        if mode not in (None, "merge", "append"):
            raise ValueError(f"{self.task_id}: mode must be 'merge' or 'append', not {mode!r}")
        self.provider = provider
        self.manifest = str(manifest) if manifest is not None else None
        self.stream = stream
        self.conn_id = conn_id
        self.destination = destination
        self.table = table
        self.mode = mode

    def _source(self) -> Any:
        from taskloom.declarative import providers
        from taskloom.declarative import source

        return (
            providers.load_provider(self.provider)
            if self.provider
            else source.load(self.manifest or "")
        )

    def execute(self, context: Any) -> dict[str, Any]:
        log = self.task_log(context)
        # The runtime's own lines (retries, waits) go to the task log too.
        runtime_log = logging.getLogger("taskloom.declarative")
        added = [h for h in log.handlers if h not in runtime_log.handlers]
        for handler in added:
            runtime_log.addHandler(handler)
        try:
            return self._read(context, log)
        finally:
            for handler in added:
                runtime_log.removeHandler(handler)

    def _read(self, context: Any, log: logging.Logger) -> dict[str, Any]:
        from taskloom.declarative import state as state_store
        from taskloom.declarative.providers import config_from_connection

        source = self._source()
        config = config_from_connection(self.conn_id, source)
        dag_id = context["dag"].dag_id
        saved = state_store.get(dag_id, self.task_id, self.stream)
        reader = source.read(self.stream, config, saved)
        stream = reader.stream
        mode = self.mode or ("merge" if stream.primary_key else "append")
        dest = (
            DbApiDestination(self.destination, self.table)
            if isinstance(self.destination, str)
            else self.destination
        )
        dest.open(StreamInfo(self.stream, stream.json_schema(), stream.primary_key), mode)
        log.info(
            "reading stream %r (%s, mode %s) from state %s",
            self.stream,
            self.provider or self.manifest,
            mode,
            saved,
        )
        started = last = time.monotonic()
        try:
            for page in reader:
                dest.write(page.records)
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY:
                    last = now
                    self._progress(log, reader, now - started)
        finally:
            dest.close()
        self._progress(log, reader, time.monotonic() - started)
        if stream.cursor_spec:
            state_store.put(dag_id, self.task_id, self.stream, reader.state)
        return {"records": reader.records_read, "pages": reader.pages_read, "state": reader.state}

    def _progress(self, log: logging.Logger, reader: Any, elapsed: float) -> None:
        rate = reader.records_read / elapsed if elapsed > 0 else 0.0
        log.info(
            "stream %r: %d pages, %d records, %.0f records/s",
            self.stream,
            reader.pages_read,
            reader.records_read,
            rate,
        )


def stream_tasks(
    *,
    conn_id: str,
    destination: Destination | str,
    provider: str | None = None,
    manifest: str | Path | None = None,
    streams: Iterable[str] | None = None,
    **kwargs: Any,
) -> dict[str, ReadStreamOperator]:
    """One :class:`ReadStreamOperator` per stream of the manifest (task id ``read_<stream>``).

    :param streams: the streams to read (default: every stream of the manifest).
    """
    from taskloom.declarative import providers
    from taskloom.declarative import source

    loaded = providers.load_provider(provider) if provider else source.load(str(manifest))
    names = list(streams) if streams is not None else loaded.stream_names
    return {
        name: ReadStreamOperator(
            task_id=f"read_{name}",
            provider=provider,
            manifest=manifest,
            stream=name,
            conn_id=conn_id,
            destination=destination,
            **kwargs,
        )
        for name in names
    }
