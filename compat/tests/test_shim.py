"""Importing 1.x paths: the warning, its location, identity, and the errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import deprecation
import pytest

from taskloom.legacy.moves import Move
from taskloom_compat import MovedWarning
from taskloom_compat._shim import target


def test_from_import_warns_at_the_users_line() -> None:
    """``from old import Name`` warns with MovedWarning, attributed to this file and line."""
    with pytest.warns(MovedWarning) as record:
        from taskloom.hooks.base_hook import BaseHook  # the line the warning must name
    line = sys._getframe().f_lineno - 1
    from taskloom.hooks.base import BaseHook as NewBaseHook

    assert BaseHook is NewBaseHook
    (warning,) = record.list
    assert warning.filename == __file__
    assert warning.lineno == line
    assert isinstance(warning.message, deprecation.DeprecatedWarning)
    assert "from taskloom.hooks.base import BaseHook" in str(warning.message)
    assert "removed in 3.0" in str(warning.message)


def test_renamed_class_message_names_the_new_class() -> None:
    """A renamed class says so."""
    with pytest.warns(MovedWarning, match="from taskloom.operators.empty import EmptyOperator"):
        from taskloom.operators.dummy_operator import DummyOperator
    from taskloom.operators.empty import EmptyOperator

    assert DummyOperator is EmptyOperator


def test_models_dag_idiom() -> None:
    """``from taskloom.models import DAG`` (a core package) warns and gives the real DAG."""
    with pytest.warns(MovedWarning) as record:
        from taskloom.models import DAG
    from taskloom.models.dag import DAG as NewDAG

    assert DAG is NewDAG
    (warning,) = record.list  # once, though importlib looks the name up twice
    assert warning.filename == __file__


def test_attribute_access_after_import_taskloom() -> None:
    """``import taskloom`` then attribute access reaches 1.x modules."""
    import taskloom

    with pytest.warns(MovedWarning):
        hook = taskloom.hooks.sqlite_hook.SqliteHook
    from taskloom.hooks.sqlite import SqliteHook

    assert hook is SqliteHook


def test_renamed_argument_is_accepted_with_a_warning() -> None:
    """``SqliteOperator(sqlite_conn_id=...)`` builds a SQLExecuteQueryOperator with conn_id."""
    with pytest.warns(MovedWarning):
        from taskloom.operators.sqlite_operator import SqliteOperator
    from taskloom.operators.sql import SQLExecuteQueryOperator

    with pytest.warns(MovedWarning, match=r"SQLExecuteQueryOperator\(conn_id=...\)") as record:
        op = SqliteOperator(task_id="q", sqlite_conn_id="my_sqlite", sql="select 1")
    source = Path(__file__).read_text().splitlines()
    call_line = next(n for n, text in enumerate(source, 1) if 'sqlite_conn_id="my_sqlite"' in text)
    assert (record.list[0].filename, record.list[0].lineno) == (__file__, call_line)
    assert isinstance(op, SQLExecuteQueryOperator)
    assert op.conn_id == "my_sqlite"


def test_unknown_name_is_an_attribute_error() -> None:
    """A name the 1.x module never had fails like any missing attribute."""
    with pytest.raises(ImportError, match="cannot import name 'Nope'"):
        from taskloom.hooks.base_hook import Nope  # noqa: F401


def test_missing_provider_names_the_distribution() -> None:
    """When the new home's provider is missing, the error says what to pip install."""
    move = Move(
        "taskloom.hooks.fancy_hook.FancyHook",
        "taskloom.providers.fancy.hooks.fancy.FancyHook",
        "taskloom-provider-fancy",
    )
    with pytest.raises(ImportError) as info:
        target(move)
    message = str(info.value)
    assert "pip install taskloom-provider-fancy" in message
    assert "taskloom[fancy]" in message


def test_deprecation_is_loaded_by_the_first_warning() -> None:
    """Compat's modules leave `deprecation` (and packaging, ~1.5 ms) to the first warning."""
    code = textwrap.dedent("""\
        import sys
        import warnings

        import taskloom.operators.python_operator as shim
        import taskloom_compat.cli

        assert "deprecation" not in sys.modules
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            shim.PythonOperator
        assert "deprecation" in sys.modules
        assert type(record[0].message).__name__ == "MovedWarning"
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_warning_as_error_points_at_the_users_line(tmp_path: Path) -> None:
    """``python -W error::DeprecationWarning`` fails the import at the user's line."""
    dag_file = tmp_path / "legacy_dag.py"
    dag_file.write_text(
        textwrap.dedent("""\
        import os
        from taskloom.hooks.http_hook import HttpHook
    """)
    )
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(dag_file)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f'File "{dag_file}", line 2' in result.stderr
    assert "MovedWarning" in result.stderr
    assert "from taskloom.hooks.http import HttpHook" in result.stderr
