"""Schedules: cron, presets, timedelta, @once and None, with catchup, start and end dates."""

from __future__ import annotations

import itertools
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from taskloom import DAG
from taskloom.exceptions import InvalidScheduleError
from taskloom.models.dag import DagRunInfo


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_catchup_walks_every_interval_from_start() -> None:
    """With catchup the first run is the first interval after start_date, then each next one."""
    dag = DAG("d", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=True)
    now = utc(2024, 1, 4, 12)
    first = dag.next_dagrun_info(None, now=now)
    assert first == DagRunInfo(utc(2024, 1, 1), utc(2024, 1, 1), utc(2024, 1, 2))
    second = dag.next_dagrun_info(first, now=now)
    assert second == DagRunInfo.interval(utc(2024, 1, 2), utc(2024, 1, 3))
    assert second.is_due(now)
    fourth = dag.next_dagrun_info(dag.next_dagrun_info(second, now=now), now=now)
    assert fourth is not None
    assert fourth.logical_date == utc(2024, 1, 4)
    assert not fourth.is_due(now)  # its interval ends tomorrow


def test_no_catchup_runs_only_latest_complete_interval() -> None:
    """catchup=False skips to the latest complete interval, then continues from there."""
    dag = DAG("d", schedule="0 6 * * *", start_date=datetime(2024, 1, 1))
    now = utc(2024, 3, 10, 7)
    info = dag.next_dagrun_info(None, now=now)
    assert info == DagRunInfo.interval(utc(2024, 3, 9, 6), utc(2024, 3, 10, 6))
    # After that run, the next is not due until tomorrow 06:00.
    following = dag.next_dagrun_info(info, now=now)
    assert following == DagRunInfo.interval(utc(2024, 3, 10, 6), utc(2024, 3, 11, 6))
    # A DAG paused for days resumes at the latest interval, not the missed ones.
    later = dag.next_dagrun_info(info, now=utc(2024, 3, 20, 7))
    assert later is not None
    assert later.logical_date == utc(2024, 3, 19, 6)


def test_start_date_not_on_boundary_aligns_to_next() -> None:
    """A start_date between fire times begins at the next fire time."""
    dag = DAG("d", schedule="@hourly", start_date=datetime(2024, 1, 1, 10, 30), catchup=True)
    info = dag.next_dagrun_info(None, now=utc(2024, 1, 2))
    assert info == DagRunInfo.interval(utc(2024, 1, 1, 11), utc(2024, 1, 1, 12))


def test_start_date_in_future_wins_over_no_catchup() -> None:
    """Without catchup, a future start_date still bounds the first run."""
    dag = DAG("d", schedule="@daily", start_date=datetime(2030, 1, 1))
    info = dag.next_dagrun_info(None, now=utc(2024, 1, 1))
    assert info == DagRunInfo.interval(utc(2030, 1, 1), utc(2030, 1, 2))
    assert not info.is_due(utc(2024, 1, 1))


def test_end_date_stops_runs() -> None:
    """No run has a logical date after end_date."""
    dag = DAG(
        "d",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        end_date=datetime(2024, 1, 2),
        catchup=True,
    )
    now = utc(2024, 2, 1)
    first = dag.next_dagrun_info(None, now=now)
    second = dag.next_dagrun_info(first, now=now)
    assert second is not None
    assert second.logical_date == utc(2024, 1, 2)
    assert dag.next_dagrun_info(second, now=now) is None


def test_timedelta_schedule() -> None:
    """A timedelta schedule makes back-to-back intervals from start_date."""
    dag = DAG("d", schedule=timedelta(hours=6), start_date=datetime(2024, 1, 1, 1), catchup=True)
    first = dag.next_dagrun_info(None, now=utc(2024, 1, 2))
    assert first == DagRunInfo.interval(utc(2024, 1, 1, 1), utc(2024, 1, 1, 7))
    latest = DAG("l", schedule=timedelta(hours=6)).next_dagrun_info(None, now=utc(2024, 1, 2, 3))
    assert latest == DagRunInfo.interval(utc(2024, 1, 1, 21), utc(2024, 1, 2, 3))


def test_once_runs_once_at_start_date() -> None:
    """@once gives one run at start_date and then none."""
    dag = DAG("d", schedule="@once", start_date=datetime(2024, 5, 1))
    info = dag.next_dagrun_info(None, now=utc(2024, 6, 1))
    assert info == DagRunInfo(utc(2024, 5, 1), utc(2024, 5, 1), utc(2024, 5, 1))
    assert info.is_due(utc(2024, 6, 1))
    assert dag.next_dagrun_info(info, now=utc(2024, 6, 1)) is None


def test_none_schedule_has_no_runs_and_manual_interval_is_a_point() -> None:
    """schedule=None never creates runs; a manual run covers just its logical date."""
    dag = DAG("d", start_date=datetime(2024, 1, 1))
    assert dag.next_dagrun_info(None, now=utc(2024, 6, 1)) is None
    when = utc(2024, 6, 1, 12)
    assert dag.infer_manual_data_interval(when) == DagRunInfo(when, when, when)


