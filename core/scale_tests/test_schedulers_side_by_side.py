"""Schedulers side by side on one PostgreSQL metadata DB (issue 14, section 5).

500 runs of a 20-task DAG, every task appending a row to a side table: with two
schedulers every task instance runs exactly once; with three, one of them ``kill -9``-ed
in the middle, the others adopt its runs and finish every one, and only the tries its
death interrupted ran again (rows per task instance == its try count).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import postgres_server  # noqa: F401  (fixture)

RUNS = 500
TASKS = 20
DAG_FILE = Path(__file__).parent / "dags" / "side_by_side.py"


@pytest.fixture
def metadata_db(
    postgres_server: PostgresServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """A fresh database on the test server, as the metadata DB and the side table's home."""
    name = f"sbs_{os.getpid()}_{abs(hash(request.node.name)) % 10**8}"
    admin = postgres_server.uri
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", url)
    monkeypatch.setenv("SIDE_URL", url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE side (run_id TEXT, task_id TEXT, try_number INTEGER)")
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create_runs() -> None:
    from taskloom import store
    from taskloom.dag_processing import DagBag
    from taskloom.models import dagrun

    dag = DagBag(DAG_FILE).get_dag("side_by_side")
    assert dag is not None
    conn = store.connect()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(RUNS):
        dagrun.create(conn, dag, logical_date=start + timedelta(minutes=i), run_type="manual")
    conn.close()


def _scheduler(log: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        TASKLOOM__CORE__PARALLELISM="2",
        TASKLOOM__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD="3",
        TASKLOOM__SCHEDULER__JOB_HEARTBEAT_SEC="0.5",
        TASKLOOM__SCHEDULER__TASK_HEARTBEAT_TIMEOUT="10",
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "taskloom", "scheduler", "-S", str(DAG_FILE), "-x", "local"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _counts(url: str) -> tuple[int, int]:
    """(finished runs, side rows)."""
    with psycopg.connect(url) as conn:
        done = conn.execute(
            "SELECT count(*) FROM dag_run WHERE state IN ('success', 'failed')"
        ).fetchone()
        rows = conn.execute("SELECT count(*) FROM side").fetchone()
    assert done is not None
    assert rows is not None
    return done[0], rows[0]


def _tails(logs: list[Path]) -> str:
    return "\n".join(f"--- {log.name}:\n{log.read_text(errors='replace')[-2000:]}" for log in logs)


def _wait_all_done(
    url: str, procs: list[subprocess.Popen[bytes]], logs: list[Path], minutes: float
) -> None:
    deadline = time.monotonic() + minutes * 60
    while _counts(url)[0] < RUNS:
        assert time.monotonic() < deadline, f"only {_counts(url)} (runs done, rows) in time"
        assert any(p.poll() is None for p in procs), "every scheduler exited:\n" + _tails(logs)
        time.sleep(1)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _assert_no_db_errors(logs: list[Path]) -> None:
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        for marker in ("deadlock detected", "could not serialize", "Traceback"):
            assert marker not in text, f"{log.name} shows {marker!r}:\n{text[-3000:]}"


def test_two_schedulers_run_every_task_instance_exactly_once(
    metadata_db: str, tmp_path: Path
) -> None:
    _create_runs()
    logs = [tmp_path / f"scheduler{i}.log" for i in range(2)]
    procs = [_scheduler(log) for log in logs]
    try:
        _wait_all_done(metadata_db, procs, logs, minutes=15)
    finally:
        _stop(procs)
    with psycopg.connect(metadata_db) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM dag_run GROUP BY state").fetchall())
        per_ti = conn.execute(
            "SELECT count(*), count(DISTINCT (run_id, task_id)), max(try_number) FROM side"
        ).fetchone()
        drivers = conn.execute(
            "SELECT count(DISTINCT job_id) FROM dag_run WHERE job_id IS NOT NULL"
        ).fetchone()
    assert states == {"success": RUNS}
    assert per_ti == (RUNS * TASKS, RUNS * TASKS, 1), "a task instance ran twice or not at all"
    assert drivers == (2,), "both schedulers should have driven runs"
    _assert_no_db_errors(logs)


def test_three_schedulers_one_killed_the_others_finish_every_run(
    metadata_db: str, tmp_path: Path
) -> None:
    _create_runs()
    logs = [tmp_path / f"scheduler{i}.log" for i in range(3)]
    procs = [_scheduler(log) for log in logs]
    try:
        deadline = time.monotonic() + 300
        while _counts(metadata_db)[0] < RUNS // 3:
            assert time.monotonic() < deadline, f"no progress: {_counts(metadata_db)}"
            time.sleep(0.5)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        _wait_all_done(metadata_db, procs[1:], logs[1:], minutes=15)
    finally:
        _stop(procs)
    with psycopg.connect(metadata_db) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM dag_run GROUP BY state").fetchall())
        mismatched = conn.execute(
            "SELECT ti.run_id, ti.task_id, ti.try_number, count(s.task_id) FROM task_instance ti "
            "LEFT JOIN side s ON s.run_id = ti.run_id AND s.task_id = ti.task_id "
            "GROUP BY ti.run_id, ti.task_id, ti.try_number HAVING count(s.task_id) != ti.try_number "
            "AND NOT (count(s.task_id) = ti.try_number - 1)"
        ).fetchall()
        duplicates = conn.execute(
            "SELECT run_id, task_id, try_number, count(*) FROM side "
            "GROUP BY run_id, task_id, try_number HAVING count(*) > 1"
        ).fetchall()
        missing = conn.execute(
            "SELECT count(*) FROM task_instance ti WHERE NOT EXISTS "
            "(SELECT 1 FROM side s WHERE s.run_id = ti.run_id AND s.task_id = ti.task_id)"
        ).fetchone()
    assert states == {"success": RUNS}, "every run finishes green after the kill"
    assert duplicates == [], "no try ran twice"
    assert missing == (0,), "every task instance ran"
    # A try killed mid-task may have written its row before dying: one row per try,
    # or one fewer when the killed try died before writing.
    assert mismatched == []
    _assert_no_db_errors(logs[1:])
