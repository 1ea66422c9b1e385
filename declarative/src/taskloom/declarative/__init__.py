"""taskloom-declarative: run manifest-only providers (Airbyte-format declarative manifests).

A manifest describes an HTTP API — authentication, endpoints, paging, where records are
in a response, how to read incrementally — and this runtime interprets it; no provider
code is needed.  Use it from a DAG::

    from taskloom.declarative import ReadStreamOperator

    ReadStreamOperator(
        task_id="issues", provider="github", stream="issues",
        conn_id="github_default", destination="duckdb_default",
    )

or from the command line: ``taskloom declarative validate|spec|check|discover|read``.
See the distribution's README for the supported components.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from taskloom.declarative.destinations import DbApiDestination as DbApiDestination
    from taskloom.declarative.destinations import JsonLinesDestination as JsonLinesDestination
    from taskloom.declarative.operators import ReadStreamOperator as ReadStreamOperator
    from taskloom.declarative.operators import stream_tasks as stream_tasks
    from taskloom.declarative.providers import load_provider as load_provider
    from taskloom.declarative.source import DeclarativeSource as DeclarativeSource
    from taskloom.declarative.source import load as load
    from taskloom.declarative.source import loads as loads

# Imported on first use: ``import taskloom.declarative`` stays cheap for the CLI.
_LAZY = {
    "DbApiDestination": "taskloom.declarative.destinations",
    "JsonLinesDestination": "taskloom.declarative.destinations",
    "ReadStreamOperator": "taskloom.declarative.operators",
    "stream_tasks": "taskloom.declarative.operators",
    "load_provider": "taskloom.declarative.providers",
    "DeclarativeSource": "taskloom.declarative.source",
    "load": "taskloom.declarative.source",
    "loads": "taskloom.declarative.source",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
