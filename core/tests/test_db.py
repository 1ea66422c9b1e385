"""Tests for taskloom.store: creation on first use, transactions, migrations, check and reset.

They run on the backend the suite runs on (SQLite, or PostgreSQL in the ``core-postgres``
environment: ``TASKLOOM_TEST_DATABASE``); the few about the SQLite file are marked
``sqlite_only`` and have their PostgreSQL counterpart next to them.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from taskloom import configuration
from taskloom import store
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import DatabaseSchemaError
from taskloom.exceptions import DatabaseUnavailableError
from taskloom.store import backends
from taskloom.store import schema
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.servers import free_port

TABLES = {"connection", "variable", "dag", "dag_run", "task_instance", "xcom"}


def _columns(conn: store.Connection, table: str) -> list[str]:
    row = conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchone()
    assert row is not None, f"no row in {table}"
    return list(row.keys())


def test_connect_creates_and_migrates() -> None:
    """The first connect() creates the schema at the head version, with every table."""
    conn = store.connect()
    assert schema.current_version(conn) == schema.head_version(conn.dialect)
    for table in [*TABLES, "job", "slot_pool", "task_state"]:
        conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    conn.close()


@pytest.mark.sqlite_only("the SQLite file and its pragmas")
def test_sqlite_file_and_pragmas() -> None:
    """$TASKLOOM_HOME/taskloom.db, 0600, with WAL, NORMAL sync and foreign keys; lock waits
    are the connection's (SQLite's own busy handler is off)."""
    conn = store.connect()
    path = configuration.home() / "taskloom.db"
    assert path.is_file()
    assert path.stat().st_mode & 0o777 == 0o600
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10000
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    assert conn.lock_wait == 30
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_foreign_keys_cascade() -> None:
    """Deleting a run deletes its task instances and XComs (SQLite: foreign_keys=ON)."""
    conn = store.connect()
    with conn.transaction():
        conn.execute(
            "INSERT INTO dag_run(dag_id, run_id, logical_date, run_type, state) "
            "VALUES ('d', 'r', '2026-01-01T00:00:00+00:00', 'manual', 'success')"
        )
        conn.execute("INSERT INTO task_instance(dag_id, run_id, task_id) VALUES ('d', 'r', 't')")
        conn.execute(
            "INSERT INTO xcom(dag_id, run_id, task_id, key, value, timestamp) "
            "VALUES ('d', 'r', 't', 'k', '1', 'now')"
        )
    conn.execute("DELETE FROM dag_run WHERE dag_id = 'd'")
    assert conn.execute("SELECT count(*) FROM task_instance").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM xcom").fetchone()[0] == 0
    conn.close()


def test_connection_table_matches_contract() -> None:
    """The connection table has the columns the metastore secrets backend relies on."""
    conn = store.connect()
    conn.execute("INSERT INTO connection(conn_id, conn_type) VALUES ('c', 'http')")
    assert _columns(conn, "connection") == [
        "conn_id",
        "conn_type",
        "description",
        "host",
        "schema",
        "login",
        "password",
        "port",
        "extra",
    ]
    conn.close()


def test_with_block_is_a_transaction() -> None:
    """Writes in a failing `with conn.transaction():` block are rolled back; a clean block commits."""
    conn = store.connect()

    def failing_block() -> None:
        with conn.transaction():
            conn.execute("INSERT INTO variable(key, val) VALUES ('a', '1')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_block()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('b', '2')")
    other = store.connect()
    assert [row[0] for row in other.execute("SELECT key FROM variable")] == ["b"]
    conn.close()
    other.close()


def test_rows_by_position_and_name() -> None:
    """A row indexes by position and column name and unpacks, on both backends."""
    conn = store.connect()
    conn.execute("INSERT INTO variable(key, val) VALUES (?, ?)", ("k", "100%?"))
    row = conn.execute("SELECT key, val FROM variable WHERE val = ?", ("100%?",)).fetchone()
    key, val = row
    assert (row[0], row["val"], key, val, row.keys()) == (
        "k",
        "100%?",
        "k",
        "100%?",
        ["key", "val"],
    )
    conn.close()


@pytest.mark.sqlite_only("[database] path names a SQLite file")
def test_database_path_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[database] path overrides the default location."""
    target = tmp_path / "elsewhere" / "meta.db"
    monkeypatch.setenv("TASKLOOM__DATABASE__PATH", str(target))
    store.connect().close()
    assert target.is_file()


