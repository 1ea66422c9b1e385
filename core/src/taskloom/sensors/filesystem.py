"""FileSensor: wait until a file or folder exists (a glob pattern may match several)."""

from __future__ import annotations

import glob
import os
from typing import Any

from taskloom.hooks.base import BaseHook
from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator


class FileSensor(BaseSensorOperator):
    """Wait until ``filepath`` (templated, glob patterns allowed) exists.

    :param fs_conn_id: a ``fs`` connection whose ``extra.path`` is the base folder of a
        relative ``filepath`` (Airflow's ``fs_default``); relative paths without it are
        relative to the worker's working folder.
    :param recursive: let ``**`` in the pattern match nested folders.
    """

    template_fields = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str,
        fs_conn_id: str | None = None,
        recursive: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive

    def _full_path(self) -> str:
        if self.fs_conn_id is None or os.path.isabs(self.filepath):
            return self.filepath
        base = BaseHook.get_connection(self.fs_conn_id).extra_dejson.get("path", "")
        return os.path.join(base, self.filepath)

    def poke(self, context: Context) -> bool:
        path = self._full_path()
        self.task_log(context).info("Poking for %s", path)
        for match in glob.iglob(path, recursive=self.recursive):
            if os.path.isfile(match) or os.path.isdir(match):
                return True
        return False
