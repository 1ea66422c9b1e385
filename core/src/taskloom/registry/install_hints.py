"""Which distribution to install for a connection type no installed provider declares.

Checked against the in-repo providers' ``provider.json`` by the repository's tests
(``tools/tests``), so a new provider or connection type cannot be forgotten here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: conn_types of the providers kept in taskloom's repository, so that a missing one can be
#: named in the error (``pip install taskloom-provider-postgres``).
KNOWN_CONNECTION_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "aws": "taskloom-provider-amazon",
        "duckdb": "taskloom-provider-duckdb",
        "postgres": "taskloom-provider-postgres",
        "redis": "taskloom-provider-redis",
        "slack": "taskloom-provider-slack",
        "slack_webhook": "taskloom-provider-slack",
        "smtp": "taskloom-provider-smtp",
    }
)

#: URL schemes of ``[logging] remote_base_log_folder`` that the in-repo providers store task
#: logs at (their ``log_handlers``), for the same kind of hint.
KNOWN_LOG_SCHEMES: Final[Mapping[str, str]] = MappingProxyType({"s3": "taskloom-provider-amazon"})

#: Executor short names (``[core] executor``) of the providers kept in taskloom's
#: repository, so that choosing one that is not installed names the distribution.
KNOWN_EXECUTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "celery": "taskloom-provider-celery",
    }
)

#: Provider ids kept in taskloom's repository (``pip install taskloom-provider-<id>``).
KNOWN_PROVIDERS: Final[frozenset[str]] = frozenset(
    distribution.removeprefix("taskloom-provider-")
    for distribution in (*KNOWN_CONNECTION_TYPES.values(), *KNOWN_EXECUTORS.values())
)
_SUFFIXES: Final = ("_operator", "_hook", "_sensor")


def system_of(module: str) -> str:
    """The outside system a taskloom module is about: ``taskloom.providers.google...`` ->
    ``google``, ``taskloom.contrib.hooks.jira_hook`` -> ``jira``."""
    parts = module.split(".")
    if parts[:2] == ["taskloom", "providers"] and len(parts) > 2:
        return parts[2]
    last = parts[-1]
    for suffix in _SUFFIXES:
        last = last.removesuffix(suffix)
    return last.split("_")[0] or last


def module_install_hint(module: str) -> str:
    """How to get a ``taskloom`` module that does not import: the provider to install, or
    that taskloom has none for its system yet."""
    system = system_of(module)
    if system in KNOWN_PROVIDERS:
        return f'pip install taskloom-provider-{system}  (or: pip install "taskloom[{system}]")'
    return f"no provider for {system} yet"


def executor_install_hint(name: str) -> str:
    """How to get the executor ``name`` that no installed provider declares."""
    distribution = KNOWN_EXECUTORS.get(name)
    if distribution is None:
        return "install the provider that declares it, or use the dotted path of its class"
    provider = distribution.removeprefix("taskloom-provider-")
    return f'install it: pip install {distribution}  (or: pip install "taskloom[{provider}]")'
