"""Partition routers: ``ListPartitionRouter`` (fixed values) and ``SubstreamPartitionRouter`` (a parent stream's records)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from taskloom.declarative.interpolation import Interpolator
from taskloom.declarative.request_options import RequestOption
from taskloom.declarative.request_options import RequestParts
from taskloom.declarative.request_options import option

#: Reads a parent stream: ``read_parent(stream_spec)`` yields its records.
ReadParent = Callable[[Mapping[str, Any]], Iterator[dict[str, Any]]]


class Router:
    """One partition router: its partitions and the request options they set."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        interpolator: Interpolator,
        context: Mapping[str, Any],
        read_parent: ReadParent,
    ) -> None:
        self.kind: str = spec["type"]
        self.spec = spec
        self.interpolator = interpolator
        self.context = context
        self.read_parent = read_parent
        self.options: dict[str, RequestOption] = {}
        if self.kind == "ListPartitionRouter":
            field = str(interpolator.eval(spec["cursor_field"], context))
            opt = option(spec.get("request_option"), interpolator)
            if opt is not None:
                self.options[field] = opt
        else:
            for parent in spec["parent_stream_configs"]:
                opt = option(parent.get("request_option"), interpolator)
                if opt is not None:
                    self.options[str(interpolator.eval(parent["partition_field"], context))] = opt

    def partitions(self) -> Iterator[dict[str, Any]]:
        if self.kind == "ListPartitionRouter":
            field = str(self.interpolator.eval(self.spec["cursor_field"], self.context))
            values = self.spec["values"]
            if isinstance(values, str):
                values = self.interpolator.eval(values, self.context) or []
                if isinstance(values, str):
                    values = [v.strip() for v in values.split(",") if v.strip()]
            for item in values:
                yield {field: item}
            return
        for parent in self.spec["parent_stream_configs"]:
            key_path = str(self.interpolator.eval(parent["parent_key"], self.context)).split("/")
            field = str(self.interpolator.eval(parent["partition_field"], self.context))
            for record in self.read_parent(parent["stream"]):
                value: Any = record
                for key in key_path:
                    value = value.get(key) if isinstance(value, Mapping) else None
                if value is not None:
                    yield {field: value, "parent_slice": {}}

    def inject(
        self, parts: RequestParts, partition: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        for field, opt in self.options.items():
            opt.inject(parts, partition.get(field), context)


class Partitions:
    """Every router of a retriever (``partition_router`` may be a list: their product)."""

    def __init__(
        self,
        spec: Any,
        interpolator: Interpolator,
        context: Mapping[str, Any],
        read_parent: ReadParent,
    ) -> None:
        specs = spec if isinstance(spec, list) else [spec] if spec else []
        self.routers = [Router(s, interpolator, context, read_parent) for s in specs]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.routers:
            yield {}
            return
        for combo in itertools.product(*(list(r.partitions()) for r in self.routers)):
            merged: dict[str, Any] = {}
            for part in combo:
                merged.update(part)
            yield merged

    def inject(
        self, parts: RequestParts, partition: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        for router in self.routers:
            router.inject(parts, partition, context)
