"""DAGs for the task runner: timeouts, skips, reschedules, callbacks, mails, secrets, crashes."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from taskloom.exceptions import TaskloomSkipException
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.python import PythonOperator
from taskloom.sensors.base import BaseSensorOperator

START = datetime(2024, 1, 1)


def _home() -> Path:
    return Path(os.environ["TASKLOOM_HOME"])


def _record(name: str, context: dict[str, Any]) -> None:
    """Append a callback call to callbacks.jsonl in TASKLOOM_HOME."""
    exc = context.get("exception")
    line = {
        "callback": name,
        "task_id": context["ti"].task_id,
        "exception": repr(exc) if exc else None,
    }
    with (_home() / "callbacks.jsonl").open("a") as fh:
        fh.write(json.dumps(line) + "\n")


def sleepy() -> None:
    time.sleep(30)


def skip_me() -> None:
    raise TaskloomSkipException("nothing to do today")


def broken_callback(context: dict[str, Any]) -> None:
    raise RuntimeError("the callback itself is broken")


def leak_secret() -> None:
    from taskloom.utils.secrets_masker import mask_secret

    mask_secret("hunter2-very-secret")
    print("connecting with password hunter2-very-secret")
    raise RuntimeError("login failed for password hunter2-very-secret")


def fail_with_retry() -> None:
    raise RuntimeError("flaky upstream")


with DAG("control", start_date=START, schedule=None) as control:
    PythonOperator(
        task_id="timeout",
        python_callable=sleepy,
        execution_timeout=timedelta(seconds=0.5),
        on_failure_callback=lambda ctx: _record("failure", ctx),
    )
    PythonOperator(task_id="skip", python_callable=skip_me) >> EmptyOperator(task_id="after_skip")
    PythonOperator(
        task_id="callbacks",
        python_callable=lambda: "fine",
        on_success_callback=[broken_callback, lambda ctx: _record("success", ctx)],
    )
    PythonOperator(
        task_id="secret",
        python_callable=leak_secret,
    )
    PythonOperator(
        task_id="mailer",
        python_callable=fail_with_retry,
        retries=1,
        retry_delay=0,
        email=["ops@example.com"],
        email_on_retry=True,
        on_retry_callback=lambda ctx: _record("retry", ctx),
    )


class CountingSensor(BaseSensorOperator):
    """Succeeds on the third poke; pokes are counted in a file."""

    def poke(self, context: dict[str, Any]) -> bool:
        counter = _home() / "pokes"
        count = int(counter.read_text()) + 1 if counter.exists() else 1
        counter.write_text(str(count))
        return count >= 3


with DAG("sensing", start_date=START, schedule=None) as sensing:
    CountingSensor(
        task_id="wait", mode="reschedule", poke_interval=0.1, timeout=60
    ) >> EmptyOperator(task_id="go")


def crash_worker() -> None:
    """Kill this worker process on the first try (as the OOM killer would); succeed on the retry."""
    marker = _home() / "crashed"
    if not marker.exists():
        marker.write_text("once")
        os.kill(os.getpid(), signal.SIGKILL)
    return None


def exit_worker() -> None:
    os._exit(3)


with DAG("crashing", start_date=START, schedule=None) as crashing:
    PythonOperator(task_id="killed_once", python_callable=crash_worker, retries=1, retry_delay=0)
    PythonOperator(task_id="exits", python_callable=exit_worker, retries=0) >> EmptyOperator(
        task_id="after_exit"
    )
    EmptyOperator(task_id="bystander")
