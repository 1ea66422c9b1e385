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

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider

from taskloom.legacy.moves import Move
from taskloom.legacy.moves import moves_by_module
from taskloom.utils.legacy_context import REPLACEMENTS

#: Keyword arguments that 2.x spells differently on any call: old -> new (None: drop it).
RENAMED_KWARGS: dict[str, str | None] = {
    "schedule_interval": "schedule",
    "provide_context": None,
    "task_concurrency": "max_active_tis_per_dag",
    "xcom_push": "do_xcom_push",
}
#: Keyword arguments of 1.x classes that a person must migrate: (class, argument) -> how.
BY_HAND_KWARGS: dict[tuple[str, str], str] = {
    ("TriggerDagRunOperator", "python_callable"): "pass the payload as conf=... instead",
    ("PythonVirtualenvOperator", "use_dill"): "remove it; arguments travel with pickle",
}
#: ``DAG(...)`` keyword arguments of 1.x: old -> new (None: drop it).
RENAMED_DAG_KWARGS: dict[str, str | None] = {
    "concurrency": "max_active_tasks",
    "default_view": None,
    "orientation": None,
    "full_filepath": None,
}
#: 1.x context keys with an exact 2.x spelling, in templates and ``context["..."]``.
CONTEXT_KEYS: dict[str, str] = {
    "execution_date": "logical_date",
    "yesterday_ds": "macros.ds_add(ds, -1)",
    "tomorrow_ds": "macros.ds_add(ds, 1)",
    "yesterday_ds_nodash": "macros.ds_format(macros.ds_add(ds, -1), '%Y-%m-%d', '%Y%m%d')",
    "tomorrow_ds_nodash": "macros.ds_format(macros.ds_add(ds, 1), '%Y-%m-%d', '%Y%m%d')",
    "ts_nodash_with_tz": "ts | replace('-', '') | replace(':', '')",
    "task_instance_key_str": "dag.dag_id ~ '__' ~ task.task_id ~ '__' ~ ds_nodash",
    "latest_date": "ds",
}
#: The decorator of 1.x operator constructors, a no-op now.
APPLY_DEFAULTS = ("taskloom.utils.decorators", "apply_defaults")
_TEMPLATE_NAME = re.compile(
    r"(?<![\w.])(" + "|".join(sorted(CONTEXT_KEYS, key=len, reverse=True)) + r")(?!\w)"
)
_MANUAL_NAME = re.compile(
    r"(?<![\w.])(" + "|".join(sorted(set(REPLACEMENTS) - set(CONTEXT_KEYS))) + r")(?!\w)"
)
_TEMPLATE_EXPR = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


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
        node = original_node.body[0]
        if _dotted(node.module) == APPLY_DEFAULTS[0] and not isinstance(node.names, cst.ImportStar):
            kept = [a for a in node.names if _dotted(a.name) != APPLY_DEFAULTS[1]]
            if len(kept) < len(node.names):
                self._record(node, f"from {APPLY_DEFAULTS[0]} import apply_defaults", "(removed)")
                if not kept:
                    return cst.RemovalSentinel.REMOVE  # type: ignore[return-value]
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                return updated_node.with_changes(body=[node.with_changes(names=kept)])
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
            new_modules = sorted({m.new_module for m in moves.values()}) if moves else []
            if len(new_modules) == 1 or (new_modules and original_alias.asname is None):
                # Attribute chains are rewritten to full new paths, so importing every new
                # home of the old module's names keeps them resolvable.
                self._record(original_alias, f"import {module}", f"import {', '.join(new_modules)}")
                self.module_renames[module] = new_modules[0]
                for new_module in new_modules[:-1]:
                    names.append(
                        alias.with_changes(
                            name=cst.parse_expression(new_module),
                            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                        )
                    )
                alias = alias.with_changes(name=cst.parse_expression(new_modules[-1]))
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

    # --- 1.x idioms: @apply_defaults, default_args keys, context keys ------------------------

    def leave_Decorator(
        self, original_node: cst.Decorator, updated_node: cst.Decorator
    ) -> cst.Decorator | cst.RemovalSentinel:
        name = _dotted(original_node.decorator) or ""
        if name.rpartition(".")[2] == APPLY_DEFAULTS[1]:
            self._record(original_node, "@apply_defaults", "(removed: default_args always apply)")
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement | cst.RemovalSentinel:
        key = original_node.key
        if not isinstance(key, cst.SimpleString):
            return updated_node
        name = key.evaluated_value
        if not isinstance(name, str):
            return updated_node
        if name == "provide_context":
            self._record(original_node, "'provide_context' default", "(removed)")
            return cst.RemovalSentinel.REMOVE
        new = RENAMED_KWARGS.get(name)
        if new:
            self._record(original_node, f"{name!r} default", repr(new))
            return updated_node.with_changes(key=cst.SimpleString(key.value.replace(name, new)))
        return updated_node

    def _context_key(
        self, original: cst.BaseExpression, node: cst.BaseExpression
    ) -> cst.BaseExpression:
        """``context["execution_date"]`` / ``kwargs.get("next_ds")``: the key string, renamed
        when it has an exact new spelling, reported when a person must migrate it."""
        if not isinstance(original, cst.SimpleString) or not isinstance(node, cst.SimpleString):
            return node
        key = original.evaluated_value
        if not isinstance(key, str) or key not in REPLACEMENTS:
            return node
        if key in CONTEXT_KEYS and CONTEXT_KEYS[key].isidentifier():
            self._record(original, f"context key {key!r}", repr(CONTEXT_KEYS[key]))
            return node.with_changes(value=node.value.replace(key, CONTEXT_KEYS[key]))
        self._record(original, f"context key {key!r}", f"(by hand: {REPLACEMENTS[key]})")
        return node

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.Subscript:
        if len(updated_node.slice) != 1 or len(original_node.slice) != 1:
            return updated_node
        element, original = updated_node.slice[0], original_node.slice[0]
        if not isinstance(element.slice, cst.Index) or not isinstance(original.slice, cst.Index):
            return updated_node
        value = self._context_key(original.slice.value, element.slice.value)
        index = element.slice.with_changes(value=value)
        return updated_node.with_changes(slice=[element.with_changes(slice=index)])

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        value = original_node.value
        prefix_len = len(value) - len(value.lstrip("rbuRBUfF"))
        quote = (
            value[prefix_len:][:3]
            if value[prefix_len:][:3] in ('"""', "'''")
            else value[prefix_len]
        )
        body = value[prefix_len + len(quote) : -len(quote)]
        if "{{" not in body and "{%" not in body:
            return updated_node
        for expression in _TEMPLATE_EXPR.findall(body):
            for key in sorted(set(_MANUAL_NAME.findall(expression))):
                self._record(
                    original_node, f"template key {key}", f"(by hand: {REPLACEMENTS[key]})"
                )
        found: list[str] = []

        def in_expression(match: re.Match[str]) -> str:
            def replace(name: re.Match[str]) -> str:
                found.append(name.group(1))
                return CONTEXT_KEYS[name.group(1)]

            return _TEMPLATE_NAME.sub(replace, match.group(0))

        new_body = _TEMPLATE_EXPR.sub(in_expression, body)
        if not found:
            return updated_node
        for key in found:
            self._record(original_node, f"template key {key}", CONTEXT_KEYS[key])
        return updated_node.with_changes(value=value[: prefix_len + len(quote)] + new_body + quote)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        callee = _dotted(original_node.func) or ""
        if callee.endswith(".get") and updated_node.args and updated_node.args[0].keyword is None:
            first = updated_node.args[0]
            updated_node = updated_node.with_changes(
                args=[
                    first.with_changes(
                        value=self._context_key(original_node.args[0].value, first.value)
                    ),
                    *updated_node.args[1:],
                ]
            )
        move = self.local_moves.get(callee) or self.local_moves.get(
            self.renamed_names.get(callee, "")
        )
        renamed = dict(move.renamed_args) if move else {}
        if callee.rpartition(".")[2] == "DAG":
            renamed.update({k: v for k, v in RENAMED_DAG_KWARGS.items() if v})
        class_name = move.new_name if move else callee.rpartition(".")[2]
        for arg in original_node.args:
            if arg.keyword is None:
                continue
            how = BY_HAND_KWARGS.get((class_name, arg.keyword.value))
            if how:
                self._record(arg, f"{class_name}({arg.keyword.value}=...)", f"(by hand: {how})")
        args: list[cst.Arg] = []
        changed = False
        for original_arg, arg in zip(original_node.args, updated_node.args, strict=True):
            keyword = original_arg.keyword.value if original_arg.keyword else None
            if keyword in renamed:
                new_kw = renamed[keyword]
                self._record(original_arg, f"{callee}({keyword}=...)", f"{new_kw}=...")
                args.append(arg.with_changes(keyword=cst.Name(new_kw)))
                changed = True
            elif keyword in RENAMED_KWARGS or (
                keyword in RENAMED_DAG_KWARGS and callee.rpartition(".")[2] == "DAG"
            ):
                new_kw2 = RENAMED_KWARGS.get(keyword) if keyword in RENAMED_KWARGS else None
                changed = True
                if new_kw2 is None:
                    self._record(
                        original_arg,
                        f"{keyword}=...",
                        "(removed: the context is passed by signature)"
                        if keyword == "provide_context"
                        else "(removed: no longer used)",
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


class _FromAirflow(cst.CSTTransformer):
    """``airflow.*`` -> ``taskloom.*`` and ``Airflow*`` names -> ``Taskloom*`` (the 1.x layout's
    spelling), so that the table of moves can take it from there."""

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        value = updated_node.value
        if value == "airflow":
            return updated_node.with_changes(value="taskloom")
        if value.startswith("Airflow") and value[7:8].isupper():
            return updated_node.with_changes(value="Taskloom" + value[7:])
        return updated_node


def rewrite(source: str, *, from_airflow: bool = False) -> tuple[str, list[Finding]]:
    """Return ``source`` with every legacy usage rewritten, and the usages found.

    :param from_airflow: first respell an Airflow DAG file's ``airflow`` imports and
        ``Airflow*`` names as taskloom's 1.x layout.
    """
    tree = cst.parse_module(source)
    if from_airflow:
        tree = tree.visit(_FromAirflow())
    wrapper = MetadataWrapper(tree)
    rewriter = _Rewriter()
    module = wrapper.visit(rewriter)
    return module.code, sorted(rewriter.findings, key=lambda f: (f.line, f.column))


def findings(source: str) -> Sequence[Finding]:
    """The legacy usages in ``source`` (nothing is rewritten)."""
    return rewrite(source)[1]
