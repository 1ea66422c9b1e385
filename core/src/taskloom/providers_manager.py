"""Which providers are installed, what they offer, and which one an error came from.

Most code needs only :func:`get_registry`::

    from taskloom.providers_manager import get_registry

    hook_cls = get_registry().hook_class(connection.conn_type)   # imports only that hook's module

The process-wide registry is built on first use: core's built-in provider (SQLite,
HTTP(S), generic connections) first, then every distribution announced through the
``taskloom.providers`` entry-point group (see :mod:`taskloom.registry.registry` for how it is
read without importing provider code, and :mod:`taskloom.registry.discovery_cache` for what is
kept between processes).

Environment variables:

``TASKLOOM_DISABLE_PROVIDER_AUTOLOAD=1``
    Load no entry points; only core's built-in provider is known.
``TASKLOOM_DISABLED_PROVIDERS=a,b``
    Skip the providers with these ids (they show as ``disabled``).
"""

from __future__ import annotations

import os
import threading
from types import TracebackType
from typing import Final

from taskloom._version import __version__
from taskloom.exceptions import ConfigurationError
from taskloom.registry.discovery_cache import DiscoveryCache
from taskloom.registry.info import ConnectionTypeInfo as ConnectionTypeInfo
from taskloom.registry.info import FieldInfo as FieldInfo
from taskloom.registry.info import MaintainerInfo as MaintainerInfo
from taskloom.registry.info import ProviderInfo as ProviderInfo
from taskloom.registry.info import provider_schema as provider_schema
from taskloom.registry.registry import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from taskloom.registry.registry import ProviderRegistry as ProviderRegistry
from taskloom.registry.status import Problem as Problem
from taskloom.registry.status import ProviderState as ProviderState
from taskloom.registry.status import ProviderStatus as ProviderStatus

__all__ = [
    "BUILTIN_PROVIDER_ID",
    "DISABLED_PROVIDERS_ENV",
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "ConnectionTypeInfo",
    "FieldInfo",
    "MaintainerInfo",
    "Problem",
    "ProviderInfo",
    "ProviderRegistry",
    "ProviderState",
    "ProviderStatus",
    "builtin_provider",
    "connection_type_info",
    "get_registry",
    "hook_class_for",
    "issue_report_line",
    "provider_schema",
]

#: Id under which core's own hooks and operators are registered.
BUILTIN_PROVIDER_ID: Final = "core"
#: Set to 1/true to load no provider entry points.
DISABLE_AUTOLOAD_ENV: Final = "TASKLOOM_DISABLE_PROVIDER_AUTOLOAD"
#: Comma-separated provider ids to skip.
DISABLED_PROVIDERS_ENV: Final = "TASKLOOM_DISABLED_PROVIDERS"

_BUILTIN_METADATA: Final = os.path.join(
    os.path.dirname(__file__), "registry", "builtin_provider.json"
)
_registry: ProviderRegistry | None = None
_lock = threading.Lock()


def builtin_provider(cache: DiscoveryCache | None = None) -> ProviderInfo:
    """The metadata of core's built-in provider (``taskloom/registry/builtin_provider.json``).

    :param cache: where an earlier process's validation of it may be reused.
    """
    return (cache if cache is not None else DiscoveryCache(None)).provider_info(
        _BUILTIN_METADATA, BUILTIN_PROVIDER_ID
    )


def _autoload_disabled() -> bool:
    value = os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return False
    if value in {"1", "true", "yes", "on"}:
        return True
    raise ConfigurationError(
        f"{DISABLE_AUTOLOAD_ENV} must be 1 or 0 (true/false, yes/no, on/off), "
        f"got {os.environ[DISABLE_AUTOLOAD_ENV]!r}; fix or unset it."
    )


