"""BashOperator through the real runtime: templating, env, exit codes, XCom, process-group kill."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.operators.bash import BashOperator


def test_templated_command_env_and_last_line_xcom(tmp_path: Path) -> None:
    """Macros, params and env reach the command; the last line of output is the XCom."""
    out = tmp_path / "out.txt"
    with DAG("bash_basic", params={"name": "world"}) as dag:
        BashOperator(
            task_id="echo",
            bash_command=(
                'echo "{{ params.name }} {{ macros.ds_add(ds, 1) }} $GREETING $TASKLOOM_CTX_TASK_ID"'
                f" > {out}; echo first; echo last"
            ),
            env={"GREETING": "hi", "PATH": os.environ["PATH"]},
        )
    result = run_dag(dag)
    assert result.states == {"echo": "success"}
    assert out.read_text() == "world 2024-01-02 hi echo\n"
    assert result.xcom("echo") == "last"


def test_env_replaces_unless_append_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``env`` replaces the worker's environment; ``append_env=True`` adds to it."""
    monkeypatch.setenv("FROM_WORKER", "w")
    with DAG("bash_env") as dag:
        BashOperator(task_id="replaced", bash_command='echo "[$FROM_WORKER]"', env={"X": "1"})
        BashOperator(
            task_id="appended",
            bash_command='echo "[$FROM_WORKER$X]"',
            env={"X": "1"},
            append_env=True,
        )
    result = run_dag(dag)
    assert result.xcom("replaced") == "[]"
    assert result.xcom("appended") == "[w1]"


def test_script_file_is_a_template_and_cwd(tmp_path: Path) -> None:
    """A command ending in .sh is read from the DAG's template folder and rendered."""
    (tmp_path / "run.sh").write_text("echo {{ ds_nodash }} $(pwd)\n")
    with DAG("bash_file", template_searchpath=[str(tmp_path)]) as dag:
        BashOperator(task_id="script", bash_command="run.sh", cwd=str(tmp_path))
    result = run_dag(dag)
    assert result.xcom("script") == f"20240101 {tmp_path}"


def test_exit_codes_skip_fail_and_no_push() -> None:
    """99 skips, any other non-zero fails, do_xcom_push=False pushes nothing."""
    with DAG("bash_codes") as dag:
        BashOperator(task_id="skips", bash_command="exit 99")
        BashOperator(task_id="fails", bash_command="echo oops; exit 3")
        BashOperator(task_id="custom_skip", bash_command="exit 7", skip_exit_code=7)
        BashOperator(task_id="quiet", bash_command="echo hidden", do_xcom_push=False)
    result = run_dag(dag)
    assert result.states == {
        "skips": "skipped",
        "fails": "failed",
        "custom_skip": "skipped",
        "quiet": "success",
    }
    assert result.xcom("quiet") is None


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    """On execution_timeout the command and its children are killed, not orphaned."""
    pids = tmp_path / "pids"
    with DAG("bash_timeout") as dag:
        BashOperator(
            task_id="slow",
            bash_command=f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait",
            execution_timeout=timedelta(seconds=1),
        )
    started = time.monotonic()
    result = run_dag(dag)
    assert result.states == {"slow": "failed"}
    assert time.monotonic() - started < 30
    for pid in map(int, pids.read_text().split()):
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # reaped between the two looks
        return False
    return "\nState:\tZ" not in status


def test_xcom_push_is_the_deprecated_spelling() -> None:
    """BashOperator(xcom_push=False) warns and means do_xcom_push=False."""
    with pytest.deprecated_call(match="do_xcom_push"):
        task = BashOperator(task_id="old", bash_command="echo x", xcom_push=False)
    assert task.do_xcom_push is False


def test_bad_command_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="bash_command must be a non-empty string"):
        BashOperator(task_id="empty", bash_command="  ")


def test_stopping_the_worker_kills_the_whole_process_group(tmp_path: Path) -> None:
    """SIGTERM to the process running the task: the command's children die with it."""
    import signal
    import subprocess
    import sys

    pids = tmp_path / "pids"
    dag_file = tmp_path / "stopped.py"
    dag_file.write_text(
        "from taskloom import DAG\n"
        "from taskloom.operators.bash import BashOperator\n"
        "with DAG('stopped'):\n"
        f"    BashOperator(task_id='slow', bash_command='sleep 60 & echo $! > {pids}; wait')\n"
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "dags", "test", "stopped", "-S", str(dag_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pids.read_text())
    assert _alive(child)
    runner.send_signal(signal.SIGTERM)
    output, _ = runner.communicate(timeout=30)
    assert "slow" in output
    assert "failed" in output
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
