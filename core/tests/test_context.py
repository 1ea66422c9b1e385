"""Tests for taskloom.execution.context: the keys a task sees, and the var/conn accessors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runtime_helpers import query
from runtime_helpers import run_cli

DAG_FILE = """
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def show(**context):
    return {
        "ds": context["ds"],
        "ds_nodash": context["ds_nodash"],
        "ts": context["ts"],
        "ts_nodash": context["ts_nodash"],
        "run_id": context["run_id"],
        "interval": [context["data_interval_start"].isoformat(), context["data_interval_end"].isoformat()],
        "params": dict(context["params"]),
        "conf": context["conf"],
        "var_text": context["var"].value.greeting,
        "var_json": context["var"].json.settings["retries"],
        "var_default": context["var"].value.get("absent", "fallback"),
        "conn_host": context["conn"].my_db.host,
        "macro": context["macros"].ds_add(context["ds"], 1),
        "dag_id": context["dag"].dag_id,
        "task_id": context["task"].task_id,
        "try_number": context["ti"].try_number,
        "run_type": context["dag_run"].run_type,
        "test_mode": context["test_mode"],
    }


with DAG("context_dag", start_date=datetime(2024, 1, 1), schedule_interval="@daily", params={"size": 3}):
    PythonOperator(task_id="show", python_callable=show)
"""


def test_context_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task sees the Airflow context keys; var and conn read variables and connections on access."""
    monkeypatch.setenv("TASKLOOM_VAR_GREETING", "hello")
    monkeypatch.setenv("TASKLOOM_VAR_SETTINGS", '{"retries": 4}')
    monkeypatch.setenv(
        "TASKLOOM_CONN_MY_DB", "postgres://user:pw-for-tests@db.example.com:5432/app"
    )
    dag_file = tmp_path / "context_dag.py"
    dag_file.write_text(DAG_FILE)
    code, out, err = run_cli(
        capsys,
        "dags",
        "test",
        "context_dag",
        "2024-03-05T06:07:08",
        "-S",
        str(dag_file),
        "-c",
        '{"size": 5}',
    )
    assert code == 0, out
    assert f"{dag_file}:30: DeprecationWarning:" in err
    value = json.loads(query("SELECT value FROM xcom WHERE key = 'return_value'")[0][0])
    assert value == {
        "ds": "2024-03-05",
        "ds_nodash": "20240305",
        "ts": "2024-03-05T06:07:08+00:00",
        "ts_nodash": "20240305T060708",
        "run_id": "manual__2024-03-05T06:07:08+00:00",
        "interval": ["2024-03-04T00:00:00+00:00", "2024-03-05T00:00:00+00:00"],
        "params": {"size": 5},
        "conf": {"size": 5},
        "var_text": "hello",
        "var_json": 4,
        "var_default": "fallback",
        "conn_host": "db.example.com",
        "macro": "2024-03-06",
        "dag_id": "context_dag",
        "task_id": "show",
        "try_number": 1,
        "run_type": "manual",
        "test_mode": False,
    }
