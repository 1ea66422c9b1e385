"""Pools: the store's CRUD and slot counts, the CLI, the operator arguments and the
default pool's size setting, on the metadata DB the suite runs against."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator

import pytest
from runtime_helpers import run_cli

from taskloom import DAG
from taskloom import store
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import DagDefinitionError
from taskloom.models import dagrun
from taskloom.operators.empty import EmptyOperator
from taskloom.store import pools


@pytest.fixture
def conn() -> Iterator[store.Connection]:
    connection = store.connect()
    try:
        yield connection
    finally:
        connection.close()


def test_default_pool_exists_and_cannot_be_deleted(conn: store.Connection) -> None:
    """A new DB has default_pool with 128 slots; deleting it is refused with how to resize it."""
    assert pools.get_pool(conn, "default_pool") == {
        "pool": "default_pool",
        "slots": 128,
        "description": "Default pool",
        "occupied": 0,
        "open": 128,
    }
    with pytest.raises(ValueError, match=r"`taskloom pools set default_pool <slots>`"):
        pools.delete_pool(conn, "default_pool")
    assert pools.slots(conn, ["default_pool"]) == {"default_pool": 128}


def test_set_creates_then_updates(conn: store.Connection) -> None:
    """set creates a pool, then changes its size; a description given once is kept."""
    pools.set_pool(conn, "warehouse", 3, "three queries at once")
    pools.set_pool(conn, "warehouse", 5)
    found = pools.get_pool(conn, "warehouse")
    assert found is not None
    assert (found["slots"], found["description"]) == (5, "three queries at once")
    pools.set_pool(conn, "warehouse", 0, "paused")
    assert [p["pool"] for p in pools.list_pools(conn)] == ["default_pool", "warehouse"]
    assert pools.slots(conn, ["warehouse", "nope", "warehouse"]) == {"warehouse": 0}
    assert pools.delete_pool(conn, "warehouse") is True
    assert pools.delete_pool(conn, "warehouse") is False
    assert pools.get_pool(conn, "warehouse") is None
    assert pools.slots(conn, []) == {}


@pytest.mark.parametrize(
    ("name", "slots", "message"),
    [
        ("has space", 1, "pool name 'has space' is invalid"),
        ("", 1, "pool name '' is invalid"),
        ("x" * 251, 1, "1 to 250 letters"),
        ("ok", -1, "whole number >= 0"),
        ("ok", True, "whole number >= 0"),
    ],
)
def test_set_refuses_bad_input(conn: store.Connection, name: str, slots: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pools.set_pool(conn, name, slots)
    assert pools.get_pool(conn, "ok") is None


def test_missing_pool_message() -> None:
    assert pools.missing_pool_message("etl") == (
        "pool etl does not exist; create it with `taskloom pools set etl <slots>`"
    )


def _run_with_states(conn: store.Connection, states: dict[str, tuple[str, str, int]]) -> None:
    """A run of a DAG whose tasks are in the given ``(state, pool, pool_slots)``."""
    with DAG(
        "pooled",
        schedule=None,
        start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    ) as dag:
        for task_id in states:
            EmptyOperator(task_id=task_id)
    run = dagrun.create(conn, dag, run_type="manual", logical_date=dag.start_date)
    with conn.transaction():
        for task_id, (state, pool, slots) in states.items():
            conn.execute(
                "UPDATE task_instance SET state = ?, pool = ?, pool_slots = ? "
                "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
                (state, pool, slots, "pooled", run.run_id, task_id),
            )


def test_occupied_slots_count_queued_and_running(conn: store.Connection) -> None:
    """Queued and running tasks take their pool_slots; tasks in other states take none."""
    pools.set_pool(conn, "etl", 10)
    _run_with_states(
        conn,
        {
            "a": ("running", "etl", 3),
            "b": ("queued", "etl", 2),
            "c": ("success", "etl", 4),
            "d": ("running", "default_pool", 1),
            "e": ("scheduled", "default_pool", 1),
            "f": ("up_for_retry", "etl", 1),
        },
    )
    assert pools.occupied_slots(conn) == {"etl": 5, "default_pool": 1}
    assert pools.occupied_slots(conn, ["etl"]) == {"etl": 5}
    assert pools.occupied_slots(conn, ["empty"]) == {}
    assert pools.occupied_slots(conn, []) == {}
    found = pools.get_pool(conn, "etl")
    assert found is not None
    assert (found["occupied"], found["open"]) == (5, 5)


def test_default_pool_size_comes_from_the_setting_when_the_db_is_created(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """[core] default_pool_task_slot_count sizes default_pool when the DB is created; it
    never resizes an existing pool (Airflow's rule), `pools set` does."""
    monkeypatch.setenv("TASKLOOM__CORE__DEFAULT_POOL_TASK_SLOT_COUNT", "7")
    assert run_cli(capsys, "db", "reset", "--yes")[0] == 0
    conn = store.connect()
    try:
        assert pools.slots(conn, ["default_pool"]) == {"default_pool": 7}
        monkeypatch.setenv("TASKLOOM__CORE__DEFAULT_POOL_TASK_SLOT_COUNT", "9")
        store.migrate()
        assert pools.slots(conn, ["default_pool"]) == {"default_pool": 7}
    finally:
        conn.close()
    monkeypatch.setenv("TASKLOOM__CORE__DEFAULT_POOL_TASK_SLOT_COUNT", "-3")
    with pytest.raises(ConfigurationError, match="default_pool_task_slot_count must be"):
        store.reset()


def test_cli_set_get_list_delete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "pools", "set", "etl", "4", "--description", "nightly loads")
    assert (code, out) == (0, "Pool etl set to 4 slots.\n")
    code, out, _ = run_cli(capsys, "pools", "get", "etl", "--output", "json")
    assert code == 0
    assert json.loads(out) == {
        "pool": "etl",
        "slots": 4,
        "occupied": 0,
        "open": 4,
        "description": "nightly loads",
    }
    code, out, _ = run_cli(capsys, "pools", "list", "-o", "json")
    assert code == 0
    assert [(p["pool"], p["slots"]) for p in json.loads(out)] == [
        ("default_pool", 128),
        ("etl", 4),
    ]
    code, out, _ = run_cli(capsys, "pools", "list")
    assert code == 0
    assert out.splitlines()[0].split() == ["pool", "slots", "occupied", "open", "description"]
    assert run_cli(capsys, "pools", "delete", "etl") == (0, "Pool etl deleted.\n", "")


