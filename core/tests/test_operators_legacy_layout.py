"""Operators of the Airflow layout added for 1.x DAG files, through the real runtime:
SQL interval/threshold/branch checks, GenericTransfer, BaseBranchOperator, TaskGroup,
SubDagOperator's refusal, TriggerDagRunOperator and PythonVirtualenvOperator."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom import store
from taskloom.exceptions import DagDefinitionError
from taskloom.models import dagrun
from taskloom.operators.branch import BaseBranchOperator
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.generic_transfer import GenericTransfer
from taskloom.operators.python_virtualenv import PythonVirtualenvOperator
from taskloom.operators.sql import BranchSQLOperator
from taskloom.operators.sql import SQLIntervalCheckOperator
from taskloom.operators.sql import SQLThresholdCheckOperator
from taskloom.operators.subdag import SubDagOperator
from taskloom.operators.trigger_dagrun import TriggerDagRunOperator
from taskloom.utils.task_group import TaskGroup


def _sqlite(monkeypatch: pytest.MonkeyPatch, conn_id: str, path: Path) -> Path:
    monkeypatch.setenv(
        f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps({"conn_type": "sqlite", "host": str(path)})
    )
    return path


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Connection 'events': rows per day, 2024-01-01 (4 rows) and a week before (3 rows)."""
    path = _sqlite(monkeypatch, "events", tmp_path / "events.db")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE events (ds TEXT, amount INTEGER)")
        rows = [("2024-01-01", n) for n in (1, 2, 3, 4)] + [("2023-12-25", n) for n in (1, 2, 3)]
        conn.executemany("INSERT INTO events VALUES (?, ?)", rows)
    return path


def test_interval_check_passes_within_and_fails_beyond_the_ratio(events: Path) -> None:
    """4 rows vs 3 a week before: max/min 1.33 passes a 1.5 threshold, fails a 1.2 one."""
    with DAG("interval") as dag:
        for name, threshold in (("ok", 1.5), ("too_far", 1.2)):
            SQLIntervalCheckOperator(
                task_id=name,
                conn_id="events",
                table="events",
                metrics_thresholds={"count(*)": threshold},
            )
        SQLIntervalCheckOperator(
            task_id="relative",
            conn_id="events",
            table="events",
            metrics_thresholds={"sum(amount)": 0.7},
            ratio_formula="relative_diff",
        )
    result = run_dag(dag)
    assert result.states == {"ok": "success", "too_far": "failed", "relative": "success"}
    assert result.xcom("ok") == {"count(*)": pytest.approx(4 / 3)}
    assert result.xcom("relative") == {"sum(amount)": pytest.approx((10 - 6) / 6)}


def test_threshold_check_with_numbers_and_queries(events: Path) -> None:
    with DAG("threshold") as dag:
        SQLThresholdCheckOperator(
            task_id="inside",
            conn_id="events",
            sql="SELECT count(*) FROM events",
            min_threshold=5,
            max_threshold="SELECT 10",
        )
        SQLThresholdCheckOperator(
            task_id="outside",
            conn_id="events",
            sql="SELECT max(amount) FROM events",
            min_threshold="SELECT 5",
            max_threshold=9,
        )
    result = run_dag(dag)
    assert result.states == {"inside": "success", "outside": "failed"}
    assert result.xcom("inside") == 7


def test_branch_sql_follows_the_query(events: Path) -> None:
    with DAG("branch_sql") as dag:
        branch = BranchSQLOperator(
            task_id="branch",
            conn_id="events",
            sql="SELECT count(*) > 5 FROM events WHERE ds >= '{{ macros.ds_add(ds, -7) }}'",
            follow_task_ids_if_true="many",
            follow_task_ids_if_false=["few"],
        )
        branch >> [EmptyOperator(task_id="many"), EmptyOperator(task_id="few")]
    result = run_dag(dag)
    assert result.states == {"branch": "success", "many": "success", "few": "skipped"}


