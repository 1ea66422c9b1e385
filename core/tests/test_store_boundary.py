"""No SQL against the metadata DB outside ``taskloom/store`` (issue 14).

Every module of the installed ``taskloom`` package is parsed; a statement sent through a
``.execute``/``.executemany`` call on something named like a connection or a cursor, or
given as a string, or an SQL statement written as a string literal, is metadata SQL unless
the module talks to a *user's* database (hooks and the SQL operators).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import taskloom

PACKAGE = Path(taskloom.__file__).parent

#: Modules whose SQL goes to a user's database, never to the metadata DB.
USER_DB = ("store/", "hooks/", "operators/sql.py", "operators/generic_transfer.py")

_SQL_LITERAL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN)\s")
_DB_RECEIVER = re.compile(r"conn|cursor|\bcur\b|\bdb\b", re.IGNORECASE)
_EXECUTE = {"execute", "executemany", "executescript"}


@dataclass(frozen=True)
class Finding:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"taskloom/{self.module}:{self.line}: {self.what}"


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _is_statement(call: ast.Call) -> bool:
    """An SQL call: on a connection or cursor, or with a string (or f-string) statement."""
    assert isinstance(call.func, ast.Attribute)
    if _DB_RECEIVER.search(ast.unparse(call.func.value)):
        return True
    first = call.args[0] if call.args else None
    return isinstance(first, ast.JoinedStr | ast.BinOp) or (
        isinstance(first, ast.Constant) and isinstance(first.value, str)
    )


def scan(package: Path) -> list[Finding]:
    """Every SQL call and SQL string literal in ``package``'s modules."""
    findings = []
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _EXECUTE
                and _is_statement(node)
            ):
                findings.append(Finding(module, node.lineno, f"call {ast.unparse(node)[:70]}"))
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and _SQL_LITERAL.match(node.value)
            ):
                findings.append(Finding(module, node.lineno, f"SQL literal {node.value[:50]!r}"))
    return findings


def outside_store(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.module.startswith(USER_DB)]


def test_no_metadata_sql_outside_the_store() -> None:
    violations = outside_store(scan(PACKAGE))
    assert not violations, "metadata SQL outside taskloom/store (move it to a store module):\n" + (
        "\n".join(map(str, violations))
    )


def test_the_scan_sees_the_store_and_the_hooks() -> None:
    """The scan finds SQL where it is expected, so an empty result above means something."""
    modules = {f.module for f in scan(PACKAGE)}
    assert {"store/dag_runs.py", "store/xcoms.py", "hooks/dbapi.py"} <= modules


def test_a_planted_violation_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "taskloom"
    (package / "models").mkdir(parents=True)
    (package / "hooks").mkdir()
    (package / "models" / "planted.py").write_text(
        '"""SELECT in a docstring is prose."""\n'
        "def f(ti, task, context):\n"
        "    task.execute(context)\n"
        '    ti.conn.execute(f"DELETE FROM xcom WHERE key = {1}")\n'
        "    statement = 'UPDATE dag SET is_paused = 1'\n"
        "    return statement\n"
    )
    (package / "hooks" / "users_db.py").write_text(
        "def f(cursor):\n    cursor.execute('SELECT 1')\n"
    )
    violations = outside_store(scan(package))
    assert sorted({(v.module, v.line) for v in violations}) == [
        ("models/planted.py", 4),
        ("models/planted.py", 5),
    ]
    assert any("ti.conn.execute" in str(v) for v in violations)
