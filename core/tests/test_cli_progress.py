"""Progress of long commands (issue 22): a rich bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from taskloom.store import schema
from taskloom_testing.cli import run_taskloom
from taskloom_testing.cli import run_taskloom_on_terminal

DAG = (
    "from taskloom.models.dag import DAG\n"
    "from taskloom.operators.empty import EmptyOperator\n"
    "with DAG('wide', schedule=None):\n"
    "    for i in range(30):\n"
    "        EmptyOperator(task_id=f't{i}')\n"
)


def test_dags_test_on_a_terminal_draws_a_bar(tmp_path: Path) -> None:
    """On a terminal, dags test shows 'done/total' tasks in a bar and still prints every task."""
    (tmp_path / "wide.py").write_text(DAG)
    status, output = run_taskloom_on_terminal("dags", "test", "wide", "-S", str(tmp_path))
    assert status == 0, output
    assert "wide: tasks" in output
    assert "/30" in output
    assert "Run manual__" in output


def test_dags_test_in_a_log_prints_plain_lines(tmp_path: Path) -> None:
    """Not on a terminal: the task lines only, with no escape codes from a bar."""
    (tmp_path / "wide.py").write_text(DAG)
    result = run_taskloom("dags", "test", "wide", "-S", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "wide: tasks" not in result.stderr
    assert sum(line.startswith("  t") for line in result.stdout.splitlines()) == 30


def test_backfill_on_a_terminal_draws_a_bar(tmp_path: Path) -> None:
    """dags backfill shows its bar for all the runs' tasks, and its plain per-run lines."""
    (tmp_path / "daily.py").write_text(
        "from datetime import datetime\n"
        "from taskloom.models.dag import DAG\n"
        "from taskloom.operators.empty import EmptyOperator\n"
        "with DAG('daily', schedule='@daily', start_date=datetime(2024, 1, 1), catchup=False):\n"
        "    EmptyOperator(task_id='a') >> EmptyOperator(task_id='b')\n"
    )
    status, output = run_taskloom_on_terminal(
        "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-03", "-S", str(tmp_path)
    )
    assert status == 0, output
    assert "daily: backfill tasks" in output
    assert "[3/3 runs, 6/6 tasks]" in output


def test_import_taskloom_and_its_cli_do_not_import_rich() -> None:
    """rich is loaded by the commands that draw a bar, never by importing taskloom or its CLI."""
    code = (
        "import sys, taskloom, taskloom.cli, taskloom.cli.dags, taskloom.cli.progress\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_listing_command_does_not_import_rich(tmp_path: Path) -> None:
    """A short command (dags list) runs without loading rich, even though it is installed."""
    (tmp_path / "wide.py").write_text(DAG)
    code = (
        "import sys\nfrom taskloom.cli import main\n"
        "try:\n    main(['dags', 'list', '-S', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert result.stderr.strip().splitlines()[-1] == "False", result.stderr


def test_db_migrate_counts_migrations_on_a_terminal_and_in_a_log() -> None:
    """db migrate names each migration it applies; on a terminal it also draws a bar."""
    status, output = run_taskloom_on_terminal("db", "migrate")
    assert status == 0, output
    assert "migrations" in output
    names = [m.name for m in schema.migrations("sqlite")]
    assert len(names) >= 3
    for done, name in enumerate(names, 1):
        assert f"applied {name} ({len(names) - done} to go)" in output
    again = run_taskloom("db", "migrate")
    assert again.returncode == 0, again.stderr
    assert "applied" not in again.stderr
    assert "is up to date" in again.stdout
