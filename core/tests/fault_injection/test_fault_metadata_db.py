"""D10 (and the file modes of D14): metadata DB faults get one line naming the file and the fix."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom_testing.cli import run_taskloom

# The SQLite file itself: its folder, bytes, pages, modes and backup.  The PostgreSQL
# counterparts (unreachable server, wrong password, bad URL, no driver, pg_dump) are in test_db.py.
pytestmark = pytest.mark.sqlite_only("the SQLite metadata DB file")

#: A command that opens the DB: every fault below must give a one-line error, exit 1.
OPENS_DB = ("variables", "list")


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """``chmod 555 folder``; as root, who may write anyway, the immutable attribute
    (``chattr +i``, which binds root too)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_unwritable_home(taskloom_home: Path) -> None:
    """An unwritable $TASKLOOM_HOME: one line naming the DB file and what to do."""
    taskloom_home.mkdir()
    with unwritable(taskloom_home):
        result = run_taskloom(*OPENS_DB)
    _one_line_error(result, str(taskloom_home / "taskloom.db"), "writable")


def test_db_in_a_folder_that_cannot_be_created(
    taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[database] path under a file (not a folder): one line naming the file and the fix."""
    taskloom_home.mkdir()
    blocker = taskloom_home / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("TASKLOOM__DATABASE__PATH", str(blocker / "sub" / "taskloom.db"))
    _one_line_error(run_taskloom(*OPENS_DB), str(blocker / "sub" / "taskloom.db"), "writable")


def test_random_bytes_instead_of_a_db(taskloom_home: Path) -> None:
    """A file of random bytes: one line saying it is damaged and how to recover, for every command."""
    taskloom_home.mkdir()
    (taskloom_home / "taskloom.db").write_bytes(os.urandom(64 * 1024))
    path = str(taskloom_home / "taskloom.db")
    _one_line_error(run_taskloom(*OPENS_DB), path, "damaged", "db backup")
    _one_line_error(run_taskloom("db", "check"), path, "damaged")
    _one_line_error(run_taskloom("db", "migrate"), path, "damaged")


def _damage_pages(path: Path) -> None:
    """Overwrite a page in the middle of a table's b-tree, keeping the header intact."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\xff" * 4096)


def test_damaged_pages_are_found_by_db_check_and_refused_by_migrate(taskloom_home: Path) -> None:
    """Damaged pages: `db check` runs quick_check and exits 1; `db migrate` refuses the DB."""
    assert run_taskloom("db", "migrate").returncode == 0
    db = taskloom_home / "taskloom.db"
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO variable(key, val) VALUES (?, ?)",
            [(f"k{i}", "v" * 500) for i in range(2000)],
        )
    conn.close()
    assert run_taskloom("db", "check").returncode == 0
    _damage_pages(db)
    checked = run_taskloom("db", "check")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert str(db) in checked.stderr
    assert "damaged" in checked.stderr
    assert "up to date" not in checked.stdout
    _one_line_error(run_taskloom("db", "migrate"), str(db), "damaged")


def test_file_modes(taskloom_home: Path) -> None:
    """D14: the DB is created 0600, the home and logs folders 0700."""
    assert run_taskloom("db", "migrate").returncode == 0
    dags = taskloom_home / "dags"
    dags.mkdir()
    (dags / "one.py").write_text(
        "from taskloom.models.dag import DAG\nfrom taskloom.operators.empty import EmptyOperator\n"
        "with DAG('one', schedule=None):\n    EmptyOperator(task_id='a')\n"
    )
    assert run_taskloom("dags", "test", "one").returncode == 0
    assert stat.S_IMODE((taskloom_home / "taskloom.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(taskloom_home.stat().st_mode) == 0o700
    assert stat.S_IMODE((taskloom_home / "logs").stat().st_mode) == 0o700


def test_backup_while_the_scheduler_writes(taskloom_home: Path) -> None:
    """`db backup PATH` makes a consistent, 0600 copy while a scheduler runs; it never overwrites."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "busy.py").write_text(
        "from taskloom.models.dag import DAG\nfrom taskloom.operators.empty import EmptyOperator\n"
        "with DAG('busy', schedule=None):\n    EmptyOperator(task_id='a') >> EmptyOperator(task_id='b')\n"
    )
    for i in range(8):
        assert run_taskloom("dags", "trigger", "busy", "-r", f"r{i}").returncode == 0
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "scheduler", "--once"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        target = taskloom_home / "copy.db"
        result = run_taskloom("db", "backup", str(target))
        assert result.returncode == 0, result.stderr
    finally:
        scheduler.wait(timeout=120)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM dag_run").fetchone()[0] == 8
    copy.close()
    again = run_taskloom("db", "backup", str(target))
    assert again.returncode == 1
    assert "exists" in again.stderr
