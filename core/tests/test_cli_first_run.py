"""What a newcomer meets first on the real ``taskloom`` command (issue 22), each in a new process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskloom_testing.cli import run_taskloom

DAG_HEAD = (
    "from taskloom.models.dag import DAG\nfrom taskloom.operators.empty import EmptyOperator\n"
)


@pytest.mark.parametrize(
    ("body", "line", "error"),
    [
        (
            "with DAG('ok'):\n    EmptyOperator(task_id='has space')\n",
            4,
            "InvalidIdError: task_id 'has space'",
        ),
        ("with DAG('bad id!'):\n    pass\n", 3, "InvalidIdError: dag_id 'bad id!'"),
        (
            "with DAG('dup'):\n    EmptyOperator(task_id='a')\n    EmptyOperator(task_id='a')\n",
            5,
            "DuplicateTaskIdError:",
        ),
        (
            "with DAG('cyc'):\n    a = EmptyOperator(task_id='a')\n"
            "    b = EmptyOperator(task_id='b')\n    a >> b >> a\n",
            3,
            "DagCycleError: DAG 'cyc'",
        ),
        (
            "from datetime import datetime\n"
            "with DAG('late', schedule='@daily', catchup=True):\n    EmptyOperator(task_id='a')\n",
            4,
            "DagDefinitionError: DAG 'late'",
        ),
    ],
)
def test_a_dag_definition_error_is_one_line_with_file_and_line(
    tmp_path: Path, body: str, line: int, error: str
) -> None:
    """An invalid task/DAG id or a duplicate task shows one line naming file:line, no traceback."""
    dag_file = tmp_path / "broken.py"
    dag_file.write_text(DAG_HEAD + body)
    result = run_taskloom("dags", "list", "-S", str(dag_file))
    assert "Traceback" not in result.stderr
    report = result.stderr.split(f"Broken DAG file {dag_file}:\n", 1)[1].splitlines()[0]
    assert error in report
    assert f"{dag_file}:{line}" in report


def test_dags_list_shows_none_for_a_manual_only_dag(tmp_path: Path) -> None:
    """schedule=None reads None in the table (not an empty cell) and stays null in JSON."""
    dag_file = tmp_path / "manual.py"
    dag_file.write_text(
        DAG_HEAD + "with DAG('manual', schedule=None):\n    EmptyOperator(task_id='a')\n"
    )
    table = run_taskloom("dags", "list", "-S", str(dag_file))
    assert table.returncode == 0, table.stderr
    header, _, row = table.stdout.splitlines()[:3]
    column = header.index("schedule")
    assert row[column:].split()[0] == "None"
    as_json = run_taskloom("dags", "list", "-S", str(dag_file), "-o", "json")
    assert json.loads(as_json.stdout)[0]["schedule"] is None


def test_conn_type_help_points_at_the_command_that_lists_connection_types() -> None:
    """--conn-type's help names `providers connection-types`, and that command lists types."""
    help_text = run_taskloom("connections", "add", "--help").stdout
    assert "taskloom providers connection-types" in " ".join(help_text.split())
    types = run_taskloom("providers", "connection-types", "-o", "json")
    assert types.returncode == 0, types.stderr
    assert {"http", "sqlite"} <= {row["conn_type"] for row in json.loads(types.stdout)}


@pytest.mark.parametrize("command", [("dags", "test"), ("dags", "show"), ("tasks", "list")])
def test_a_missing_dag_shows_its_files_import_error_and_no_useless_advice(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """With -S at a broken file, the error is that file's import error, not '-S' advice."""
    dag_file = tmp_path / "broken.py"
    dag_file.write_text(DAG_HEAD + "import no_such_module_xyz\nwith DAG('x'):\n    pass\n")
    result = run_taskloom(*command, "x", "-S", str(dag_file))
    assert result.returncode == 1, result.stderr
    assert f"broken file: {dag_file}:3: ModuleNotFoundError" in result.stderr
    assert "fix the broken file above" in result.stderr
    assert "-S/--subdir" not in result.stderr


def test_a_missing_dag_in_a_good_file_does_not_suggest_pointing_at_a_file(tmp_path: Path) -> None:
    """-S already names a file: the only advice left is to check the id."""
    dag_file = tmp_path / "good.py"
    dag_file.write_text(DAG_HEAD + "with DAG('present'):\n    EmptyOperator(task_id='a')\n")
    result = run_taskloom("dags", "test", "absent", "-S", str(dag_file))
    assert result.returncode == 1, result.stderr
    assert "(DAGs found: present); check the DAG id" in result.stderr
    folder = run_taskloom("dags", "test", "absent", "-S", str(tmp_path))
    assert "point -S/--subdir at the DAG file" in folder.stderr


def test_dags_list_ends_with_a_count_of_broken_files(tmp_path: Path) -> None:
    """A script sees broken files: a one-line count on stderr, and list-import-errors exits 1."""
    for name in ("one", "two"):
        (tmp_path / f"{name}.py").write_text(DAG_HEAD + "raise RuntimeError('boom')\n")
    listing = run_taskloom("dags", "list", "-S", str(tmp_path))
    assert listing.returncode == 0, listing.stderr
    assert (
        listing.stderr.rstrip()
        .splitlines()[-1]
        .startswith("2 broken DAG files: `taskloom dags list-import-errors` lists them")
    )
    errors = run_taskloom("dags", "list-import-errors", "-S", str(tmp_path), "-o", "json")
    assert errors.returncode == 1
    assert len(json.loads(errors.stdout)) == 2
