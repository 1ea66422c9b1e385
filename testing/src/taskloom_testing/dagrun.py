"""Run ``taskloom dags test`` in a new process, as a user would, and inspect what it did.

::

    from taskloom_testing.dagrun import run_dags_test

    outcome = run_dags_test(dag_file, "example_postgres", logical_date="2026-01-02")
    assert outcome.returncode == 0, outcome.output
    assert outcome.xcom("count_rows") == 3
    assert "secret" not in outcome.logs()

The child process inherits this process's environment (or gets ``env``), so it uses the
same ``TASKLOOM_HOME``: the metadata DB that :meth:`DagRunOutcome.xcom` reads and the log
folder that :meth:`DagRunOutcome.logs` reads are the run's.  Nothing of taskloom is
imported at module level: importing this module never fails, even without taskloom.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from taskloom.store import Connection

__all__ = ["DagRunOutcome", "WhileRunning", "dags_test_runner", "run_dags_test"]

#: Called with the started ``taskloom dags test`` process, to act while the DAG runs
#: (publish a message a sensor waits for, create a key it pokes for, ...).  The process's
#: output is read only after it returns.
WhileRunning = Callable[["subprocess.Popen[str]"], None]


@dataclass(frozen=True)
class DagRunOutcome:
    """What one ``taskloom dags test`` process did.

    :ivar returncode: its exit status (0: the run succeeded, 1: it failed).
    :ivar output: its standard output followed by its standard error.
    :ivar dag_id: the DAG it ran.
    :ivar run_id: the id of the run it started (from its ``Running DAG_ID run RUN_ID`` line).
    :ivar home: the ``TASKLOOM_HOME`` it ran with.
    """

    returncode: int
    output: str
    dag_id: str
    run_id: str
    home: Path

    def _connect(self) -> Connection:
        """This process's metadata DB (``taskloom.store.connect()``), checked to be the run's."""
        from taskloom import store

        here = _taskloom_home(os.environ).resolve()
        assert here == self.home.resolve(), (
            f"this process reads the metadata DB under {here}, "
            f"but the run used TASKLOOM_HOME={self.home}"
        )
        return store.connect()

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        """The XCom ``key`` that ``task_id`` pushed in this run, or ``None``.

        Read from the metadata DB with ``taskloom.store.connect()`` in this process, which
        must therefore have the run's ``TASKLOOM_HOME``.

        :raises AssertionError: if this process's taskloom home is not the run's.
        """
        from taskloom.models import xcom

        conn = self._connect()
        try:
            return xcom.pull(conn, self.dag_id, self.run_id, task_id, key)
        finally:
            conn.close()

    def xcoms(self, key: str = "return_value") -> dict[str, Any]:
        """Every XCom ``key`` of this run, by task id (default: every task's return value)."""
        from taskloom.models import xcom

        conn = self._connect()
        try:
            rows = xcom.list_for_run(conn, self.dag_id, self.run_id)
        finally:
            conn.close()
        return {row["task_id"]: row["value"] for row in rows if row["key"] == key}

    def task_states(self) -> dict[str, str | None]:
        """Each task instance's state in this run, by task id (from the metadata DB)."""
        from taskloom.store import task_instances

        conn = self._connect()
        try:
            return task_instances.states(conn, self.dag_id, self.run_id)
        finally:
            conn.close()

    def logs(self) -> str:
        """Every task log file under ``$TASKLOOM_HOME/logs/``, in path order, concatenated."""
        files = sorted(p for p in (self.home / "logs").rglob("*") if p.is_file())
        return "\n".join(p.read_text(errors="replace") for p in files)


def _taskloom_home(env: Mapping[str, str]) -> Path:
    """The ``TASKLOOM_HOME`` a process with ``env`` uses (the same rule as taskloom's)."""
    return Path(env.get("TASKLOOM_HOME") or Path.home() / ".taskloom").expanduser()


def run_dags_test(
    dag_file: Path,
    dag_id: str,
    *,
    logical_date: str | None = None,
    env: Mapping[str, str] | None = None,
    executor: str | None = None,
    timeout: float = 240,
    while_running: WhileRunning | None = None,
) -> DagRunOutcome:
    """Run ``python -m taskloom dags test DAG_ID [LOGICAL_DATE] -S DAG_FILE`` and wait for it.

    :param dag_file: the DAG file (or folder), passed as ``-S``.
    :param dag_id: the DAG to run.
    :param logical_date: the run's logical date; default: now.
    :param env: the child's whole environment; default: this process's.
    :param executor: ``-x EXECUTOR`` (``sequential``, ``local``, a class path); default:
        the CLI's default.
    :param timeout: seconds the process may take; it is killed and
        :class:`subprocess.TimeoutExpired` raised after that.
    :param while_running: called with the started process before its output is read; see
        :data:`WhileRunning`.  The process is killed if it raises.
    :raises AssertionError: if the output shows no started run (the DAG did not load, ...).
    """
    cmd = [sys.executable, "-m", "taskloom", "dags", "test", dag_id]
    if logical_date is not None:
        cmd.append(logical_date)
    cmd += ["-S", str(dag_file)]
    if executor is not None:
        cmd += ["-x", executor]
    child_env = dict(os.environ if env is None else env)
    with subprocess.Popen(
        cmd,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            if while_running is not None:
                while_running(process)
            stdout, stderr = process.communicate(timeout=timeout)
        finally:
            process.kill()
    output = stdout + stderr
    match = re.search(rf"Running {re.escape(dag_id)} run (\S+)", output)
    assert match, f"taskloom dags test did not start a run:\n{output}"
    return DagRunOutcome(
        returncode=process.returncode,
        output=output,
        dag_id=dag_id,
        run_id=match.group(1),
        home=_taskloom_home(child_env),
    )


def dags_test_runner(default_dags: str) -> Callable[..., DagRunOutcome]:
    """A ``run(dag_id, folder=None, *args)`` that calls :func:`run_dags_test`: a suite's ``run_dag``.

    ``folder`` ``None`` means the folder of the package ``default_dags`` (a provider's
    installed example DAGs).  ``args`` are the CLI's: an optional logical date and
    ``--executor NAME``.
    """

    def run(dag_id: str, folder: Path | None = None, *args: str) -> DagRunOutcome:
        if folder is None:
            folder = Path(importlib.import_module(default_dags).__path__[0])
        rest = list(args)
        executor = None
        if "--executor" in rest:
            i = rest.index("--executor")
            executor = rest[i + 1]
            del rest[i : i + 2]
        assert len(rest) <= 1, f"unexpected dags test arguments: {args}"
        logical_date = rest[0] if rest else None
        return run_dags_test(folder, dag_id, logical_date=logical_date, executor=executor)

    return run
