"""S1, S2, D6: a DAG file that exits, hangs, crashes or leaks a secret at import cannot take taskloom down."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taskloom_testing.cli import run_taskloom

GOOD = """\
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("good", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""

#: What each kind of broken file does at import, and a word its import error holds.
BROKEN = {
    "exiting": ("# dag\nimport os\nos._exit(0)\n", "exit status 0"),
    "hanging": ("# dag\nwhile True:\n    pass\n", "dagbag_import_timeout"),
    "crashing": ("# dag\nimport ctypes\nctypes.string_at(0)\n", "SIGSEGV"),
}

PASSWORD = "leaky-pa55word-in-a-traceback"


@pytest.fixture
def dag_folder(taskloom_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAG folder with one good DAG, and a 1 s import timeout so hanging files stay cheap."""
    folder = taskloom_home / "dags"
    folder.mkdir(parents=True)
    (folder / "good.py").write_text(GOOD)
    monkeypatch.setenv("TASKLOOM__CORE__DAGBAG_IMPORT_TIMEOUT", "1")
    return folder


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_file_is_an_import_error_and_other_dags_still_run(
    dag_folder: Path, kind: str
) -> None:
    """S1/S2: dags list, list-import-errors and the scheduler report the file and run the other DAGs."""
    code, reason = BROKEN[kind]
    (dag_folder / f"{kind}.py").write_text(code)

    listed = run_taskloom("dags", "list", "-o", "json", timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert [row["dag_id"] for row in json.loads(listed.stdout)] == ["good"]
    assert f"{kind}.py" in listed.stderr
    assert reason in listed.stderr

    errors = run_taskloom("dags", "list-import-errors", "-o", "json", timeout=60)
    assert errors.returncode == 1
    (only,) = json.loads(errors.stdout)
    assert only["filepath"] == str(dag_folder / f"{kind}.py")
    assert reason in only["error"]

    assert run_taskloom("dags", "trigger", "good", "-r", "r1").returncode == 0
    scheduler = run_taskloom("scheduler", "--once", timeout=90)
    assert scheduler.returncode == 0, scheduler.stdout + scheduler.stderr
    assert "good r1: success" in scheduler.stdout
    assert reason in scheduler.stderr


def test_dags_test_reports_a_file_that_exits_after_defining_the_dag(dag_folder: Path) -> None:
    """S1: `dags test` of a DAG whose file then calls os._exit names the file and the reason, exit 1."""
    (dag_folder / "good.py").write_text(GOOD + "import os\nos._exit(3)\n")
    result = run_taskloom("dags", "test", "good", timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "good.py" in result.stderr
    assert "exit status 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_import_errors_exits_0(dag_folder: Path) -> None:
    """list-import-errors exits 0 and says so when every file loads."""
    result = run_taskloom("dags", "list-import-errors", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "No import errors" in result.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_a_scheduler_stuck_on_a_hanging_file_within_5_s(
    dag_folder: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    """S2: SIGTERM/SIGINT stop the scheduler within 5 s while a file hangs (timeout far away)."""
    monkeypatch.setenv("TASKLOOM__CORE__DAGBAG_IMPORT_TIMEOUT", "120")
    (dag_folder / "hanging.py").write_text(BROKEN["hanging"][0])
    process = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(2.0)  # the scheduler is now waiting on the hanging file's child
        assert process.poll() is None, process.communicate()
        sent = time.monotonic()
        process.send_signal(signum)
        process.wait(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate(timeout=10)
    assert elapsed < 5.0, err
    assert process.returncode == 0, err
    assert f"stopped by {signum.name}" in err
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
    )
    assert children.stdout == ""


def test_import_traceback_is_masked_everywhere(
    dag_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D6: a password in a DAG file's import traceback is masked by dags list, list-import-errors, scheduler."""
    monkeypatch.setenv("TASKLOOM_CONN_LEAKY", f"postgres://user:{PASSWORD}@db.example:5432/x")
    (dag_folder / "leaky.py").write_text(
        "# dag\nfrom taskloom.hooks.base import BaseHook\n"
        "raise ValueError(BaseHook.get_connection('leaky').password)\n"
    )
    outputs = [
        run_taskloom("dags", "list", timeout=60),
        run_taskloom("dags", "list-import-errors", "-o", "json", timeout=60),
        run_taskloom("scheduler", "--once", timeout=90),
    ]
    for result in outputs:
        text = result.stdout + result.stderr
        assert "ValueError: ***" in text, text
        assert PASSWORD not in text


def test_in_process_dagbag_masks_import_tracebacks(
    taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D6: the DagBag of a task worker (no child process) masks the traceback too."""
    from taskloom.dag_processing import DagBag

    monkeypatch.setenv("TASKLOOM_CONN_LEAKY", f"postgres://user:{PASSWORD}@db.example:5432/x")
    path = taskloom_home / "leaky.py"
    taskloom_home.mkdir(exist_ok=True)
    path.write_text(
        "# dag\nfrom taskloom.hooks.base import BaseHook\n"
        "raise ValueError(BaseHook.get_connection('leaky').password)\n"
    )
    bag = DagBag(path)
    assert PASSWORD not in bag.import_errors[str(path)]
    assert "ValueError: ***" in bag.import_errors[str(path)]
