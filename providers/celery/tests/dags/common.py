"""What the test DAGs' tasks do: record each try, so tests can count runs per task."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

RECORD = Path(__file__).parent / "record.txt"


def record(**context: Any) -> str:
    """Append ``task_id, try, worker home, queue`` to record.txt (one write: atomic)."""
    ti, task = context["ti"], context["task"]
    line = f"{ti.task_id}\t{ti.try_number}\t{os.environ['TASKLOOM_HOME']}\t{task.queue}\n"
    fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return os.environ["TASKLOOM_HOME"]


def record_slowly(seconds: float = 0.05, **context: Any) -> str:
    """:func:`record`, after ``seconds`` of work."""
    time.sleep(seconds)
    return record(**context)


def hang_on_first_try(**context: Any) -> str:
    """Record, then hang on the first try (the test kills the worker); return on later ones."""
    home = record(**context)
    if context["ti"].try_number == 1:
        time.sleep(300)
    return home


def _callback(kind: str, context: Any) -> None:
    exc = context.get("exception")
    line = f"{kind}\t{context['ti'].task_id}\t{type(exc).__name__}\t{exc}\n"
    with (RECORD.parent / "callbacks.txt").open("a") as fh:
        fh.write(line)


def on_retry(context: Any) -> None:
    """Record that the retry callback ran, for which task, with which exception."""
    _callback("retry", context)


def on_failure(context: Any) -> None:
    """Record that the failure callback ran, for which task, with which exception."""
    _callback("failure", context)
