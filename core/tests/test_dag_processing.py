"""DagBag: loading a DAG folder, isolating broken files, recording warnings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from taskloom.dag_processing import DagBag
from taskloom.dag_processing import DagFileWarning
from taskloom.dag_processing import module_name_for

GOOD = """
from datetime import datetime
from taskloom import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("good", schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_loads_dags_and_sets_fileloc(tmp_path: Path) -> None:
    """DAGs bound to module names or only opened with ``with`` are found, in subfolders too."""
    good = write(tmp_path, "good.py", GOOD)
    write(
        tmp_path,
        "sub/unbound.py",
        """
        from taskloom import DAG
        from taskloom.operators.empty import EmptyOperator
        for name in ("one", "two"):
            with DAG(f"loop_{name}"):
                EmptyOperator(task_id="t")
        """,
    )
    bag = DagBag(tmp_path)
    assert bag.import_errors == {}
    assert bag.dag_ids == ["good", "loop_one", "loop_two"]
    dag = bag.get_dag("good")
    assert dag is not None
    assert dag.fileloc == str(good)
    assert dag.task_ids == ["a", "b"]
    assert bag.get_dag("missing") is None
    assert len(bag) == 3


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    """A file that raises (even SystemExit) is reported with its traceback; others load."""
    write(tmp_path, "good.py", GOOD)
    broken = write(
        tmp_path, "broken.py", "# a dag file\nimport taskloom\nraise RuntimeError('boom')\n"
    )
    exits = write(tmp_path, "exits.py", "# dag\nimport sys\nsys.exit(3)\n")
    syntax = write(tmp_path, "syntax.py", "# dag\ndef (:\n")
    bag = DagBag(tmp_path)
    assert bag.dag_ids == ["good"]
    assert set(bag.import_errors) == {str(broken), str(exits), str(syntax)}
    error = bag.import_errors[str(broken)]
    assert f'File "{broken}", line 3' in error
    assert error.rstrip().endswith("RuntimeError: boom")
    assert "dag_processing.py" not in error
    assert "SystemExit: 3" in bag.import_errors[str(exits)]
    assert "SyntaxError" in bag.import_errors[str(syntax)]


def test_invalid_dags_become_import_errors(tmp_path: Path) -> None:
    """A cycle, a duplicate task id or a bad id is reported for its file, naming the problem."""
    cyclic = write(
        tmp_path,
        "cyclic.py",
        """
        from taskloom import DAG
        from taskloom.operators.empty import EmptyOperator
        with DAG("cyclic") as dag:
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            a >> b >> a
        """,
    )
    dup = write(
        tmp_path,
        "dup.py",
        """
        from taskloom import DAG
        from taskloom.operators.empty import EmptyOperator
        with DAG("dup") as dag:
            EmptyOperator(task_id="same")
            EmptyOperator(task_id="same")
        """,
    )
    bag = DagBag(tmp_path)
    assert bag.dags == {}
    assert "DagCycleError" in bag.import_errors[str(cyclic)]
    assert (
        "a -> b -> a" in bag.import_errors[str(cyclic)]
        or "b -> a -> b" in bag.import_errors[str(cyclic)]
    )
    assert f"{dup}:6" in bag.import_errors[str(dup)]
    assert "'same'" in bag.import_errors[str(dup)]


def test_duplicate_dag_id_across_files(tmp_path: Path) -> None:
    """The second file declaring a taken dag_id is reported, naming both files."""
    first = write(tmp_path, "a.py", GOOD)
    second = write(tmp_path, "b.py", GOOD)
    bag = DagBag(tmp_path)
    assert bag.get_dag("good") is not None
    assert bag.get_dag("good").fileloc == str(first)  # type: ignore[union-attr]
    assert str(first) in bag.import_errors[str(second)]


def test_warnings_are_recorded_at_the_users_line(tmp_path: Path) -> None:
    """Deprecation warnings raised while importing keep the DAG file and line."""
    path = write(
        tmp_path,
        "old.py",
        """
        from taskloom import DAG
        from taskloom.operators.python import PythonOperator
        dag = DAG("old", schedule_interval="@daily")
        PythonOperator(task_id="p", python_callable=print, provide_context=True, dag=dag)
        """,
    )
    bag = DagBag(tmp_path)
    assert bag.dag_ids == ["old"]
    assert [(w.filename, w.lineno, w.category) for w in bag.warnings] == [
        (str(path), 4, DeprecationWarning),
        (str(path), 5, DeprecationWarning),
    ]
    assert "schedule=" in bag.warnings[0].message
    assert str(bag.warnings[1]).startswith(
        f"{path}:5: DeprecationWarning: PythonOperator(provide_context"
    )
    assert isinstance(bag.warnings[0], DagFileWarning)


def test_files_not_mentioning_dags_are_not_imported(tmp_path: Path) -> None:
    """Safe mode: a helper module without 'dag' in it is never executed."""
    marker = tmp_path / "helper.py.ran"
    write(tmp_path, "helper.py", "open(__file__ + '.ran', 'w').close()\n")
    write(tmp_path, ".hidden/x.py", "raise RuntimeError('dag in a hidden folder')\n")
    bag = DagBag(tmp_path)
    assert not marker.exists()
    assert bag.import_errors == {}


def test_same_file_name_in_two_folders(tmp_path: Path) -> None:
    """Two dags.py files in different folders are distinct modules."""
    a = write(tmp_path, "team_a/dags.py", GOOD)
    b = write(tmp_path, "team_b/dags.py", GOOD.replace('"good"', '"good_b"'))
    assert module_name_for(a) != module_name_for(b)
    assert DagBag(tmp_path).dag_ids == ["good", "good_b"]


def test_from_file_default_folder_and_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """from_file loads one file; the default folder is TASKLOOM_DAGS_FOLDER; a missing folder is empty."""
    path = write(tmp_path / "dags", "good.py", GOOD)
    write(tmp_path / "dags", "other.py", GOOD.replace('"good"', '"other"'))
    assert DagBag.from_file(path).dag_ids == ["good"]
    monkeypatch.setenv("TASKLOOM_DAGS_FOLDER", str(tmp_path / "dags"))
    assert DagBag().dag_ids == ["good", "other"]
    empty = DagBag(tmp_path / "nowhere", include_examples=True)
    assert (empty.dags, empty.import_errors) == ({}, {})


def test_dag_files_import_helpers_beside_them(tmp_path: Path) -> None:
    """A helper module in the DAG folder can be imported by DAG files (it is not loaded itself)."""
    write(tmp_path, "team_helpers.py", "OWNER = 'data-team'\n")
    write(
        tmp_path,
        "uses_helper.py",
        """
        from team_helpers import OWNER
        from taskloom import DAG
        from taskloom.operators.empty import EmptyOperator
        with DAG("helped", default_args={"owner": OWNER}) as dag:
            EmptyOperator(task_id="t")
        """,
    )
    bag = DagBag(tmp_path)
    assert bag.import_errors == {}
    assert bag.get_dag("helped").get_task("t").owner == "data-team"  # type: ignore[union-attr]


def test_bad_input_in_a_dag_file_names_value_and_line(tmp_path: Path) -> None:
    """A bad cron expression, trigger rule or task id is reported at the DAG file's line."""
    cases = {
        "cron.py": (
            'DAG("c", schedule="0 25 * * *")',
            "'0 25 * * *' is not a valid cron expression",
        ),
        "rule.py": (
            'EmptyOperator(task_id="t", trigger_rule="all_sucess", dag=DAG("r"))',
            "'all_sucess'",
        ),
        "ident.py": ('EmptyOperator(task_id="no spaces", dag=DAG("i"))', "task_id 'no spaces'"),
    }
    header = "from taskloom import DAG\nfrom taskloom.operators.empty import EmptyOperator\n\n"
    for name, (line, _) in cases.items():
        write(tmp_path, name, header + line + "\n")
    bag = DagBag(tmp_path)
    for name, (_, message) in cases.items():
        error = bag.import_errors[str(tmp_path / name)]
        assert message in error
        assert f"{tmp_path / name}:4" in error
        assert "Traceback" not in error  # a DagDefinitionError is one line (issue 22)


def test_a_missing_provider_gets_the_install_hint(tmp_path: Path) -> None:
    """A DAG file importing a provider that is not installed names what to install, or that
    taskloom has no provider for that system yet -- not a bare ModuleNotFoundError."""
    (tmp_path / "known.py").write_text(
        "from taskloom import DAG\nfrom taskloom.providers.smtpx_missing.hooks import X\n"
    )
    (tmp_path / "duck.py").write_text(
        "from taskloom import DAG\nimport taskloom.providers.duckdb.hooks.duckdb\n"
    )
    (tmp_path / "jira.py").write_text(
        "from taskloom import DAG\nfrom taskloom.contrib.hooks.jira_hook import JiraHook\n"
    )
    bag = DagBag(tmp_path)
    errors = {Path(p).name: e for p, e in bag.import_errors.items()}
    assert errors["duck.py"].endswith(
        "taskloom.providers.duckdb.hooks.duckdb cannot be imported: pip install "
        "taskloom-provider-duckdb  "
        '(or: pip install "taskloom[duckdb]")\n'
    )
    assert errors["known.py"].endswith("no provider for smtpx_missing yet\n")
    assert errors["jira.py"].endswith(
        "taskloom.contrib.hooks.jira_hook cannot be imported: no provider for jira yet\n"
    )


def test_command_line_warning_errors_apply_to_dag_files(tmp_path: Path) -> None:
    """``python -W error::DeprecationWarning`` makes a deprecation in a DAG file an import
    error at the user's line (the DagBag records warnings otherwise)."""
    import subprocess
    import sys

    (tmp_path / "old.py").write_text(
        "from taskloom import DAG\n\ndag = DAG('old', schedule_interval=None)\n"
    )
    code = (
        "import sys; from taskloom.dag_processing import DagBag; "
        f"bag = DagBag({str(tmp_path)!r}); print(list(bag.import_errors.values())[0])"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f'File "{tmp_path / "old.py"}", line 3' in out
    assert "DeprecationWarning: DAG(schedule_interval=...) is deprecated" in out