def test_cli_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Each bad command gets one line saying what is wrong and what to do."""
    code, _, err = run_cli(capsys, "pools", "get", "nope")
    assert code == 1
    assert "pool nope does not exist; create it with `taskloom pools set nope <slots>`" in err
    code, _, err = run_cli(capsys, "pools", "delete", "nope")
    assert (code, "pool nope does not exist" in err) == (1, True)
    code, _, err = run_cli(capsys, "pools", "delete", "default_pool")
    assert code == 1
    assert "default_pool cannot be deleted" in err
    code, _, err = run_cli(capsys, "pools", "set", "bad name", "3")
    assert code == 2
    assert "pool name 'bad name' is invalid" in err
    code, _, err = run_cli(capsys, "pools", "set", "etl", "many")
    assert code == 2
    assert "'many' is not a valid integer" in err


def test_operator_pool_arguments() -> None:
    """pool defaults to default_pool; a bad name or pool_slots fails at DAG definition."""
    assert EmptyOperator(task_id="a").pool == "default_pool"
    assert EmptyOperator(task_id="b", pool=None).pool == "default_pool"
    task = EmptyOperator(task_id="c", pool="etl", pool_slots=3)
    assert (task.pool, task.pool_slots) == ("etl", 3)
    with pytest.raises(DagDefinitionError, match=r"task 'd': pool name 'my pool' is invalid"):
        EmptyOperator(task_id="d", pool="my pool")
    for bad in (0, -1, 1.5, True):
        with pytest.raises(
            DagDefinitionError, match=r"task 'e': pool_slots must be a whole number >= 1"
        ):
            EmptyOperator(task_id="e", pool_slots=bad)  # type: ignore[arg-type]


def test_pool_from_default_args() -> None:
    with DAG(
        "pool_defaults",
        schedule=None,
        start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        default_args={"pool": "etl", "pool_slots": 2},
    ):
        task = EmptyOperator(task_id="t")
    assert (task.pool, task.pool_slots) == ("etl", 2)
