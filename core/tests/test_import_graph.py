"""Core's modules import one another without a circle (issue 13).

Walks every ``import`` statement of the installed ``taskloom`` package — module level,
inside functions and under ``if TYPE_CHECKING:`` alike, since a lazy or type-only import
still ties two modules together — and fails naming one circle if there is any.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest


def _package_root() -> Path:
    spec = importlib.util.find_spec("taskloom")
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).parent


def _modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file of every core module (nothing of providers or compat lives here)."""
    found = {}
    for path in root.rglob("*.py"):
        parts = ["taskloom", *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """Core modules that ``node`` (an import statement of ``module``) names."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in known:
                yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        for alias in node.names:
            # ``from taskloom.models import connection`` names a module, not an attribute.
            submodule = f"{target}.{alias.name}"
            if submodule in known:
                yield submodule
            elif target in known:
                yield target


def import_graph() -> dict[str, set[str]]:
    root = _package_root()
    modules = _modules(root)
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        graph[name] = {
            target
            for node in ast.walk(tree)
            for target in _imported(node, name, is_package, known)
            if target != name
        }
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` (its modules in order, the first repeated at the end), or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_core_has_no_import_circle() -> None:
    graph = import_graph()
    # The walk must see core's real layering, or finding no circle proves nothing.
    assert len(graph) > 80
    assert "taskloom.models.connection" in graph["taskloom.hooks.base"]
    assert "taskloom.models.dag" in graph["taskloom.decorators"]
    circle = find_circle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle or ())


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": {"b2", "c"}, "b2": set(), "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_find_circle(graph: dict[str, set[str]], expected: list[str] | None) -> None:
    assert find_circle(graph) == expected