def _disabled_ids() -> list[str]:
    raw = os.environ.get(DISABLED_PROVIDERS_ENV, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def build_registry() -> ProviderRegistry:
    """Build a registry the way :func:`get_registry` does, from the environment as it is now."""
    autoload_disabled = _autoload_disabled()
    cache = DiscoveryCache.for_environment()
    registry = ProviderRegistry()
    for provider_id in _disabled_ids():
        registry.block(provider_id)
    registry.register(builtin_provider(cache), distribution="taskloom", version=__version__)
    if not autoload_disabled:
        registry.load_entry_points(cache=cache)
    cache.save()
    return registry


def get_registry(*, warn_unusable: bool = True) -> ProviderRegistry:
    """The process-wide registry, built on first use (see the module docstring).

    When it is built, each provider that is broken or incompatible is logged as one
    warning line naming its distribution, the reason and the fix (the provider is skipped;
    nothing is raised).

    :param warn_unusable: ``False`` skips those warnings (``taskloom providers`` shows the
        same facts in its own output).

    Tests that need a different set of providers build their own with
    :meth:`ProviderRegistry.for_testing` and ``monkeypatch.setattr(providers_manager,
    "_registry", registry)``.
    """
    global _registry
    registry = _registry
    if registry is None:
        with _lock:
            if _registry is None:
                _registry = build_registry()
                if warn_unusable:
                    _warn_unusable(_registry)
            registry = _registry
    return registry


def connection_type_info(conn_type: str | None) -> ConnectionTypeInfo | None:
    """The provider metadata of ``conn_type``, or ``None`` if no installed provider declares it.

    Connections work without their provider (one may be defined before its provider is
    installed), so an unknown type yields ``None`` instead of an error.
    """
    if not conn_type:
        return None
    try:
        return get_registry().connection_type(conn_type)
    except LookupError:
        return None


def hook_class_for(conn_type: str | None, *, conn_id: str | None = None) -> type:
    """Import and return the hook class the installed providers declare for ``conn_type``.

    The one place a connection's hook is resolved (``Connection.get_hook``,
    ``BaseHook.get_hook``): only that hook's module is imported.

    :raises InvalidConnectionError: if the connection has no conn_type.
    :raises ProviderNotFoundError: if no installed provider handles the conn_type
        (the message names the distribution to install when it is known).
    :raises ProviderLoadError: if the hook's module fails to import.
    """
    if not conn_type:
        from taskloom.exceptions import InvalidConnectionError

        raise InvalidConnectionError(
            "has no conn_type, so no hook can be chosen; set its conn_type", conn_id=conn_id
        )
    return get_registry().hook_class(conn_type)


def _warn_unusable(registry: ProviderRegistry) -> None:
    unusable = [
        status
        for status in registry.providers()
        if status.state in {ProviderState.BROKEN, ProviderState.INCOMPATIBLE}
    ]
    if not unusable:
        return
    import logging  # only now: most commands never log here, and logging costs milliseconds

    log = logging.getLogger(__name__)
    for status in unusable:
        log.warning(
            "skipping provider %r (%s), %s: %s; fix: %s",
            status.provider_id,
            status.label,
            status.state,
            status.reason,
            status.fix,
        )


def _frames(exc: BaseException) -> list[str]:
    """File names of ``exc``'s traceback, then of its causes, innermost frame first in each."""
    names: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb: TracebackType | None = current.__traceback__
        chain: list[str] = []
        while tb is not None:
            chain.append(tb.tb_frame.f_code.co_filename)
            tb = tb.tb_next
        names.extend(reversed(chain))
        current = current.__cause__ or current.__context__
    return names


def issue_report_line(exc: BaseException) -> str | None:
    """Name the provider an exception came from, and where to report it.

    Walks the traceback (and the causes' tracebacks) from the innermost frame out; the
    first frame whose file lies in a provider's package names that provider.  Returns
    ``None`` when no provider frame is involved (core and user code report elsewhere).

    :returns: ``This error came from taskloom-provider-postgres 1.0.0; report it at <issue tracker>``
    """
    registry = get_registry()
    for filename in _frames(exc):
        status = registry.provider_for_file(filename)
        if status is None:
            continue
        info = status.info
        if info is not None and info.issue_tracker:
            where = info.issue_tracker
        elif info is not None and info.documentation:
            where = f"the tracker linked from {info.documentation}"
        else:
            where = "its maintainers' issue tracker"
        return f"This error came from {status.label}; report it at {where}"
    return None
