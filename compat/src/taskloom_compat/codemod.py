"""Find and rewrite taskloom 1.x usages in DAG files (``taskloom compat check|fix``).

Driven by the same table as the shims (:data:`taskloom.legacy.moves.MOVES`), plus the 1.x
idioms that changed spelling:

- ``from <old module> import <Name>``  ->  ``from <new module> import <NewName>`` (references
  renamed too, aliases kept);
- ``import <old module>`` and ``<old module>.<Name>`` attribute chains -> the new module;
- ``DAG(schedule_interval=...)`` -> ``DAG(schedule=...)``;
- ``provide_context=True`` -> removed (the context is passed by the callable's signature);
- renamed keyword arguments of moved classes (``SqliteOperator(sqlite_conn_id=...)``).

libcst keeps formatting and comments; a fixed file has nothing left to fix (idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider

from taskloom.legacy.moves import Move
from taskloom.legacy.moves import moves_by_module

#: Keyword arguments that 2.x spells differently on any call: old -> new (None: drop it).
RENAMED_KWARGS: dict[str, str | None] = {"schedule_interval": "schedule", "provide_context": None}


@dataclass(frozen=True)
class Finding:
    """One legacy usage in a file."""

    line: int
    column: int
    old: str
    new: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line}:{self.column + 1}: {self.old} -> {self.new}"


def _dotted(node: cst.BaseExpression | None) -> str | None:
    return get_full_name_for_node(node) if node is not None else None


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.table = moves_by_module()
        #: Local names bound by rewritten from-imports: old class name -> new class name.
        self.renamed_names: dict[str, str] = {}
        #: Moves imported under their local name (for renamed keyword arguments).
        self.local_moves: dict[str, Move] = {}
        #: ``import old.module`` rewritten: old dotted module -> new dotted module.
        self.module_renames: dict[str, str] = {}

    def _record(self, node: cst.CSTNode, old: str, new: str) -> None:
        pos = self.get_metadata(PositionProvider, node).start
        self.findings.append(Finding(pos.line, pos.column, old, new))

    # --- from old.module import Name ------------------------------------------------------

    def _split_import(self, node: cst.ImportFrom) -> list[cst.ImportFrom] | None:
        module = _dotted(node.module)
        if module is None or node.relative or isinstance(node.names, cst.ImportStar):
            return None
        moves = self.table.get(module)
        if moves is None:
            return None
        by_module: dict[str, list[cst.ImportAlias]] = {}
        for alias in node.names:
            name = _dotted(alias.name) or ""
            move = moves.get(name)
            if move is None:
                by_module.setdefault(module, []).append(alias)
                continue
            self._record(
                alias,
                f"from {module} import {name}",
                f"from {move.new_module} import {move.new_name}",
            )
            local = _dotted(alias.asname.name) if alias.asname else move.new_name
            if alias.asname is None and move.new_name != name:
                self.renamed_names[name] = move.new_name
            self.local_moves[local or move.new_name] = move
            by_module.setdefault(move.new_module, []).append(
                alias.with_changes(name=cst.Name(move.new_name))
            )
        statements = []
        for mod, aliases in by_module.items():
            parenthesized = node.lpar is not None and len(aliases) > 1
            if not parenthesized:
                # Without parentheses a trailing comma is a syntax error.
                aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            statements.append(
                node.with_changes(
                    module=cst.parse_expression(mod),
                    names=aliases,
                    lpar=node.lpar if parenthesized else None,
                    rpar=node.rpar if parenthesized else None,
                )
            )
        return statements

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        if len(original_node.body) != 1 or not isinstance(original_node.body[0], cst.ImportFrom):
            return updated_node
        pieces = self._split_import(original_node.body[0])
        if not pieces:
            return updated_node
        lines = [updated_node.with_changes(body=[piece]) for piece in pieces]
        for i in range(1, len(lines)):
            lines[i] = lines[i].with_changes(leading_lines=[])
        return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]

    # --- import old.module / old.module.Name ----------------------------------------------

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = []
        for original_alias, alias in zip(original_node.names, updated_node.names, strict=True):
            module = _dotted(original_alias.name) or ""
            moves = self.table.get(module)
            new_modules = {m.new_module for m in moves.values()} if moves else set()
            if len(new_modules) == 1:
                (new_module,) = new_modules
                self._record(original_alias, f"import {module}", f"import {new_module}")
                self.module_renames[module] = new_module
                alias = alias.with_changes(name=cst.parse_expression(new_module))
            names.append(alias)
        return updated_node.with_changes(names=names)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        # The attribute name itself is never a reference to rename (``x.DummyOperator``).
        updated_node = updated_node.with_changes(attr=original_node.attr)
        dotted = _dotted(original_node)
        if dotted is None:
            return updated_node
        module, _, name = dotted.rpartition(".")
        move = self.table.get(module, {}).get(name)
        if move is None:
            return updated_node
        self._record(original_node, dotted, move.new)
        self.local_moves[move.new] = move
        return cst.parse_expression(move.new)

    # --- names and keyword arguments --------------------------------------------------------

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.renamed_names.get(original_node.value)
        return updated_node.with_changes(value=new) if new else updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        callee = _dotted(original_node.func) or ""
        move = self.local_moves.get(callee) or self.local_moves.get(
            self.renamed_names.get(callee, "")
        )
        renamed = dict(move.renamed_args) if move else {}
        args: list[cst.Arg] = []
        changed = False
        for original_arg, arg in zip(original_node.args, updated_node.args, strict=True):
            keyword = original_arg.keyword.value if original_arg.keyword else None
            if keyword in renamed:
                new_kw = renamed[keyword]
                self._record(original_arg, f"{callee}({keyword}=...)", f"{new_kw}=...")
                args.append(arg.with_changes(keyword=cst.Name(new_kw)))
                changed = True
            elif keyword in RENAMED_KWARGS:
                new_kw2 = RENAMED_KWARGS[keyword]
                changed = True
                if new_kw2 is None:
                    self._record(
                        original_arg,
                        f"{keyword}=...",
                        "(removed: the context is passed by signature)",
                    )
                    continue
                self._record(original_arg, f"{keyword}=...", f"{new_kw2}=...")
                args.append(arg.with_changes(keyword=cst.Name(new_kw2)))
            else:
                args.append(arg)
        if not changed:
            return updated_node
        if args:
            args[-1] = args[-1].with_changes(comma=updated_node.args[-1].comma)
        return updated_node.with_changes(args=args)


def rewrite(source: str) -> tuple[str, list[Finding]]:
    """Return ``source`` with every legacy usage rewritten, and the usages found."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    rewriter = _Rewriter()
    module = wrapper.visit(rewriter)
    return module.code, sorted(rewriter.findings, key=lambda f: (f.line, f.column))


def findings(source: str) -> Sequence[Finding]:
    """The legacy usages in ``source`` (nothing is rewritten)."""
    return rewrite(source)[1]