def test_manual_interval_of_cron_dag_is_latest_complete() -> None:
    """A manual run of a daily DAG covers the day that ended last (Airflow 2 semantics)."""
    dag = DAG("d", schedule="@daily")
    info = dag.infer_manual_data_interval(datetime(2024, 3, 5, 12))
    assert info == DagRunInfo(utc(2024, 3, 5, 12), utc(2024, 3, 4), utc(2024, 3, 5))
    on_boundary = dag.infer_manual_data_interval(utc(2024, 3, 5))
    assert (on_boundary.data_interval_start, on_boundary.data_interval_end) == (
        utc(2024, 3, 4),
        utc(2024, 3, 5),
    )


def test_iter_dagrun_infos_between_for_backfill() -> None:
    """Backfill yields every interval whose logical date is within [start, end]."""
    dag = DAG("d", schedule="@daily", start_date=datetime(2024, 1, 1))
    infos = list(dag.iter_dagrun_infos_between(datetime(2024, 1, 3), datetime(2024, 1, 5)))
    assert [i.logical_date.day for i in infos] == [3, 4, 5]
    assert infos[-1].data_interval_end == utc(2024, 1, 6)
    weekly = DAG("w", schedule="@weekly")
    assert [
        i.logical_date for i in weekly.iter_dagrun_infos_between(utc(2024, 1, 1), utc(2024, 1, 15))
    ] == [
        utc(2024, 1, 7),
        utc(2024, 1, 14),
    ]
    assert list(DAG("n").iter_dagrun_infos_between(utc(2024, 1, 1), utc(2024, 2, 1))) == []


@pytest.mark.parametrize(
    ("preset", "expected_end"),
    [
        ("@hourly", utc(2024, 1, 1, 1)),
        ("@daily", utc(2024, 1, 2)),
        ("@weekly", utc(2024, 1, 14)),  # 2024-01-01 is a Monday
        ("@monthly", utc(2024, 2, 1)),
        ("@yearly", utc(2025, 1, 1)),
    ],
)
def test_presets(preset: str, expected_end: datetime) -> None:
    """Each preset maps to its cron expression."""
    dag = DAG("d", schedule=preset, start_date=datetime(2024, 1, 1), catchup=True)
    info = dag.next_dagrun_info(None, now=utc(2026, 1, 1))
    assert info is not None
    assert info.data_interval_end == expected_end


def test_aware_dates_are_converted_to_utc() -> None:
    """A start_date in another zone is converted; naive datetimes are UTC."""
    plus_two = timezone(timedelta(hours=2))
    dag = DAG(
        "d", schedule="@hourly", start_date=datetime(2024, 1, 1, 2, tzinfo=plus_two), catchup=True
    )
    assert dag.start_date == utc(2024, 1, 1)
    info = dag.next_dagrun_info(None, now=datetime(2024, 1, 1, 5))
    assert info is not None
    assert info.logical_date == utc(2024, 1, 1)


@pytest.mark.parametrize("schedule", ["* * *", "61 * * * *", "@fortnightly", 42])
def test_bad_schedule_names_the_expression(schedule: object) -> None:
    """A bad schedule raises naming the value and the accepted forms."""
    with pytest.raises(InvalidScheduleError, match=repr(schedule).replace("*", r"\*")):
        DAG("d", schedule=schedule)  # type: ignore[arg-type]


def test_negative_timedelta_is_rejected() -> None:
    """A non-positive timedelta schedule raises."""
    with pytest.raises(InvalidScheduleError, match="positive"):
        DAG("d", schedule=timedelta(0))


def test_schedule_interval_is_deprecated() -> None:
    """schedule_interval= still works, with a DeprecationWarning."""
    with pytest.deprecated_call(match="schedule="):
        dag = DAG("d", schedule_interval="@daily")
    assert dag.timetable.summary == "@daily"


@given(
    schedule=st.sampled_from(
        ["@hourly", "@daily", "@weekly", "@monthly", "0 6 * * 1-5", "30 2 1,15 * *", "15 */4 * * *"]
    ),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    # 62 days hold at least one whole interval of every schedule drawn (a month included).
    span_days=st.integers(min_value=62, max_value=100),
)
@settings(max_examples=40, deadline=None)
def test_catchup_runs_are_contiguous_and_match_backfill(
    schedule: str, start: datetime, span_days: int
) -> None:
    """With catchup, runs tile time from start_date without gaps; backfill yields the same runs."""
    end = start + timedelta(days=span_days)
    dag = DAG("prop", schedule=schedule, start_date=start, end_date=end, catchup=True)
    now = end + timedelta(days=400)
    infos = []
    info = dag.next_dagrun_info(None, now=now)
    while info is not None:
        infos.append(info)
        info = dag.next_dagrun_info(info, now=now)
    assert infos, "no catch-up run: the span holds no whole interval"
    for run in infos:
        assert run.logical_date == run.data_interval_start < run.data_interval_end
        assert start.replace(tzinfo=UTC) <= run.logical_date <= end.replace(tzinfo=UTC)
    for earlier, later in itertools.pairwise(infos):
        assert earlier.data_interval_end == later.data_interval_start
    assert list(dag.iter_dagrun_infos_between(start, end)) == infos
