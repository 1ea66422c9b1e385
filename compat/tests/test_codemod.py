"""``taskloom compat check|fix``: what is found, what is rewritten, and that fixing is idempotent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from taskloom.cli import main
from taskloom_compat.codemod import rewrite

LEGACY = textwrap.dedent('''\
    """A 1.x DAG."""
    from datetime import datetime  # stdlib

    from taskloom.models import DAG
    from taskloom.operators.dummy_operator import DummyOperator  # start marker
    from taskloom.operators.python_operator import (
        PythonOperator,
        BranchPythonOperator,
    )
    from taskloom.operators.sqlite_operator import SqliteOperator
    import taskloom.hooks.sqlite_hook

    dag = DAG("legacy", schedule_interval="@daily", start_date=datetime(2024, 1, 1))
    start = DummyOperator(task_id="start", dag=dag)
    work = PythonOperator(task_id="work", python_callable=print, provide_context=True, dag=dag)
    sql = SqliteOperator(task_id="sql", sqlite_conn_id="sqlite_default", sql="select 1", dag=dag)
    hook_cls = taskloom.hooks.sqlite_hook.SqliteHook
    start >> [work, sql]
''')


def test_rewrite_keeps_comments_and_renames_references() -> None:
    """Imports, renamed classes, legacy arguments and attribute chains are rewritten."""
    new, findings = rewrite(LEGACY)
    assert "from taskloom.operators.empty import EmptyOperator  # start marker" in new
    assert "from datetime import datetime  # stdlib" in new
    assert 'start = EmptyOperator(task_id="start", dag=dag)' in new
    assert 'DAG("legacy", schedule="@daily"' in new
    assert "provide_context" not in new
    assert 'SQLExecuteQueryOperator(task_id="sql", conn_id="sqlite_default"' in new
    assert "import taskloom.hooks.sqlite\n" in new
    assert "hook_cls = taskloom.hooks.sqlite.SqliteHook" in new
    assert "from taskloom.models.dag import DAG" in new
    assert "    PythonOperator,\n    BranchPythonOperator,\n" in new
    assert [f.line for f in findings] == [4, 5, 7, 8, 10, 11, 13, 15, 16, 17]


def test_rewrite_is_idempotent() -> None:
    """A fixed file has nothing left to fix."""
    new, _ = rewrite(LEGACY)
    again, findings = rewrite(new)
    assert again == new
    assert findings == []


def test_alias_is_kept() -> None:
    """``import Old as Alias`` keeps the alias, so the rest of the file is untouched."""
    new, _ = rewrite(
        "from taskloom.operators.dummy_operator import DummyOperator as D\nD(task_id='x')\n"
    )
    assert new == "from taskloom.operators.empty import EmptyOperator as D\nD(task_id='x')\n"


def test_mixed_destinations_are_split() -> None:
    """Names from one 1.x module that moved to different modules get one import each."""
    new, _ = rewrite("from taskloom.models import DAG, Other\n")
    assert new == "from taskloom.models.dag import DAG\nfrom taskloom.models import Other\n"


def test_cli_check_and_fix(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """check exits 1 listing file:line; fix --diff writes nothing; fix rewrites; check is clean."""
    dag = tmp_path / "dags" / "legacy.py"
    dag.parent.mkdir()
    dag.write_text(LEGACY)
    assert main(["compat", "check", str(dag.parent)]) == 1
    out = capsys.readouterr().out
    assert f"{dag}:5:" in out
    assert "10 legacy usage(s) and 0 blocker(s) in 1 file(s)" in out

    assert main(["compat", "fix", "--diff", str(dag)]) == 0
    assert "+from taskloom.operators.empty import EmptyOperator" in capsys.readouterr().out
    assert dag.read_text() == LEGACY

    assert main(["compat", "fix", str(dag)]) == 0
    assert "rewrote 10 legacy usage(s) in 1 file(s)" in capsys.readouterr().out
    assert main(["compat", "check", str(dag)]) == 0


def test_cli_reports_unparsable_files(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A file with a syntax error is reported and counted, never crashes the command."""
    bad = tmp_path / "broken.py"
    bad.write_text("def (:\n")
    assert main(["compat", "check", str(bad)]) == 3
    assert "cannot parse" in capsys.readouterr().err


