"""The example DAG at the top of docs/authoring.md loads and runs as documented."""

from __future__ import annotations

import re
from pathlib import Path

from authoring_runs import run_dag

from taskloom.dag_processing import DagBag

GUIDE = Path(__file__).parent.parent / "docs" / "authoring.md"


def test_guide_example_runs(tmp_path: Path) -> None:
    """The guide's first code block is a valid DAG file whose branch and XComs work."""
    match = re.search(r"```python\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    assert match is not None
    dag_file = tmp_path / "orders.py"
    dag_file.write_text(match.group(1))
    bag = DagBag(dag_file)
    assert (bag.import_errors, bag.warnings) == ({}, [])
    dag = bag.get_dag("orders")
    assert dag is not None
    result = run_dag(dag)
    assert result.states == {
        "extract": "success",
        "report": "success",
        "pick": "success",
        "notify": "success",
        "quiet": "skipped",
    }
    assert result.xcom("report") == "2024-01-01: 12 new, 1 cancelled"
    assert result.xcom("extract", "new") == 12
