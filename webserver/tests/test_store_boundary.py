"""The webserver sends no SQL of its own: everything goes through core's store (issue 14)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import taskloom_webserver

#: An SQL statement (upper case, as the store writes them; "Create or replace" is prose).
_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN)\s")


def test_no_sql_in_the_webserver_package() -> None:
    """No ``.execute`` call and no SQL string in any module of the installed package."""
    modules = sorted(Path(taskloom_webserver.__file__).parent.rglob("*.py"))
    assert len(modules) >= 10
    found = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"execute", "executemany"}:
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _SQL.match(node.value)
            ):
                found.append(f"{path.name}:{node.lineno}: {node.value[:40]!r}")
    assert found == []
