"""From a response to records: ``RecordSelector``, ``DpathExtractor``, ``RecordFilter`` and the transformations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

import requests

from taskloom.declarative.interpolation import Interpolator


def _dpath(value: Any, path: list[str]) -> list[Any]:
    """Every value at ``path`` in ``value`` (``*`` matches every key or item)."""
    nodes = [value]
    for key in path:
        found: list[Any] = []
        for node in nodes:
            if key == "*":
                found.extend(
                    node.values()
                    if isinstance(node, Mapping)
                    else node
                    if isinstance(node, list)
                    else ()
                )
            elif isinstance(node, Mapping) and key in node:
                found.append(node[key])
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                found.append(node[int(key)])
        nodes = found
    return nodes


class RecordSelector:
    """``RecordSelector{extractor: DpathExtractor{field_path}, record_filter}`` plus the stream's transformations."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        transformations: list[Mapping[str, Any]],
        interpolator: Interpolator,
        context: Mapping[str, Any],
    ) -> None:
        self.interpolator = interpolator
        raw_path = spec["extractor"].get("field_path") or []
        self.path = [str(interpolator.eval(p, context)) for p in raw_path]
        self.wildcard = "*" in self.path
        flt = spec.get("record_filter")
        self.condition: str | None = flt["condition"] if flt else None
        self.transform_first = bool(spec.get("transform_before_filtering", False))
        self.transformations = [Transformation(t, interpolator) for t in transformations]

    def select(
        self, response: requests.Response, context: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        body = response.json() if response.content else None
        if body is None:
            return []
        if not self.path:
            found: Any = body
        elif self.wildcard:
            found = _dpath(body, self.path)
        else:
            found = body
            for key in self.path:
                if isinstance(found, Mapping):
                    found = found.get(key)
                elif isinstance(found, list) and key.isdigit() and int(key) < len(found):
                    found = found[int(key)]
                else:
                    found = None
                if found is None:
                    return []
        records = _flatten(found)
        if self.transform_first:
            records = self._transform(records, context)
        if self.condition:
            records = [
                r
                for r in records
                if self.interpolator.eval_bool(self.condition, {**context, "record": r})
            ]
        if not self.transform_first:
            records = self._transform(records, context)
        return records

    def _transform(
        self, records: list[dict[str, Any]], context: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        for transformation in self.transformations:
            records = [transformation.apply(r, context) for r in records]
        return records


def _flatten(found: Any) -> list[dict[str, Any]]:
    if isinstance(found, list):
        out: list[dict[str, Any]] = []
        for item in found:
            if isinstance(item, list):
                out.extend(i for i in item if isinstance(i, dict))
            elif isinstance(item, dict):
                out.append(item)
        return out
    if isinstance(found, dict):
        return [found] if found else []
    return []


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def snake_case(name: str) -> str:
    """``fooBar-baz`` -> ``foo_bar_baz`` (Airbyte's KeysToSnakeCase, simplified to ASCII)."""
    return "_".join(p for p in _CAMEL.split(name) if p).lower()


class Transformation:
    """``AddFields``, ``RemoveFields``, ``KeysToSnakeCase`` or ``KeysToLower``."""

    def __init__(self, spec: Mapping[str, Any], interpolator: Interpolator) -> None:
        self.kind: str = spec["type"]
        self.spec = spec
        self.interpolator = interpolator

    def apply(self, record: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
        if self.kind == "AddFields":
            ctx = {**context, "record": record}
            for field in self.spec["fields"]:
                value = self.interpolator.eval(field["value"], ctx)
                _set(record, field["path"], value)
            return record
        if self.kind == "RemoveFields":
            condition = self.spec.get("condition")
            for pointer in self.spec["field_pointers"]:
                _remove(record, pointer, condition, self.interpolator, context)
            return record
        if self.kind == "KeysToSnakeCase":
            return {snake_case(k): v for k, v in record.items()}
        return {k.lower(): v for k, v in record.items()}


def _set(record: dict[str, Any], path: Iterable[str], value: Any) -> None:
    keys = list(path)
    target = record
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _remove(
    record: dict[str, Any],
    pointer: list[str],
    condition: str | None,
    interpolator: Interpolator,
    context: Mapping[str, Any],
) -> None:
    if not pointer:
        return
    parents = _dpath(record, pointer[:-1]) if len(pointer) > 1 else [record]
    last = pointer[-1]
    for parent in parents:
        if not isinstance(parent, dict):
            continue
        keys = list(parent) if last == "*" else [last] if last in parent else []
        for key in keys:
            if condition is None or interpolator.eval_bool(
                condition, {**context, "property": parent[key]}
            ):
                del parent[key]
