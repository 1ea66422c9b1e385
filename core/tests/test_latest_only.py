"""LatestOnlyOperator: downstream runs only in the latest scheduled run; manual runs always."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from authoring_runs import run_dag

from taskloom import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.latest_only import LatestOnlyOperator
from taskloom.utils.dates import utcnow


def daily_dag(dag_id: str, schedule: str | timedelta = "@daily") -> DAG:
    with DAG(dag_id, schedule=schedule, start_date=datetime(2024, 1, 1)) as dag:
        latest = LatestOnlyOperator(task_id="latest")
        notify = EmptyOperator(task_id="notify")
        after = EmptyOperator(task_id="after")
        independent = EmptyOperator(task_id="independent")
        latest >> notify >> after
    assert independent.upstream_task_ids == set()
    return dag


def test_scheduled_run_of_latest_interval_runs_downstream() -> None:
    """The run of the latest complete interval lets downstream tasks run."""
    dag = daily_dag("latest")
    info = dag.next_dagrun_info(None, now=utcnow())
    assert info is not None
    result = run_dag(
        dag,
        logical_date=info.logical_date,
        run_type="scheduled",
        data_interval=(info.data_interval_start, info.data_interval_end),
    )
    assert set(result.states.values()) == {"success"}


def test_old_scheduled_and_backfill_runs_skip_direct_downstream() -> None:
    """An older run skips the direct downstream (and skips propagate); others still run."""
    for run_type in ("scheduled", "backfill"):
        dag = daily_dag(f"old_{run_type}")
        start = datetime(2024, 1, 1, tzinfo=UTC)
        result = run_dag(
            dag,
            logical_date=start,
            run_type=run_type,
            data_interval=(start, start + timedelta(days=1)),
        )
        assert result.states == {
            "latest": "success",
            "notify": "skipped",
            "after": "skipped",
            "independent": "success",
        }
        assert result.state == "success"


def test_manual_runs_are_never_skipped() -> None:
    """A manual run of an old date runs everything."""
    result = run_dag(daily_dag("manual"), logical_date=datetime(2024, 1, 1, tzinfo=UTC))
    assert set(result.states.values()) == {"success"}


def test_is_latest_against_a_given_now() -> None:
    """The run is latest while now lies in the interval that follows it."""
    dag = daily_dag("window")
    op = dag.get_task("latest")
    assert isinstance(op, LatestOnlyOperator)
    start = datetime(2024, 3, 4, tzinfo=UTC)
    context = {
        "logical_date": start,
        "data_interval_start": start,
        "data_interval_end": start + timedelta(days=1),
    }
    assert op.is_latest(context, now=datetime(2024, 3, 5, 12, tzinfo=UTC))
    assert op.is_latest(context, now=datetime(2024, 3, 6, tzinfo=UTC))
    assert not op.is_latest(context, now=datetime(2024, 3, 6, 0, 1, tzinfo=UTC))
    assert not op.is_latest(context, now=datetime(2024, 3, 5, tzinfo=UTC))


def test_timedelta_and_unscheduled_dags() -> None:
    """Timedelta schedules use the next interval too; DAGs without recurring schedule are never skipped."""
    hourly = daily_dag("delta", schedule=timedelta(hours=1))
    op = hourly.get_task("latest")
    assert isinstance(op, LatestOnlyOperator)
    start = datetime(2024, 3, 4, 10, tzinfo=UTC)
    context = {
        "logical_date": start,
        "data_interval_start": start,
        "data_interval_end": start + timedelta(hours=1),
    }
    assert op.is_latest(context, now=datetime(2024, 3, 4, 11, 30, tzinfo=UTC))
    assert not op.is_latest(context, now=datetime(2024, 3, 4, 12, 30, tzinfo=UTC))
    once = daily_dag("once", schedule="@once").get_task("latest")
    assert isinstance(once, LatestOnlyOperator)
    assert once.is_latest(context, now=datetime(2030, 1, 1, tzinfo=UTC))
