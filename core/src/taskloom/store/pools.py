"""The ``slot_pool`` table: pools of slots that bound how many tasks run at once.

A task takes ``pool_slots`` slots of its ``pool`` (default :data:`DEFAULT_POOL`) while it
is queued or running; the scheduler queues a task only while its pool has that many
open slots.  ``default_pool`` always exists: it is created with the schema, sized by
``[core] default_pool_task_slot_count`` at that moment (as in Airflow: the setting does
not resize an existing pool; ``taskloom pools set default_pool N`` does), and cannot be
deleted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from typing import Final

from taskloom.store.connection import Connection

#: The pool of every task that names none.
DEFAULT_POOL: Final = "default_pool"
#: Size of ``default_pool`` when ``[core] default_pool_task_slot_count`` is not set.
DEFAULT_POOL_SLOTS: Final = 128
#: Task instance states that hold slots of their pool.
OCCUPYING_STATES: Final = ("queued", "running")

_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{1,250}")


def name_problem(name: object) -> str | None:
    """What is wrong with ``name`` as a pool name, or ``None`` if it is a valid one."""
    if isinstance(name, str) and _NAME.fullmatch(name):
        return None
    return f"pool name {name!r} is invalid: use 1 to 250 letters, digits, '_', '.' and '-'"


def slots_problem(slots: object) -> str | None:
    """What is wrong with ``slots`` as a pool size, or ``None`` if it is a whole number >= 0."""
    if isinstance(slots, int) and not isinstance(slots, bool) and slots >= 0:
        return None
    return f"a pool's slots must be a whole number >= 0 (0 holds its tasks back), got {slots!r}"


def set_pool(conn: Connection, name: str, slots: int, description: str | None = None) -> None:
    """Create pool ``name`` or change its size; ``description=None`` keeps the current one.

    :raises ValueError: for an invalid name or size (the message says what is allowed).
    """
    problem = name_problem(name) or slots_problem(slots)
    if problem:
        raise ValueError(problem)
    conn.execute(
        "INSERT INTO slot_pool(pool, slots, description) VALUES (?, ?, ?) "
        "ON CONFLICT(pool) DO UPDATE SET slots = excluded.slots, "
        "description = coalesce(excluded.description, slot_pool.description)",
        (name, slots, description),
    )


def get_pool(conn: Connection, name: str) -> dict[str, Any] | None:
    """``{"pool", "slots", "description", "occupied", "open"}`` of pool ``name``, or ``None``."""
    row = conn.execute(
        "SELECT pool, slots, description FROM slot_pool WHERE pool = ?", (name,)
    ).fetchone()
    if row is None:
        return None
    return _with_usage(row, occupied_slots(conn, [name]))


def list_pools(conn: Connection) -> list[dict[str, Any]]:
    """Every pool as :func:`get_pool` describes it, sorted by name."""
    rows = conn.execute("SELECT pool, slots, description FROM slot_pool ORDER BY pool").fetchall()
    used = occupied_slots(conn)
    return [_with_usage(row, used) for row in rows]


def _with_usage(row: Any, used: dict[str, int]) -> dict[str, Any]:
    occupied = used.get(row[0], 0)
    return {
        "pool": row[0],
        "slots": row[1],
        "description": row[2],
        "occupied": occupied,
        "open": max(row[1] - occupied, 0),
    }


def delete_pool(conn: Connection, name: str) -> bool:
    """Delete pool ``name``; return whether it existed.

    Tasks that name a deleted pool fail when they are scheduled, saying how to create it.

    :raises ValueError: for :data:`DEFAULT_POOL`, which every task without a pool uses.
    """
    if name == DEFAULT_POOL:
        raise ValueError(
            f"{DEFAULT_POOL} cannot be deleted: tasks without a pool use it; "
            f"resize it with `taskloom pools set {DEFAULT_POOL} <slots>`"
        )
    return conn.execute("DELETE FROM slot_pool WHERE pool = ?", (name,)).rowcount > 0


def slots(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """The size of each existing pool among ``names``; a missing pool is absent from the result
    (the scheduler fails its tasks with :func:`missing_pool_message`)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT pool, slots FROM slot_pool WHERE pool IN ({marks})", wanted
    ).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def occupied_slots(conn: Connection, pools: Iterable[str] | None = None) -> dict[str, int]:
    """Slots taken in each pool (the ``pool_slots`` of its queued and running task
    instances); pools with none taken are absent.

    :param pools: only these pools (``None``: all).
    """
    sql = (
        "SELECT pool, sum(pool_slots) FROM task_instance "
        f"WHERE state IN ({', '.join('?' * len(OCCUPYING_STATES))})"
    )
    params: list[Any] = list(OCCUPYING_STATES)
    if pools is not None:
        wanted = sorted(set(pools))
        if not wanted:
            return {}
        sql += f" AND pool IN ({', '.join('?' * len(wanted))})"
        params += wanted
    rows = conn.execute(sql + " GROUP BY pool", params).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def missing_pool_message(name: str) -> str:
    """Why a task naming pool ``name``, which does not exist, cannot run, and the fix."""
    return f"pool {name} does not exist; create it with `taskloom pools set {name} <slots>`"


def size_default_pool(conn: Connection) -> None:
    """Give ``default_pool`` the size ``[core] default_pool_task_slot_count`` says (the
    migration that creates it calls this, so the setting applies when the DB is created).

    :raises ConfigurationError: if the setting is not a whole number >= 0.
    """
    from taskloom import configuration
    from taskloom.exceptions import ConfigurationError

    size = configuration.get_int("core", "default_pool_task_slot_count", DEFAULT_POOL_SLOTS)
    if slots_problem(size):
        raise ConfigurationError(
            f"setting [core] default_pool_task_slot_count must be a whole number >= 0, got "
            f"{size!r}; fix TASKLOOM__CORE__DEFAULT_POOL_TASK_SLOT_COUNT or taskloom.toml"
        )
    conn.execute("UPDATE slot_pool SET slots = ? WHERE pool = ?", (size, DEFAULT_POOL))
