"""The 1.x layout core serves itself: context keys with Airflow 1.10's values, DAG and task
arguments, configuration.conf, macros, utils.timezone, apply_defaults, xcom_pull(key=None)."""

from __future__ import annotations

import warnings
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom import configuration
from taskloom import macros
from taskloom.configuration import conf
from taskloom.exceptions import ConfigurationError
from taskloom.operators.bash import BashOperator
from taskloom.operators.python import PythonOperator
from taskloom.utils import timezone
from taskloom.utils.legacy_context import REPLACEMENTS

KEYS = sorted(REPLACEMENTS)
SEEN: dict[str, dict[str, Any]] = {}


def record(**context: Any) -> None:
    SEEN[context["run_id"]] = {key: context[key] for key in KEYS}


def _run(dag: DAG, when: datetime, run_type: str) -> dict[str, Any]:
    result = run_dag(dag, logical_date=when, run_type=run_type)
    assert result.state == "success"
    return SEEN[result.run_id]


def test_context_keys_follow_airflow_1_10(recwarn: pytest.WarningsRecorder) -> None:
    """Scheduled runs: prev/next are the schedule's neighbours; manual runs: both are the
    logical date; the last successful earlier run is found."""
    with DAG("ctx_daily", schedule="@daily") as dag:
        PythonOperator(task_id="record", python_callable=record)
    day = datetime(2024, 1, 2, tzinfo=UTC)
    first = _run(dag, day - timedelta(days=1), "scheduled")
    assert first["prev_execution_date_success"] is None
    scheduled = _run(dag, day, "scheduled")
    assert scheduled["execution_date"] == day
    assert scheduled["prev_execution_date"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert scheduled["next_execution_date"] == datetime(2024, 1, 3, tzinfo=UTC)
    assert (scheduled["prev_ds"], scheduled["prev_ds_nodash"]) == ("2024-01-01", "20240101")
    assert (scheduled["next_ds"], scheduled["next_ds_nodash"]) == ("2024-01-03", "20240103")
    assert (scheduled["yesterday_ds"], scheduled["tomorrow_ds_nodash"]) == (
        "2024-01-01",
        "20240103",
    )
    assert scheduled["ts_nodash_with_tz"] == "20240102T000000+0000"
    assert scheduled["task_instance_key_str"] == "ctx_daily__record__20240102"
    assert scheduled["end_date"] == scheduled["latest_date"] == "2024-01-02"
    assert scheduled["prev_execution_date_success"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert isinstance(scheduled["prev_start_date_success"], datetime)
    assert (scheduled["inlets"], scheduled["outlets"]) == ([], [])
    manual = _run(dag, datetime(2024, 1, 5, 12, tzinfo=UTC), "manual")
    assert (
        manual["prev_execution_date"] == manual["next_execution_date"] == manual["execution_date"]
    )
    assert manual["next_ds"] == manual["prev_ds"] == "2024-01-05"
    with DAG("ctx_unscheduled") as unscheduled:
        PythonOperator(task_id="record", python_callable=record)
    backfill = _run(unscheduled, day, "backfill")
    assert backfill["next_execution_date"] is None
    assert backfill["prev_ds"] is None


def test_reading_a_1x_key_warns_once_per_task_at_the_users_line(tmp_path: Path) -> None:
    """A callable parameter, context[...] and a template each warn, naming the new key."""
    out = tmp_path / "out"

    def by_parameter(execution_date: datetime) -> str:
        return execution_date.isoformat()

    def by_subscript(**context: Any) -> str:
        return context["next_ds"] + context["next_ds"]

    with DAG("ctx_warns") as dag:
        PythonOperator(task_id="param", python_callable=by_parameter)
        PythonOperator(task_id="subscript", python_callable=by_subscript)
        BashOperator(task_id="template", bash_command=f"echo {{{{ yesterday_ds }}}} > {out}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_dag(dag)
    assert result.state == "success"
    messages = sorted(str(w.message) for w in caught if issubclass(w.category, DeprecationWarning))
    assert messages == [
        "task 'param' reads the context key 'execution_date', deprecated and removed in taskloom 3.0; use logical_date instead",
        "task 'subscript' reads the context key 'next_ds', deprecated and removed in taskloom 3.0; use {{ data_interval_end | ds }} instead",
        "task 'template' reads the context key 'yesterday_ds', deprecated and removed in taskloom 3.0; use {{ macros.ds_add(ds, -1) }} instead",
    ]
    assert {Path(w.filename).name for w in caught} == {Path(__file__).name}
    assert out.read_text() == "2023-12-31\n"


def test_dag_and_task_arguments_of_1x() -> None:
    with pytest.deprecated_call(match=r"DAG\(concurrency=...\).*max_active_tasks"):
        dag = DAG("args_1x", concurrency=3)
    assert dag.max_active_tasks == 3
    for name in ("default_view", "orientation", "full_filepath"):
        with pytest.deprecated_call(match=rf"DAG\({name}=...\) is deprecated.*remove it"):
            DAG(f"args_{name}", **{name: "x"})
    with pytest.raises(TypeError, match="unexpected keyword argument 'concurrrency'"):
        DAG("typo", concurrrency=3)  # type: ignore[call-arg]
    with pytest.deprecated_call(match="max_active_tis_per_dag"):
        task = BashOperator(task_id="t", bash_command="echo", task_concurrency=2)
    assert task.max_active_tis_per_dag == 2


def test_task_concurrency_limits_parallel_runs_of_a_task(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """max_active_tis_per_dag (1.x task_concurrency) is enforced by the run loop: a backfill
    of four runs on the local executor never runs the limited task twice at once, while the
    unlimited one does overlap."""
    from taskloom.cli import main

    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "4")
    log = tmp_path / "spans"
    dag_file = tmp_path / "limited.py"
    dag_file.write_text(
        "from datetime import datetime\n"
        "from taskloom import DAG\n"
        "from taskloom.operators.bash import BashOperator\n"
        "with DAG('limited', schedule='@daily', start_date=datetime(2024, 1, 1), catchup=True):\n"
        "    for name, limit in (('one', 1), ('many', None)):\n"
        "        BashOperator(task_id=name, max_active_tis_per_dag=limit, bash_command=\n"
        f"            'echo $(date +%s.%N) start {{{{ task.task_id }}}} >> {log}; sleep 0.4; '\n"
        f"            'echo $(date +%s.%N) end {{{{ task.task_id }}}} >> {log}')\n"
    )
    code = main(
        [
            "dags",
            "backfill",
            "limited",
            "-s",
            "2024-01-01",
            "-e",
            "2024-01-04",
            "-S",
            str(dag_file),
            "-x",
            "local",
        ]
    )
    capsys.readouterr()
    assert code == 0

    def most_at_once(task_id: str) -> int:
        events = sorted(
            (float(when), kind)
            for when, kind, name in (line.split() for line in log.read_text().splitlines())
            if name == task_id
        )
        running = peak = 0
        for _, kind in events:
            running += 1 if kind == "start" else -1
            peak = max(peak, running)
        return peak

    assert most_at_once("one") == 1
    assert most_at_once("many") > 1


def test_configuration_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKLOOM_DAGS_FOLDER", str(tmp_path / "dags"))
    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "8")
    monkeypatch.setenv("TASKLOOM__LOGGING__BASE_LOG_FOLDER", str(tmp_path / "logs"))
    assert conf.get("core", "dags_folder") == str(tmp_path / "dags")
    assert configuration.get("core", "dags_folder") == str(tmp_path / "dags")
    assert conf.getint("core", "parallelism") == 8
    assert conf.getfloat("core", "parallelism") == 8.0
    assert conf.getboolean("core", "unset_flag", fallback=False) is False
    assert conf.has_option("core", "parallelism")
    assert not conf.has_option("core", "unset")
    with pytest.raises(
        ConfigurationError, match=r"\[core\] unset is not set.*TASKLOOM__CORE__UNSET"
    ):
        conf.get("core", "unset")
    with pytest.deprecated_call(match=r"\[core\] base_log_folder.*\[logging\] base_log_folder"):
        assert conf.get("core", "base_log_folder") == str(tmp_path / "logs")
    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "many")
    with pytest.raises(ConfigurationError, match="whole number"):
        conf.getint("core", "parallelism")


def test_macros_expose_no_module_objects() -> None:
    import types

    assert macros.ds_add("2024-01-31", 1) == "2024-02-01"
    assert macros.ds_format("2024-01-31", "%Y-%m-%d", "%d.%m.%Y") == "31.01.2024"
    assert len(str(macros.uuid.uuid4())) == 36
    assert 0 <= macros.random() < 1
    assert macros.time.time() > 0
    assert (
        macros.datetime_diff_for_humans(datetime(2024, 1, 1), datetime(2024, 1, 3)) == "2 days ago"
    )
    public = [getattr(macros, name) for name in macros.__all__]
    assert not any(isinstance(value, types.ModuleType) for value in public)


def test_timezone_helpers() -> None:
    naive = datetime(2024, 1, 1, 12)
    aware = timezone.make_aware(naive)
    assert aware.tzinfo is UTC
    assert timezone.is_localized(aware)
    assert timezone.is_naive(naive)
    assert timezone.make_naive(aware) == naive
    assert timezone.convert_to_utc(naive) == aware
    assert timezone.convert_to_utc(None) is None
    assert timezone.datetime(2024, 1, 1) == datetime(2024, 1, 1, tzinfo=UTC)
    assert timezone.utcnow().tzinfo is not None
    with pytest.raises(ValueError, match="naive"):
        timezone.make_naive(naive)


def test_apply_defaults_is_a_warning_no_op() -> None:
    from taskloom.models.baseoperator import BaseOperator
    from taskloom.utils.decorators import apply_defaults

    with pytest.deprecated_call(match="apply_defaults"):

        class Greeter(BaseOperator):
            @apply_defaults
            def __init__(self, *, name: str = "x", **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self.name = name

    with DAG("defaults", default_args={"name": "from-defaults"}):
        assert Greeter(task_id="g").name == "from-defaults"


def push_two(ti: Any) -> None:
    ti.xcom_push(key="first", value=1)
    ti.xcom_push(key="second", value=2)


def pull_any(ti: Any) -> list[Any]:
    return [ti.xcom_pull(task_ids="push", key=None), ti.xcom_pull(task_ids=["push"], key="first")]


def test_xcom_pull_without_a_key_filter() -> None:
    with DAG("xcom_none") as dag:
        PythonOperator(task_id="push", python_callable=push_two) >> PythonOperator(
            task_id="pull", python_callable=pull_any
        )
    assert run_dag(dag).xcom("pull") == [2, [1]]


def test_xcom_class_methods_outside_a_task() -> None:
    from taskloom.exceptions import DagRunNotFoundError
    from taskloom.models.xcom import XCom

    with DAG("xcom_class") as dag:
        PythonOperator(task_id="push", python_callable=push_two)
    result = run_dag(dag)
    day = datetime(2024, 1, 1, tzinfo=UTC)
    assert XCom.get_one(dag_id="xcom_class", task_id="push", key="first", execution_date=day) == 1
    assert XCom.get_one(dag_id="xcom_class", task_id="push", key=None, run_id=result.run_id) == 2
    XCom.set("third", {"n": 3}, dag_id="xcom_class", task_id="push", execution_date=day)
    assert result.xcom("push", "third") == {"n": 3}
    with pytest.raises(DagRunNotFoundError, match="no run at 2025"):
        XCom.get_one(dag_id="xcom_class", task_id="push", execution_date=datetime(2025, 1, 1))
