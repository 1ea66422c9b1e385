"""DAGs the runtime tests run: XCom, retries, branching, trigger rules, LatestOnly."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from taskloom.exceptions import TaskloomFailException
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.latest_only import LatestOnlyOperator
from taskloom.operators.python import BranchPythonOperator
from taskloom.operators.python import PythonOperator

START = datetime(2024, 1, 1)


def _marker(name: str) -> Path:
    return Path(os.environ["TASKLOOM_HOME"]) / f"{name}.marker"


def produce() -> dict[str, int]:
    return {"n": 21}


def consume(ti) -> int:  # type: ignore[no-untyped-def]
    value = ti.xcom_pull(task_ids="produce")
    ti.xcom_push("doubled", value["n"] * 2)
    return value["n"] * 2


with DAG("xcom_flow", start_date=START, schedule=None) as xcom_flow:
    PythonOperator(task_id="produce", python_callable=produce) >> PythonOperator(
        task_id="consume", python_callable=consume
    )


def flaky() -> str:
    """Fails on the first try, succeeds on the second (a marker file remembers the try)."""
    marker = _marker("flaky")
    if not marker.exists():
        marker.write_text("tried")
        raise RuntimeError("first try fails")
    return "ok"


def always_fails() -> None:
    raise ValueError("this task always fails")


def fail_fast() -> None:
    raise TaskloomFailException("no point retrying")


with DAG("retries", start_date=START, schedule=None) as retries:
    PythonOperator(task_id="flaky", python_callable=flaky, retries=1, retry_delay=0)
    broken = PythonOperator(
        task_id="broken", python_callable=always_fails, retries=2, retry_delay=0
    )
    broken >> EmptyOperator(task_id="after_broken")
    broken >> EmptyOperator(task_id="cleanup", trigger_rule="all_done")
    PythonOperator(task_id="fail_fast", python_callable=fail_fast, retries=3, retry_delay=0)


with DAG("branching", start_date=START, schedule=None) as branching:
    branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "left")
    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    right_after = EmptyOperator(task_id="right_after")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    join_strict = EmptyOperator(task_id="join_strict")
    branch >> [left, right]
    right >> right_after
    [left, right_after] >> join
    [left, right_after] >> join_strict


with DAG(
    "latest_only", start_date=START, schedule="@daily", catchup=True, end_date=datetime(2024, 1, 3)
) as latest_only:
    LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="notify")