def test_generic_transfer_between_two_connections(
    events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _sqlite(monkeypatch, "copy", tmp_path / "copy.db")
    with DAG("transfer") as dag:
        GenericTransfer(
            task_id="copy",
            sql="SELECT ds, amount FROM events WHERE ds = '{{ ds }}'",
            source_conn_id="events",
            destination_conn_id="copy",
            destination_table="daily",
            preoperator=[
                "CREATE TABLE IF NOT EXISTS daily (ds TEXT, amount INTEGER)",
                "DELETE FROM daily",
            ],
        )
    result = run_dag(dag)
    assert result.xcom("copy") == 4
    run_dag(dag, logical_date=datetime(2024, 1, 1, 1, tzinfo=UTC))  # a re-run replaces the rows
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT count(*), sum(amount) FROM daily").fetchone() == (4, 10)


class PickByParam(BaseBranchOperator):
    def choose_branch(self, context: dict[str, object]) -> Iterable[str]:
        return [f"path_{context['params']['side']}"]  # type: ignore[index]


def test_base_branch_operator_subclass() -> None:
    with DAG("base_branch", params={"side": "b"}) as dag:
        PickByParam(task_id="pick") >> [
            EmptyOperator(task_id="path_a"),
            EmptyOperator(task_id="path_b"),
        ]
    result = run_dag(dag)
    assert result.states == {"pick": "success", "path_a": "skipped", "path_b": "success"}
    assert result.xcom("pick") == ["path_b"]


def test_task_group_prefixes_ids_and_links_roots_and_leaves() -> None:
    with DAG("groups") as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("extract") as extract:
            first = EmptyOperator(task_id="first")
            with TaskGroup("inner") as inner:
                EmptyOperator(task_id="deep")
            first >> inner
            EmptyOperator(task_id="side")
        with TaskGroup("flat", prefix_group_id=False) as flat:
            EmptyOperator(task_id="plain")
        end = EmptyOperator(task_id="end")
        start >> extract >> flat >> end
    assert sorted(dag.task_dict) == [
        "end",
        "extract.first",
        "extract.inner.deep",
        "extract.side",
        "plain",
        "start",
    ]
    assert start.downstream_task_ids == {"extract.first", "extract.side"}
    assert dag.task_dict["plain"].upstream_task_ids == {"extract.inner.deep", "extract.side"}
    assert end.upstream_task_ids == {"plain"}
    assert run_dag(dag).state == "success"
    with pytest.raises(DagDefinitionError, match="has no task"), TaskGroup("empty"):
        pass


def test_subdag_operator_is_refused_naming_task_groups() -> None:
    with pytest.raises(DagDefinitionError, match=r"task 'section'.*TaskGroup"):
        SubDagOperator(task_id="section", subdag=None)


def test_trigger_dag_run_creates_a_queued_run_with_conf(tmp_path: Path) -> None:
    dag_file = tmp_path / "pair.py"
    dag_file.write_text(
        "from taskloom import DAG\n"
        "from taskloom.operators.empty import EmptyOperator\n"
        "with DAG('target') as target:\n"
        "    EmptyOperator(task_id='work')\n"
    )
    from taskloom.dag_processing import DagBag

    with DAG("controller") as dag:
        TriggerDagRunOperator(
            task_id="trigger",
            trigger_dag_id="target",
            trigger_run_id="from_{{ ds_nodash }}",
            conf={"day": "{{ ds }}"},
            logical_date="{{ ds }}T06:00:00",
        )
    dag.fileloc = str(dag_file)
    assert DagBag(dag_file).get_dag("target") is not None
    result = run_dag(dag)
    assert result.states == {"trigger": "success"}
    assert result.xcom("trigger") == "from_20240101"
    with closing(store.connect()) as conn:
        run = dagrun.get(conn, "target", "from_20240101")
    assert (run.state, run.conf, run.run_type) == ("queued", {"day": "2024-01-01"}, "manual")
    assert run.logical_date == datetime(2024, 1, 1, 6, tzinfo=UTC)
    again = run_dag(dag, logical_date=datetime(2024, 1, 1, 2, tzinfo=UTC))
    assert again.states == {"trigger": "failed"}  # the run exists; reset_dag_run=False


def _wheel(folder: Path, name: str, version: str, body: str) -> Path:
    """A minimal pure-Python wheel, built here so that pip needs no network."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": body,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as whl:
        for arcname, text in files.items():
            whl.writestr(arcname, text)
    return path


def in_venv(base: int, *, scale: int = 1) -> dict[str, object]:
    import sys

    import legacy_probe  # only in the virtual environment

    return {"value": legacy_probe.VALUE * scale + base, "prefix": sys.prefix}


def plain(x: int) -> int:
    return x * 2


def test_python_virtualenv_operator_installs_from_a_local_wheel(tmp_path: Path) -> None:
    """requirements come from a folder of wheels (no network); args and result round-trip."""
    wheels = tmp_path / "wheels"
    _wheel(wheels, "legacy_probe", "1.0", "VALUE = 40\n")
    with DAG("venv") as dag:
        PythonVirtualenvOperator(
            task_id="with_requirements",
            python_callable=in_venv,
            requirements=["legacy_probe==1.0"],
            pip_install_options=["--no-index", "--find-links", str(wheels)],
            system_site_packages=False,
            op_args=[2],
            op_kwargs={"scale": 1},
        )
        PythonVirtualenvOperator(task_id="no_requirements", python_callable=plain, op_args=[21])
    result = run_dag(dag)
    assert result.states == {"with_requirements": "success", "no_requirements": "success"}
    value = result.xcom("with_requirements")
    assert value["value"] == 42
    assert "taskloom-venv" in value["prefix"]
    assert result.xcom("no_requirements") == 42


def test_python_virtualenv_operator_rejects_lambdas_and_reports_pip_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="plain def function"):
        PythonVirtualenvOperator(task_id="l", python_callable=lambda: 1)
    with DAG("venv_bad") as dag:
        PythonVirtualenvOperator(
            task_id="missing",
            python_callable=plain,
            op_args=[1],
            requirements="no-such-package-here==9.9",
            pip_install_options=["--no-index", "--find-links", str(tmp_path)],
        )
    assert run_dag(dag).states == {"missing": "failed"}


def test_trigger_dag_run_waits_for_the_run_the_scheduler_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wait_for_completion: a real scheduler runs the controller and the run it triggers;
    the controller succeeds once the triggered run has succeeded (and fails if it fails)."""
    import os
    import subprocess
    import sys
    import time

    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "4")
    out = tmp_path / "target.out"
    dag_file = tmp_path / "waiting.py"
    dag_file.write_text(
        "from taskloom import DAG\n"
        "from taskloom.operators.bash import BashOperator\n"
        "from taskloom.operators.trigger_dagrun import TriggerDagRunOperator\n"
        "with DAG('waiting_controller'):\n"
        "    for name, target in (('ok', 'good_target'), ('bad', 'bad_target')):\n"
        "        TriggerDagRunOperator(task_id=name, trigger_dag_id=target, conf={'n': 7},\n"
        "                              wait_for_completion=True, poke_interval=0.2)\n"
        "with DAG('good_target'):\n"
        f"    BashOperator(task_id='work', bash_command='sleep 0.5; echo {{{{ dag_run.conf.n }}}} > {out}')\n"
        "with DAG('bad_target'):\n"
        "    BashOperator(task_id='work', bash_command='exit 3')\n"
    )
    taskloom = [sys.executable, "-m", "taskloom"]
    subprocess.run(
        [*taskloom, "dags", "trigger", "waiting_controller", "-S", str(dag_file)],
        check=True,
        capture_output=True,
    )
    scheduler = subprocess.Popen(
        [*taskloom, "scheduler", "-S", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 90
        states: dict[str, str | None] = {}
        while time.monotonic() < deadline:
            with closing(store.connect()) as conn:
                states = dict(
                    conn.execute(
                        "SELECT task_id, state FROM task_instance WHERE dag_id = 'waiting_controller'"
                    ).fetchall()
                )
            if all(state in ("success", "failed") for state in states.values()) and states:
                break
            time.sleep(0.2)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    assert states == {"ok": "success", "bad": "failed"}
    assert out.read_text() == "7\n"
