"""Which ``taskloom.*`` imports of a file do not resolve here, and what would serve them.

``taskloom compat check`` imports every ``taskloom`` module a DAG file names (as the DAG
file itself would) and looks each imported name up, so it reports what core, compat and
the installed providers really serve -- not only what the table of moves knows.
"""

from __future__ import annotations

import ast
import importlib
import warnings
from dataclasses import dataclass

from taskloom.legacy.moves import moves_by_module
from taskloom.registry.install_hints import module_install_hint


@dataclass(frozen=True)
class Blocker:
    """One import that does not resolve: where, what, and how to get it."""

    line: int
    column: int
    name: str
    hint: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column + 1}: {self.name} does not resolve: {self.hint}"


def install_hint(module: str) -> str:
    """How to get ``module``: the provider to install, or that none exists yet."""
    return module_install_hint(module)


def _missing(module: str, name: str | None) -> str | None:
    """``None`` if ``module`` (and ``name`` in it) imports here, else the reason and fix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            move = moves_by_module().get(module, {}).get(name or "")
            if move is not None and move.distribution != "taskloom":
                return move.install_hint
            return install_hint(module) if "No module named" in str(exc) else str(exc)
        except Exception as exc:  # noqa: BLE001 -- a module that fails to import is a blocker too
            return f"importing it fails: {type(exc).__name__}: {exc}"
        if name is None or name == "*":
            return None
        try:
            obj = getattr(mod, name)
        except ImportError as exc:
            return str(exc).split("\n")[0]
        except AttributeError:
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                return f"{module} has no {name}; {install_hint(module)}"
            return None
    # A name taskloom knows but refuses to run (SubDagOperator), with what to use instead.
    refused = getattr(obj, "__taskloom_refused__", None)
    return refused if isinstance(refused, str) else None


def blockers(source: str) -> list[Blocker]:
    """Every ``taskloom`` import of ``source`` that does not resolve in this environment."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "taskloom":
                continue
            for alias in node.names:
                reason = _missing(node.module, alias.name)
                if reason:
                    found.append(
                        Blocker(node.lineno, node.col_offset, f"{node.module}.{alias.name}", reason)
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "taskloom":
                    reason = _missing(alias.name, None)
                    if reason:
                        found.append(Blocker(node.lineno, node.col_offset, alias.name, reason))
    return sorted(found, key=lambda b: (b.line, b.column))
