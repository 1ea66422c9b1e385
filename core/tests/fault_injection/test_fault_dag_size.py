"""D12: no recursion on DAG size in the CLI: show, sort and clear downstream of a 10,000-task chain."""

from __future__ import annotations

import json
from pathlib import Path

from taskloom_testing.cli import run_taskloom

CHAIN = """\
from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("long_chain", schedule=None) as dag:
    chain(*[EmptyOperator(task_id=f"t{i}") for i in range(10_000)])
"""


def test_ten_thousand_task_chain(taskloom_home: Path) -> None:
    """dags show, tasks list (topological order) and tasks clear -d of a 10,000-task chain work."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "long_chain.py").write_text(CHAIN)

    show = run_taskloom("dags", "show", "long_chain")
    assert show.returncode == 0, show.stderr[-2000:]
    lines = show.stdout.splitlines()
    assert len(lines) == 1 + 10_000
    assert lines[-1].endswith("t9999 (EmptyOperator)")
    assert max(len(line) for line in lines) < 200  # indentation stops growing

    listed = run_taskloom("tasks", "list", "long_chain", "-o", "json")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert [row["task_id"] for row in json.loads(listed.stdout)] == [f"t{i}" for i in range(10_000)]

    assert run_taskloom("dags", "trigger", "long_chain", "-r", "r1").returncode == 0
    cleared = run_taskloom("tasks", "clear", "long_chain", "-t", "^t0$", "-d", "-y")
    assert cleared.returncode == 0, cleared.stderr[-2000:]
    assert "RecursionError" not in cleared.stderr