@pytest.mark.sqlite_only("a sqlite:/// URL")
def test_sqlite_url_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[database] url = sqlite:////abs/path names the SQLite file."""
    target = tmp_path / "by-url.db"
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", f"sqlite:///{target}")
    store.connect().close()
    assert target.is_file()
    assert str(store.configured_url()) == str(target)


def test_check_reports_behind_and_migrate_fixes() -> None:
    """A DB at no version is reported behind until migrate() brings it to head."""
    dialect = store.configured_url().dialect
    head = schema.head_version(dialect)
    assert store.check() == (0, head)
    store.open_unmigrated().close()  # SQLite: an empty file now exists; still version 0
    assert store.check() == (0, head)
    assert store.migrate() == [m.name for m in schema.migrations(dialect)]
    assert store.check() == (head, head)
    assert store.migrate() == []


def test_migrations_have_the_same_versions_on_both_dialects() -> None:
    """Each version exists for both dialects, numbered 1..head without gaps."""
    for dialect in ("sqlite", "postgresql"):
        versions = [m.version for m in schema.migrations(dialect)]
        assert versions == list(range(1, schema.head_version(dialect) + 1))
    assert [m.name for m in schema.migrations("sqlite")] == [
        m.name for m in schema.migrations("postgresql")
    ]


def _set_version(version: int) -> None:
    conn = store.open_unmigrated()
    try:
        with conn.transaction():
            backends.of(conn.url).set_schema_version(conn, version)
    finally:
        conn.close()


def test_newer_db_is_refused() -> None:
    """A DB from a newer taskloom is refused with the fix in the message, never used."""
    store.connect().close()
    _set_version(schema.head_version(store.configured_url().dialect) + 1)
    with pytest.raises(DatabaseSchemaError, match=r"newer than this taskloom.*upgrade taskloom"):
        store.connect()
    with pytest.raises(DatabaseSchemaError, match="upgrade taskloom"):
        store.migrate()


def test_reset_empties_the_db() -> None:
    """reset() drops every row and leaves a migrated DB."""
    conn = store.connect()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('a', '1')")
    conn.close()
    store.reset()
    conn = store.connect()
    assert conn.execute("SELECT count(*) FROM variable").fetchone()[0] == 0
    assert schema.current_version(conn) == schema.head_version(conn.dialect)
    conn.close()


# --- every migration, upward from every earlier version, with rows in the tables -------

_DECLARATIVE_1_0_STATE = (
    "CREATE TABLE IF NOT EXISTS declarative_state ("
    " dag_id TEXT NOT NULL, task_id TEXT NOT NULL, stream TEXT NOT NULL,"
    " state TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (dag_id, task_id, stream))"
)


