"""Task logs: one file per task try, readable with ``taskloom tasks logs``.

Layout (``[logging] base_log_folder`` overrides the root, default ``$TASKLOOM_HOME/logs``)::

    logs/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log

Each id is percent-encoded where it holds other characters than letters, digits and
``._-+:``, and a very long one is cut and ends with ``~<hash>``: one folder per id, always
within the filesystem's name limit.
"""

from __future__ import annotations

from taskloom.utils.log.task_log import TaskLogWriter as TaskLogWriter
from taskloom.utils.log.task_log import attempts as attempts
from taskloom.utils.log.task_log import base_log_folder as base_log_folder
from taskloom.utils.log.task_log import log_path as log_path
from taskloom.utils.log.task_log import redact as redact

__all__ = ["TaskLogWriter", "attempts", "base_log_folder", "log_path", "redact"]
