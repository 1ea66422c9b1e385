"""Tests for taskloom.cli.db: migrate, check, reset and backup, on the suite's backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from runtime_helpers import query
from runtime_helpers import run_cli

from taskloom import store
from taskloom.cli import cli
from taskloom.store import backends
from taskloom.store import schema
from taskloom.store.url import Dialect


def _names(dialect: Dialect, after: int = 0) -> list[str]:
    return [m.name for m in schema.migrations(dialect) if m.version > after]


def test_migrate_then_check(capsys: pytest.CaptureFixture[str]) -> None:
    """migrate applies every migration (one progress line each); check then exits 0."""
    url = store.configured_url()
    head = schema.head_version(url.dialect)
    code, out, err = run_cli(capsys, "db", "migrate")
    assert code == 0, err
    assert out.strip() == (
        f"Applied {', '.join(_names(url.dialect))}; {url} is at schema version {head}."
    )
    assert f"applied {_names(url.dialect)[-1]} (0 to go)" in err
    code, out, _ = run_cli(capsys, "db", "check")
    assert code == 0
    assert out.strip() == f"{url} is up to date (schema version {head})."
    code, out, _ = run_cli(capsys, "db", "migrate")
    assert code == 0
    assert "up to date" in out


@pytest.mark.parametrize("current", range(schema.head_version()))
def test_check_behind_names_version_head_and_pending(
    current: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DB behind the code exits 1 with its version, the head, the pending migrations and
    the fix; `db migrate` then applies exactly those."""
    conn = store.open_unmigrated()
    schema.migrate(conn, target=current)
    dialect = conn.dialect
    conn.close()
    head = schema.head_version(dialect)
    code, _, err = run_cli(capsys, "db", "check")
    assert code == 1
    pending = ", ".join(_names(dialect, after=current))
    assert f"is at schema version {current}, behind this taskloom ({head})" in err
    assert f"pending: {pending}; run `taskloom db migrate`" in err
    code, out, _ = run_cli(capsys, "db", "migrate")
    assert code == 0
    assert out.startswith(f"Applied {pending};")


def test_check_and_use_of_a_newer_db_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A DB from a newer taskloom: check exits 1 saying to upgrade; migrate and every
    command that opens the DB refuse it in one line."""
    store.connect().close()
    conn = store.open_unmigrated()
    head = schema.head_version(conn.dialect)
    with conn.transaction():
        backends.of(conn.url).set_schema_version(conn, head + 5)
    conn.close()
    code, _, err = run_cli(capsys, "db", "check")
    assert code == 1
    assert f"schema version {head + 5}, ahead of this taskloom ({head}); upgrade taskloom" in err
    for command in (["db", "migrate"], ["variables", "list"]):
        code, _, err = run_cli(capsys, *command)
        assert code == 1, command
        assert "newer than this taskloom knows" in err
        assert "Traceback" not in err


def test_reset_needs_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    """reset asks first (answering no keeps the data); reset --yes empties the DB and
    leaves it migrated."""
    conn = store.connect()
    with conn.transaction():
        conn.execute("INSERT INTO variable(key, val) VALUES ('k', 'v')")
    conn.close()
    result = CliRunner().invoke(cli, ["db", "reset"], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert len(query("SELECT * FROM variable")) == 1
    code, out, _ = run_cli(capsys, "db", "reset", "--yes")
    assert code == 0
    assert out.strip() == f"Reset {store.configured_url()}."
    assert query("SELECT count(*) FROM variable")[0][0] == 0
    current, head = store.check()
    assert current == head


def test_backup(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SQLite: a copy of the file; PostgreSQL: one line saying to use pg_dump, exit 1."""
    store.connect().close()
    target = tmp_path_factory.mktemp("backup") / "copy.db"
    code, out, err = run_cli(capsys, "db", "backup", str(target))
    if store.configured_url().dialect == "sqlite":
        assert code == 0, err
        assert target.is_file()
        assert out.startswith("Backed up ")
    else:
        assert code == 1
        assert "pg_dump" in err
        assert len(err.strip().splitlines()) == 1
        assert not target.exists()
