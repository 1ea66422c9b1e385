"""Task logs: one file per task try, readable with ``taskloom tasks logs``.

Layout (``[logging] base_log_folder`` overrides the root, default ``$TASKLOOM_HOME/logs``)::

    logs/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log

Each id is percent-encoded where it holds other characters than letters, digits and
``._-+:``, and a very long one is cut and ends with ``~<hash>``: one folder per id, always
within the filesystem's name limit.

With ``[logging] remote_base_log_folder`` set (``s3://bucket/prefix``) each log is also
copied to that place through the handler a provider declares for the URL's scheme
(:class:`TaskLogHandler`, :mod:`taskloom.utils.log.remote`), and :func:`read_log` /
:func:`log_attempts` find logs written on other machines there.
"""

from __future__ import annotations

from taskloom.utils.log.handler import TaskLogHandler as TaskLogHandler
from taskloom.utils.log.reader import log_attempts as log_attempts
from taskloom.utils.log.reader import read_log as read_log
from taskloom.utils.log.reader import where_looked as where_looked
from taskloom.utils.log.task_log import TaskLogWriter as TaskLogWriter
from taskloom.utils.log.task_log import attempts as attempts
from taskloom.utils.log.task_log import base_log_folder as base_log_folder
from taskloom.utils.log.task_log import log_path as log_path
from taskloom.utils.log.task_log import redact as redact
from taskloom.utils.log.task_log import relative_log_path as relative_log_path

__all__ = [
    "TaskLogHandler",
    "TaskLogWriter",
    "attempts",
    "base_log_folder",
    "log_attempts",
    "log_path",
    "read_log",
    "redact",
    "relative_log_path",
    "where_looked",
]