def _fill(conn: store.Connection, version: int) -> None:
    """Rows in every table a DB at ``version`` has, as taskloom at that version wrote them."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO connection(conn_id, conn_type, host, password, port) VALUES (?, ?, ?, ?, ?)",
            ("pg", "postgres", "db.example", "s3cr?t%", 5432),
        )
        conn.execute("INSERT INTO variable(key, val, description) VALUES ('v', '42', 'answer')")
        conn.execute("INSERT INTO dag(dag_id, fileloc, is_paused) VALUES ('d', '/dags/d.py', 1)")
        conn.execute(
            "INSERT INTO dag_run(dag_id, run_id, logical_date, run_type, state, conf, external_trigger) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("d", "manual__1", "2026-01-01T00:00:00+00:00", "manual", "success", '{"a": 1}', 1),
        )
        conn.execute(
            "INSERT INTO task_instance(dag_id, run_id, task_id, state, try_number, max_tries, duration) "
            "VALUES ('d', 'manual__1', 't', 'success', 1, 2, 1.5)"
        )
        conn.execute(
            "INSERT INTO xcom(dag_id, run_id, task_id, key, value, timestamp) "
            "VALUES ('d', 'manual__1', 't', 'return_value', '[1, 2]', '2026-01-01T00:00:01+00:00')"
        )
        if version >= 2:
            conn.execute("UPDATE task_instance SET owner = 'host:1:2'")
        if version < 3:
            # taskloom-declarative 1.0 kept stream state in a table of its own, created on
            # first use; migration 3 moves its rows into task_state.
            conn.execute(_DECLARATIVE_1_0_STATE)
            conn.execute(
                "INSERT INTO declarative_state(dag_id, task_id, stream, state, updated_at) "
                "VALUES ('d', 'read', 'users', '{\"cursor\": 7}', '2026-01-01T00:00:00+00:00')"
            )
        else:
            conn.execute(
                "INSERT INTO task_state(dag_id, task_id, key, value, updated_at) "
                "VALUES ('d', 'read', 'stream:users', '{\"cursor\": 7}', '2026-01-01T00:00:00+00:00')"
            )
            conn.execute("INSERT INTO slot_pool(pool, slots) VALUES ('three', 3)")
            conn.execute("UPDATE task_instance SET pool = 'three', pool_slots = 2")
        if version >= 4:
            conn.execute(
                "INSERT INTO web_user(username, password_hash, role, created_at) "
                "VALUES ('ada', '$argon2id$x', 'admin', '2026-01-01T00:00:00+00:00')"
            )


def _check_rows(conn: store.Connection, version: int) -> None:
    """The rows :func:`_fill` wrote at ``version``, as the head schema holds them."""
    assert tuple(
        conn.execute("SELECT conn_id, host, password, port FROM connection").fetchone()
    ) == (
        "pg",
        "db.example",
        "s3cr?t%",
        5432,
    )
    assert tuple(conn.execute("SELECT key, val, description FROM variable").fetchone()) == (
        "v",
        "42",
        "answer",
    )
    assert tuple(conn.execute("SELECT dag_id, is_paused FROM dag").fetchone()) == ("d", 1)
    run = conn.execute("SELECT run_id, conf, external_trigger, job_id FROM dag_run").fetchone()
    assert tuple(run) == ("manual__1", '{"a": 1}', 1, None)
    ti = conn.execute(
        "SELECT task_id, state, try_number, max_tries, duration, pool, pool_slots, queue, "
        "last_heartbeat FROM task_instance"
    ).fetchone()
    pool = ("three", 2) if version >= 3 else ("default_pool", 1)
    assert tuple(ti) == ("t", "success", 1, 2, 1.5, *pool, None, None)
    assert conn.execute("SELECT value FROM xcom").fetchone()[0] == "[1, 2]"
    state = conn.execute("SELECT dag_id, task_id, key, value FROM task_state").fetchone()
    assert tuple(state) == ("d", "read", "stream:users", '{"cursor": 7}')
    pools = {tuple(row) for row in conn.execute("SELECT pool, slots FROM slot_pool")}
    assert pools == {("default_pool", 128), *([("three", 3)] if version >= 3 else [])}
    users = [tuple(row) for row in conn.execute("SELECT username, role FROM web_user")]
    assert users == ([("ada", "admin")] if version >= 4 else [])


@pytest.mark.parametrize("start", range(1, schema.head_version()))
def test_migrate_upward_from_each_version_keeps_rows(start: int) -> None:
    """A DB built at version ``start`` and filled migrates to head, one version at a time,
    keeping every row; every later migration is applied, in order, exactly once."""
    conn = store.open_unmigrated()
    try:
        dialect = conn.dialect
        head = schema.head_version(dialect)
        assert schema.migrate(conn, target=start) == [
            m.name for m in schema.migrations(dialect)[:start]
        ]
        assert schema.current_version(conn) == start
        _fill(conn, start)
        for version in range(start + 1, head + 1):
            applied = schema.migrate(conn, target=version)
            assert applied == [schema.migrations(dialect)[version - 1].name]
            assert schema.current_version(conn) == version
        assert schema.migrate(conn) == []
        _check_rows(conn, start)
    finally:
        conn.close()
    # And the store (models, CLI) reads them: the migrated DB is the same as a new one.
    from taskloom.models.variable import Variable

    assert Variable.get("v") == "42"


@pytest.mark.parametrize("start", range(1, schema.head_version()))
def test_migrate_from_each_version_to_head_at_once(start: int) -> None:
    """Each version straight to head in one migrate() (what `taskloom db migrate` does)."""
    conn = store.open_unmigrated()
    try:
        schema.migrate(conn, target=start)
        _fill(conn, start)
        assert schema.migrate(conn) == [m.name for m in schema.migrations(conn.dialect)[start:]]
        _check_rows(conn, start)
    finally:
        conn.close()


# --- PostgreSQL: one clear line for what goes wrong (never the password) ---------------


def _pg_url(
    server: PostgresServer, *, password: str | None = None, database: str | None = None
) -> str:
    return (
        f"postgresql://{quote(server.user, safe='')}:{quote(password or server.password, safe='')}"
        f"@{server.host}:{server.port}/{database or server.database}"
    )


def test_postgresql_wrong_password_is_one_line_without_it(
    metadata_db_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", _pg_url(metadata_db_server, password="wr0ng-pw"))
    with pytest.raises(DatabaseUnavailableError) as raised:
        store.connect()
    message = str(raised.value)
    assert "\n" not in message
    assert "wr0ng-pw" not in message
    assert metadata_db_server.password not in message
    assert "password authentication failed" in message
    assert "check the user name and password in [database] url" in message


def test_postgresql_missing_database_names_createdb(
    metadata_db_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", _pg_url(metadata_db_server, database="nosuchdb"))
    with pytest.raises(DatabaseUnavailableError, match="createdb") as raised:
        store.connect()
    assert metadata_db_server.password not in str(raised.value)


def test_postgresql_unreachable_server_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TASKLOOM__DATABASE__URL", f"postgresql://me:hunter2@127.0.0.1:{free_port()}/taskloom"
    )
    with pytest.raises(DatabaseUnavailableError) as raised:
        store.connect()
    message = str(raised.value)
    assert "\n" not in message
    assert "hunter2" not in message
    assert "me:***@127.0.0.1" in message
    assert "start PostgreSQL, or fix the host and port" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://me:hunter2@host/db", "unsupported scheme mysql"),
        ("postgresql://me:hunter2@host:notaport/db", "not a valid PostgreSQL URL"),
        ("postgresql:///db", "names no PostgreSQL host"),
        ("sqlite://relative.db", "after three slashes"),
    ],
)
def test_bad_url_is_one_line_without_the_password(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", url)
    with pytest.raises(ConfigurationError, match=expected) as raised:
        store.connect()
    assert "hunter2" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_driver_names_the_extra(tmp_path: Path) -> None:
    """Without psycopg, a PostgreSQL URL fails with the pip command of the extra (CLI: exit 1)."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nsys.modules['psycopg'] = None\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        "TASKLOOM_HOME": str(tmp_path / "home"),
        "TASKLOOM__DATABASE__URL": "postgresql://me:hunter2@127.0.0.1:1/taskloom",
    }
    result = subprocess.run(
        [sys.executable, "-m", "taskloom", "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert 'pip install "taskloom[postgres-db]"' in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only("SQLite's online backup API")
def test_backup_copies_the_sqlite_file(tmp_path: Path) -> None:
    conn = store.connect()
    conn.execute("INSERT INTO variable(key, val) VALUES ('k', 'v')")
    conn.close()
    target = tmp_path / "copy.db"
    store.backup(target)
    assert target.stat().st_mode & 0o777 == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT val FROM variable").fetchall() == [("v",)]
    copy.close()
    with pytest.raises(FileExistsError):
        store.backup(target)


def test_backup_on_postgresql_says_pg_dump(
    metadata_db_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TASKLOOM__DATABASE__URL", _pg_url(metadata_db_server))
    with pytest.raises(DatabaseUnavailableError, match="pg_dump") as raised:
        store.backup(tmp_path / "copy.db")
    assert metadata_db_server.password not in str(raised.value)
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.sqlite_only("SQLite's write lock, waited for by the connection")
def test_a_writer_waits_for_the_lock_and_gives_up_after_lock_wait() -> None:
    """A write meeting another connection's transaction goes through as soon as it commits;
    one that waits longer than ``lock_wait`` fails with SQLite's "database is locked"."""
    holder = store.connect()
    holder.execute("CREATE TABLE lock_probe (n INTEGER)")
    written = threading.Event()

    def write() -> None:  # a connection of its own, as another process would have
        writer = store.connect()
        writer.execute("INSERT INTO lock_probe VALUES (2)")
        writer.close()
        written.set()

    with holder.transaction():
        holder.execute("INSERT INTO lock_probe VALUES (1)")
        started = time.monotonic()
        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.3)
        assert not written.is_set()  # still waiting while the transaction is open
    thread.join(timeout=10)
    assert written.is_set()
    assert 0.3 <= time.monotonic() - started < 2
    assert sorted(r[0] for r in holder.execute("SELECT n FROM lock_probe")) == [1, 2]

    impatient = store.connect()
    impatient.lock_wait = 0.2
    with holder.transaction():
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            impatient.execute("INSERT INTO lock_probe VALUES (3)")
        assert 0.2 <= time.monotonic() - started < 1
    impatient.close()
    holder.close()
