"""The DAGs the webserver shows: the DAG folder, parsed the way the CLI parses it.

Core stores runs but not DAG structure, so the webserver reads the DAG files (each file
checked first in a child process under ``[core] dagbag_import_timeout``, as the CLI does)
and keeps the result until a file in the folder changes; it looks for changes at most
every :data:`RESCAN_SECONDS`.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi import HTTPException
from fastapi import Request

from taskloom import configuration
from taskloom.dag_processing import DagBag
from taskloom.models.dag import DAG

#: How often (at most) the DAG folder is checked for changed files.
RESCAN_SECONDS = 5.0


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Each ``.py`` file's path, size and mtime: what changes when a DAG file changes."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.append((path, st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


class DagCache:
    """The parsed DAG folder, re-read when its files change."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or configuration.dags_folder()
        self._lock = threading.Lock()
        self._bag: DagBag | None = None
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._checked = 0.0

    def bag(self) -> DagBag:
        """The current DagBag (re-read first if a file changed since the last look)."""
        with self._lock:
            now = time.monotonic()
            if self._bag is not None and now - self._checked < RESCAN_SECONDS:
                return self._bag
            self._checked = now
            signature = _signature(self.folder) if self.folder.is_dir() else ()
            if self._bag is None or signature != self._signature:
                # The parsed DAGs live as long as the process: keep the collector from
                # walking them at every full collection (a pause of tens of ms with
                # 1,000 DAGs).  Unfrozen first, so the previous bag can be freed.
                gc.unfreeze()
                self._bag = self._read()
                self._signature = signature
                gc.collect()
                gc.freeze()
            return self._bag

    def _read(self) -> DagBag:
        from taskloom.dag_file_processor import DagFileProcessorPool

        if not self.folder.exists():
            return DagBag(self.folder)
        with DagFileProcessorPool() as pool:
            return DagBag(self.folder, processor=pool)

    def get(self, dag_id: str) -> DAG | None:
        return self.bag().get_dag(dag_id)

    def __iter__(self) -> Iterator[DAG]:
        bag = self.bag()
        return iter([bag.dags[dag_id] for dag_id in bag.dag_ids])

    def import_errors(self) -> dict[str, str]:
        return dict(self.bag().import_errors)


def dags_of(request: Request) -> DagCache:
    """The app's DAG cache."""
    cache: DagCache = request.app.state.dags
    return cache


def dag_or_404(request: Request, dag_id: str) -> DAG:
    """The DAG ``dag_id`` of the DAG folder, or a 404 naming it."""
    dag = dags_of(request).get(dag_id)
    if dag is None:
        raise HTTPException(404, f"no DAG {dag_id!r} in the DAG folder; check its id and file")
    return dag