def test_fix_over_a_folder_shows_progress(tmp_path: Path) -> None:
    """compat fix names each rewritten file; on a terminal it also draws a bar over the files."""
    from taskloom_testing.cli import run_taskloom
    from taskloom_testing.cli import run_taskloom_on_terminal

    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(LEGACY)
    status, output = run_taskloom_on_terminal(
        "compat", "fix", str(tmp_path / "a.py"), str(tmp_path / "b.py")
    )
    assert status == 0, output
    assert "files" in output
    assert "2/2" in output
    plain = run_taskloom("compat", "fix", str(tmp_path))
    assert plain.returncode == 0, plain.stderr
    assert "\x1b" not in plain.stdout + plain.stderr
    assert plain.stderr.splitlines() == [f"{tmp_path / 'c.py'}: rewrote 10 legacy usage(s)"]
    assert "rewrote 10 legacy usage(s) in 1 file(s)" in plain.stdout


AIRFLOW_DAG = """\
from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.exceptions import AirflowException
from airflow.contrib.hooks.jira_hook import JiraHook

with DAG("af", schedule_interval=None, concurrency=2) as dag:
    BashOperator(task_id="b", bash_command="echo {{ execution_date }}")


def fail():
    raise AirflowException("no")
"""


def test_fix_from_airflow_and_check_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--from-airflow migrates an Airflow file in one step; what has no provider blocks check (3)."""
    dag = tmp_path / "af.py"
    dag.write_text(AIRFLOW_DAG)
    assert main(["compat", "fix", "--from-airflow", str(dag)]) == 0
    captured = capsys.readouterr()
    assert "cannot map" in captured.err
    assert "no provider for jira yet" in captured.err
    text = dag.read_text()
    assert "from taskloom.operators.bash import BashOperator" in text
    assert "from taskloom.exceptions import TaskloomError" in text
    assert "raise TaskloomError" in text
    assert 'DAG("af", schedule=None, max_active_tasks=2)' in text
    assert "{{ logical_date }}" in text
    assert main(["compat", "check", str(dag)]) == 3
    assert (
        "taskloom.contrib.hooks.jira_hook.JiraHook does not resolve: no provider for jira yet"
        in (capsys.readouterr().out)
    )
    dag.write_text(text.replace("from taskloom.contrib.hooks.jira_hook import JiraHook\n", ""))
    assert main(["compat", "check", str(dag)]) == 0


def test_context_keys_are_renamed_or_reported_for_a_person() -> None:
    """Keys with an exact new spelling are rewritten (templates, subscripts, .get); the
    others are reported, never guessed; a dict key that merely looks alike is left alone."""
    source = textwrap.dedent(
        """\
        cmd = "echo {{ execution_date }} {{ yesterday_ds }} {{ next_ds }} {{ dag.end_date }}"
        day = context["execution_date"]
        nxt = kwargs.get("next_execution_date")
        args = {"end_date": None, "execution_date": 1}
        """
    )
    new, found = rewrite(source)
    assert new.splitlines()[:3] == [
        'cmd = "echo {{ logical_date }} {{ macros.ds_add(ds, -1) }} {{ next_ds }} {{ dag.end_date }}"',
        'day = context["logical_date"]',
        'nxt = kwargs.get("next_execution_date")',
    ]
    assert new.splitlines()[3] == source.splitlines()[3]
    assert [(f.old, f.new) for f in found] == [
        ("template key next_ds", "(by hand: {{ data_interval_end | ds }})"),
        ("template key execution_date", "logical_date"),
        ("template key yesterday_ds", "macros.ds_add(ds, -1)"),
        ("context key 'execution_date'", "'logical_date'"),
        ("context key 'next_execution_date'", "(by hand: data_interval_end)"),
    ]


def test_arguments_a_person_must_migrate_are_reported() -> None:
    source = textwrap.dedent(
        """\
        from taskloom.operators.dagrun_operator import TriggerDagRunOperator

        TriggerDagRunOperator(task_id="t", trigger_dag_id="x", python_callable=f, execution_date="{{ ds }}")
        """
    )
    new, found = rewrite(source)
    assert "python_callable=f, logical_date=" in new
    assert (
        "TriggerDagRunOperator(python_callable=...)",
        "(by hand: pass the payload as conf=... instead)",
    ) in [(f.old, f.new) for f in found]
