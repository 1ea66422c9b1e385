"""The provider registry: what the installed provider distributions offer, read without importing them.

Discovery walks the ``taskloom.providers`` entry points once per process (read from the
installed ``*.dist-info`` folders by :mod:`taskloom.utils.entry_points`), finds each
provider's package directory with :func:`importlib.util.find_spec` (which executes no
provider code, and works for wheels and editable installs alike), reads the
``provider.json`` beside its ``__init__.py``, validates it against
``provider.schema.json`` and checks the distribution's own ``Requires-Dist`` on
``taskloom`` against the running core.  Anything wrong with one provider is recorded
on that provider (state ``broken`` or ``incompatible``, with the reason and the fix) and
never raised from discovery, so one bad distribution cannot break core, the CLI or the
other providers.  Hook classes are imported only when :meth:`ProviderRegistry.hook_class`
is asked for one.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from taskloom._version import __version__
from taskloom.exceptions import DuplicateProviderError
from taskloom.exceptions import ProviderLoadError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.exceptions import ProviderValidationError
from taskloom.registry import compatibility
from taskloom.registry import locate
from taskloom.registry.discovery_cache import DiscoveryCache
from taskloom.registry.info import METADATA_FILE
from taskloom.registry.info import ConnectionTypeInfo
from taskloom.registry.info import ProviderInfo
from taskloom.registry.install_hints import KNOWN_CONNECTION_TYPES
from taskloom.registry.install_hints import KNOWN_LOG_SCHEMES
from taskloom.registry.locate import PROVIDER_NAMESPACE
from taskloom.registry.manifest import DECLARATIVE_HOOK
from taskloom.registry.status import Problem
from taskloom.registry.status import ProviderState
from taskloom.registry.status import ProviderStatus
from taskloom.utils.entry_points import Distribution
from taskloom.utils.entry_points import EntryPoint
from taskloom.utils.entry_points import entry_points
from taskloom.utils.module_loading import import_string

#: Entry-point group through which provider distributions announce themselves.
ENTRY_POINT_GROUP: Final = "taskloom.providers"


class ProviderRegistry:
    """Providers known to this process, keyed by provider id and by conn_type.

    Shaped like pluggy's ``PluginManager``: :meth:`register` adds one provider,
    :meth:`load_entry_points` discovers the installed ones, :meth:`block` keeps one out.
    Most code wants the process-wide instance from
    :func:`taskloom.providers_manager.get_registry`.
    """

    def __init__(self) -> None:
        #: provider id -> its status (every provider seen, usable or not).
        self._providers: dict[str, ProviderStatus] = {}
        #: conn_type -> the declaration that serves it (see :meth:`_resolve`).
        self._conn_types: dict[str, ConnectionTypeInfo] = {}
        #: conn_type -> provider id -> declaration, for every usable provider that declares it.
        self._claims: dict[str, dict[str, ConnectionTypeInfo]] = {}
        #: conn_type -> provider id, for providers that are installed but not usable.
        self._unusable_conn_types: dict[str, str] = {}
        #: Problems found at discovery that are not tied to one registered id.
        self._problems: list[Problem] = []
        self._blocked: set[str] = set()
        self._hook_classes: dict[str, type] = {}
        #: Ids of providers whose declared code failed to import.
        self._load_failures: set[str] = set()
        #: package_dir -> its resolved form, for :meth:`provider_for_file`.
        self._real_dirs: dict[str, str] = {}
        #: URL scheme -> id of the usable provider whose ``log_handlers`` serves it.
        self._log_schemes: dict[str, str] = {}

    # --- building ---------------------------------------------------------------------

    def register(
        self,
        info: ProviderInfo,
        *,
        source: Distribution | None = None,
        package_dir: str | None = None,
        distribution: str | None = None,
        version: str | None = None,
    ) -> None:
        """Add a provider whose metadata is already known.

        A blocked id is recorded as ``disabled`` and not added.

        :param source: the distribution that supplies it, for messages and ``providers list``.
        :param package_dir: its package directory, to attribute errors to it.
        :param distribution: name of the supplying distribution, when ``source`` is not at hand.
        :param version: its version, with ``distribution``.
        A conn_type another provider declares too is served by neither until resolved (see
        :meth:`_resolve`); both providers stay usable for their other types.

        :raises DuplicateProviderError: if its id is already registered, or one of its URI
            schemes already means another conn_type.
        """
        if source is not None:
            distribution, version = source.name, source.version
        self._add(info, distribution, version, package_dir)

    def _add(
        self,
        info: ProviderInfo,
        distribution: str | None,
        version: str | None,
        package_dir: str | None,
    ) -> None:
        status = ProviderStatus(
            info.id, distribution, version, ProviderState.OK, info=info, package_dir=package_dir
        )
        if info.id in self._blocked:
            self._providers[info.id] = status._replace(
                state=ProviderState.DISABLED, reason=self._blocked_reason(), fix=""
            )
            return
        existing = self._providers.get(info.id)
        if existing is not None:
            raise DuplicateProviderError(
                info.id,
                f"provider id {info.id!r} is supplied by both {existing.label} and {status.label}",
            )
        for conn_info in info.connection_types.values():
            for scheme in conn_info.uri_schemes:
                other_type = self.conn_type_for_scheme(scheme)
                # The same conn_type declared twice is a conflict that _resolve decides.
                if other_type is not None and other_type != conn_info.conn_type:
                    other = self._providers[self._conn_types[other_type].provider_id]
                    raise DuplicateProviderError(
                        info.id,
                        f"URI scheme {scheme!r} of conn_type {conn_info.conn_type!r} ({status.label}) "
                        f"already means conn_type {other_type!r} ({other.label})",
                    )
        for scheme in info.log_handlers:
            owner = self._log_schemes.get(scheme)
            if owner is not None:
                raise DuplicateProviderError(
                    info.id,
                    f"log handler scheme {scheme!r} of {status.label} is already served by "
                    f"{self._providers[owner].label}",
                )
        self._providers[info.id] = status
        for scheme in info.log_handlers:
            self._log_schemes[scheme] = info.id
        for conn_type, conn_info in info.connection_types.items():
            self._claims.setdefault(conn_type, {})[info.id] = conn_info
            self._resolve(conn_type)

    def _resolve(self, conn_type: str) -> None:
        """Decide which declaration serves ``conn_type``.

        One declaring provider: that one.  Several (issue 21, D9: a provider must not take
        over another's connections by declaring its type): the one named by the setting
        ``[connection_type_owners] <conn_type>``, else the provider whose id *is* the
        conn_type, else none -- :meth:`check` reports the conflict to every claimant.
        """
        claims = self._claims.get(conn_type, {})
        chosen: ConnectionTypeInfo | None = None
        if len(claims) == 1:
            chosen = next(iter(claims.values()))
        elif claims:
            owner = self.conn_type_owner_setting(conn_type)
            chosen = claims.get(owner or "") or claims.get(conn_type)
        if chosen is None:
            self._conn_types.pop(conn_type, None)
        else:
            self._conn_types[conn_type] = chosen
        self._hook_classes.pop(conn_type, None)

    @staticmethod
    def conn_type_owner_setting(conn_type: str) -> str | None:
        """The provider id the setting ``[connection_type_owners] <conn_type>`` names, if any."""
        from taskloom import configuration

        value = configuration.get("connection_type_owners", conn_type)
        return str(value) if value else None

    def _withdraw(self, provider_id: str) -> None:
        """Take ``provider_id``'s declarations out (it became unusable) and re-decide their types."""
        for scheme, owner in list(self._log_schemes.items()):
            if owner == provider_id:
                del self._log_schemes[scheme]
        for conn_type, claims in list(self._claims.items()):
            if claims.pop(provider_id, None) is not None:
                if not claims:
                    del self._claims[conn_type]
                self._resolve(conn_type)

    def conflicts(self) -> dict[str, list[str]]:
        """conn_type -> the ids of the usable providers that all declare it (two or more)."""
        return {ct: sorted(claims) for ct, claims in self._claims.items() if len(claims) > 1}

    def block(self, provider_id: str) -> None:
        """Keep ``provider_id`` out of this registry, removing it if it is already registered."""
        self._blocked.add(provider_id)
        status = self._providers.get(provider_id)
        if status is None:
            return
        self._withdraw(provider_id)
        self._set_unusable(
            status._replace(state=ProviderState.DISABLED, reason=self._blocked_reason(), fix="")
        )

    @staticmethod
    def _blocked_reason() -> str:
        return "disabled (TASKLOOM_DISABLED_PROVIDERS or ProviderRegistry.block)"

    def is_blocked(self, provider_id: str) -> bool:
        """Whether :meth:`block` was called for ``provider_id``."""
        return provider_id in self._blocked

    def _set_unusable(self, status: ProviderStatus) -> None:
        self._providers[status.provider_id] = status
        if status.info is not None:
            for conn_type in status.info.connection_types:
                if self._conn_types.get(conn_type, None) is None:
                    self._unusable_conn_types.setdefault(conn_type, status.provider_id)

    def load_entry_points(
        self, group: str = ENTRY_POINT_GROUP, *, cache: DiscoveryCache | None = None
    ) -> int:
        """Discover the providers installed in this environment; return how many were added.

        Safe to call again: ids already registered or blocked are skipped.  Reads each
        provider's ``provider.json`` and distribution metadata; imports no provider module.
        A provider with a problem is recorded with state ``broken`` or ``incompatible``
        (see :meth:`providers`) and does not count as added.

        :param cache: results of earlier discoveries to reuse (see
            :mod:`taskloom.registry.discovery_cache`); by default everything is read and checked anew.
        """
        cache = cache if cache is not None else DiscoveryCache(None)
        added = 0
        candidates = sorted(entry_points(group), key=lambda ep: ep.name)
        listed = locate.namespace_dirs() if candidates else {}
        for ep in candidates:
            distribution = ep.dist.name or f"<unnamed distribution at {ep.dist.location}>"
            version = ep.dist.version
            current = self._providers.get(ep.name)
            if current is not None:
                if current.distribution != distribution:
                    self._problems.append(
                        Problem(
                            ep.name,
                            distribution,
                            "duplicate",
                            f"provider id {ep.name!r} is supplied by both {current.label} and "
                            f"{distribution} {version}; only the first is used",
                            f"uninstall one of them: pip uninstall {distribution}",
                        )
                    )
                continue
            if ep.name in self._blocked:
                self._providers[ep.name] = ProviderStatus(
                    ep.name,
                    distribution,
                    version,
                    ProviderState.DISABLED,
                    reason=self._blocked_reason(),
                )
                continue
            try:
                added += self._load_one(ep, distribution, version, listed, cache)
            except Exception as exc:  # noqa: BLE001 -- one bad provider must not break discovery
                self._set_unusable(
                    ProviderStatus(
                        ep.name,
                        distribution,
                        version,
                        ProviderState.BROKEN,
                        reason=f"discovery failed: {type(exc).__name__}: {exc}",
                        fix=f"reinstall it: pip install --force-reinstall {distribution}",
                    )
                )
        return added

    def _load_one(
        self,
        ep: EntryPoint,
        distribution: str,
        version: str | None,
        listed: Mapping[str, str],
        cache: DiscoveryCache,
    ) -> int:
        provider_id = ep.name
        broken = functools.partial(
            ProviderStatus, provider_id, distribution, version, ProviderState.BROKEN
        )
        reinstall = f"reinstall it: pip install --force-reinstall {distribution}"
        report = f"report it to the provider's maintainers, or uninstall it: pip uninstall {distribution}"
        expected = f"{PROVIDER_NAMESPACE}.{provider_id}"
        if ep.value.strip() != expected:
            self._set_unusable(
                broken(
                    reason=f"its entry point {provider_id} = {ep.value!r} must name the package {expected!r}",
                    fix=report,
                )
            )
            return 0
        package_dir = locate.package_dir(provider_id, listed)
        if package_dir is None:
            self._set_unusable(broken(reason=f"package {expected} is not installed", fix=reinstall))
            return 0
        try:
            info = cache.provider_info(os.path.join(package_dir, METADATA_FILE), provider_id)
        except ProviderValidationError as exc:
            self._set_unusable(broken(reason=str(exc), fix=report, package_dir=package_dir))
            return 0
        status = broken(info=info, package_dir=package_dir)
        mismatch = self._mismatch(info, provider_id)
        if mismatch:
            self._set_unusable(status._replace(reason=mismatch, fix=report))
            return 0
        try:
            core_range = compatibility.core_range(ep.dist.requires)
            allowed = core_range is None or cache.core_allowed(
                core_range, compatibility.core_allows
            )
        except ValueError as exc:
            self._set_unusable(
                status._replace(
                    reason=f"its Requires-Dist on taskloom is malformed: {exc}", fix=report
                )
            )
            return 0
        if not allowed:
            specifier = compatibility.specifier(core_range or "")
            self._set_unusable(
                status._replace(
                    state=ProviderState.INCOMPATIBLE,
                    reason=f"it requires taskloom{specifier}, this is taskloom {__version__}",
                    fix=compatibility.incompatibility_fix(distribution, version or "0", specifier),
                )
            )
            return 0
        try:
            self._add(info, distribution, version, package_dir)
        except DuplicateProviderError as exc:
            self._set_unusable(
                status._replace(
                    reason=str(exc),
                    fix=f"uninstall one of the two: pip uninstall {distribution}",
                )
            )
            return 0
        return 0 if provider_id in self._blocked else 1

    @staticmethod
    def _mismatch(info: ProviderInfo, provider_id: str) -> str:
        if info.id != provider_id:
            return f"provider.json says id {info.id!r} but its entry point is named {provider_id!r}"
        prefix = f"{PROVIDER_NAMESPACE}.{provider_id}."
        outside = [
            name
            for kind, name in info.declared_imports()
            if not name.startswith(prefix)
            # A manifest-only provider's connections use the declarative runtime's hook.
            and not (info.manifest_only and kind == "hook_class" and name == DECLARATIVE_HOOK)
        ]
        if outside:
            return (
                f"provider.json names code outside its package {prefix[:-1]}: {', '.join(outside)}"
            )
        return ""

    @classmethod
    def for_testing(cls, *providers: ProviderInfo) -> ProviderRegistry:
        """A registry holding exactly ``providers``; reads no metadata and no environment."""
        registry = cls()
        for info in providers:
            registry.register(info)
        return registry

    # --- querying ---------------------------------------------------------------------

    def get(self, provider_id: str) -> ProviderInfo:
        """Return the metadata of a usable provider.

        :raises ProviderNotFoundError: if no provider has this id (or it is disabled).
        :raises ProviderLoadError: if its code failed to import (in :meth:`hook_class` or :meth:`check`).
        :raises ProviderValidationError: if it is installed but its metadata is broken or it is incompatible.
        """
        status = self.status(provider_id)
        if status.state is ProviderState.OK and status.info is not None:
            return status.info
        if status.state is ProviderState.DISABLED:
            raise ProviderNotFoundError(
                provider_id,
                f"provider {provider_id!r} ({status.label}) is {status.reason}; "
                "remove it from TASKLOOM_DISABLED_PROVIDERS to use it",
            )
        message = f"{status.label} is {status.state}: {status.reason}; fix: {status.fix}"
        if provider_id in self._load_failures:
            raise ProviderLoadError(provider_id, message)
        raise ProviderValidationError(provider_id, message)

    def status(self, provider_id: str) -> ProviderStatus:
        """Return what this process knows about ``provider_id``, usable or not.

        :raises ProviderNotFoundError: naming the installed ids, if none has this id.
        """
        status = self._providers.get(provider_id)
        if status is None:
            installed = ", ".join(sorted(self._providers)) or "none"
            raise ProviderNotFoundError(
                provider_id,
                f"no provider {provider_id!r} is installed (installed: {installed}); "
                f"install it with: pip install taskloom-provider-{provider_id.replace('_', '-')}",
            )
        return status

    def providers(self) -> list[ProviderStatus]:
        """Every provider seen, usable or not, sorted by id."""
        return [self._providers[pid] for pid in sorted(self._providers)]

    def connection_types(self) -> Mapping[str, ConnectionTypeInfo]:
        """conn_type -> declaration, for every usable provider."""
        return MappingProxyType(self._conn_types)

    def connection_type(self, conn_type: str) -> ConnectionTypeInfo:
        """Return the declaration of ``conn_type``.

        :raises ProviderNotFoundError: naming the known types and the distribution to install.
        """
        info = self._conn_types.get(conn_type)
        if info is None:
            raise self._unknown_conn_type(conn_type)
        return info

    def _unknown_conn_type(self, conn_type: str) -> ProviderNotFoundError:
        claimants = self.conflicts().get(conn_type)
        if claimants:
            return ProviderNotFoundError(conn_type, self._conflict_message(conn_type, claimants))
        owner = self._unusable_conn_types.get(conn_type)
        if owner is not None:
            status = self._providers[owner]
            message = (
                f"conn_type {conn_type!r} belongs to provider {owner!r} ({status.label}), "
                f"which is {status.state}: {status.reason}"
            )
            if status.fix:
                message += f"; fix: {status.fix}"
            return ProviderNotFoundError(owner, message)
        known = ", ".join(sorted(self._conn_types)) or "none"
        message = f"no installed provider handles conn_type {conn_type!r} (known: {known})"
        distribution = KNOWN_CONNECTION_TYPES.get(conn_type)
        if distribution is not None:
            message += f"; install the provider that does: pip install {distribution}"
            provider_id = distribution.removeprefix("taskloom-provider-")
        else:
            message += "; install the provider distribution that adds it, or fix the connection's conn_type"
            provider_id = conn_type
        return ProviderNotFoundError(provider_id, message)

    def conn_type_for_scheme(self, scheme: str) -> str | None:
        """The conn_type a connection URI scheme means: a conn_type itself, or one a provider
        declares in ``uri_schemes`` (``postgresql`` -> ``postgres``); ``None`` if neither."""
        if scheme in self._conn_types:
            return scheme
        for conn_type, info in self._conn_types.items():
            if scheme in info.uri_schemes:
                return conn_type
        return None

    def http_auth_types(self) -> frozenset[str]:
        """The ``requests.auth.AuthBase`` class paths usable providers declare (``http_auth_types``)."""
        return frozenset(
            path
            for status in self._providers.values()
            if status.state is ProviderState.OK and status.info is not None
            for path in status.info.http_auth_types
        )

    def log_handler_class(self, scheme: str) -> type:
        """Import and return the task log handler class that a usable provider declares for
        ``scheme`` (``log_handlers`` in its ``provider.json``); imports only that class's module.

        :raises ProviderNotFoundError: if no usable provider declares ``scheme``, naming the
            distribution to install when it is known.
        :raises ProviderLoadError: (from the import error) if the class cannot be imported;
            the provider is then marked ``broken``.
        """
        owner = self._log_schemes.get(scheme)
        if owner is None:
            raise self._unknown_log_scheme(scheme)
        info = self.get(owner)
        path = info.log_handlers[scheme]
        try:
            handler = import_string(path)
            if not isinstance(handler, type):
                raise TypeError(f"{path} is a {type(handler).__name__}, not a class")
        except Exception as exc:
            raise self._load_error(owner, f"log handler {path}", exc) from exc
        return handler

    def _unknown_log_scheme(self, scheme: str) -> ProviderNotFoundError:
        for status in self.providers():
            if status.info is not None and scheme in status.info.log_handlers:
                message = (
                    f"remote task logs at {scheme}:// URLs are stored by provider "
                    f"{status.provider_id!r} ({status.label}), which is {status.state}: {status.reason}"
                )
                if status.fix:
                    message += f"; fix: {status.fix}"
                return ProviderNotFoundError(status.provider_id, message)
        known = ", ".join(sorted(self._log_schemes)) or "none"
        message = (
            f"no installed provider stores task logs at {scheme}:// URLs (known schemes: {known})"
        )
        distribution = KNOWN_LOG_SCHEMES.get(scheme)
        if distribution is not None:
            message += f"; install the provider that does: pip install {distribution}"
            provider_id = distribution.removeprefix("taskloom-provider-")
        else:
            message += (
                "; install the provider distribution that adds it, or fix the setting "
                "[logging] remote_base_log_folder"
            )
            provider_id = scheme
        return ProviderNotFoundError(provider_id, message)

    def executor_class_path(self, name: str) -> str | None:
        """The class path of the executor a usable provider declares under the short ``name``
        (``celery``), or ``None``; imports nothing."""
        for status in self.providers():
            if status.state is ProviderState.OK and status.info is not None:
                path = status.info.executor_names.get(name)
                if path is not None:
                    return path
        return None

    def default_queue(self, module: str) -> str | None:
        """The queue a provider declares for its tasks (``"queue"`` in ``provider.json``),
        for an operator defined in ``module``; ``None`` outside a usable provider that
        declares one."""
        parts = module.split(".", 3)
        if parts[:2] != ["taskloom", "providers"] or len(parts) < 3:
            return None
        status = self._providers.get(parts[2])
        if status is None or status.state is not ProviderState.OK or status.info is None:
            return None
        return status.info.queue

    def hook_class(self, conn_type: str) -> type:
        """Import and return the hook class of ``conn_type``; imports only that hook's module.

        :raises ProviderNotFoundError: if no usable provider declares ``conn_type``.
        :raises ProviderLoadError: (from the import error) if the hook cannot be imported;
            the provider is then marked ``broken``.
        """
        cached = self._hook_classes.get(conn_type)
        if cached is not None:
            return cached
        info = self.connection_type(conn_type)
        try:
            hook = import_string(info.hook_class)
        except Exception as exc:
            error = self._load_error(info.provider_id, f"hook class {info.hook_class}", exc)
            raise error from exc
        if not isinstance(hook, type):
            raise self._load_error(
                info.provider_id,
                f"hook class {info.hook_class}",
                TypeError(f"{info.hook_class} is a {type(hook).__name__}, not a class"),
            )
        self._hook_classes[conn_type] = hook
        return hook

    def _load_error(
        self, provider_id: str, what: str, exc: BaseException, *, earlier: str = ""
    ) -> ProviderLoadError:
        status = self._providers[provider_id]
        reason = f"{earlier}{what} failed to import: {type(exc).__name__}: {exc}"
        if status.distribution is not None and status.distribution != "taskloom":
            fix = (
                f"check that {status.distribution}'s dependencies are installed "
                f"(pip install --force-reinstall {status.distribution}); if that does not help, "
                f"report it at {status.info.issue_tracker if status.info and status.info.issue_tracker else 'its issue tracker'}"
            )
        else:
            fix = "report it to taskloom's core maintainers"
        self._withdraw(provider_id)
        self._set_unusable(status._replace(state=ProviderState.BROKEN, reason=reason, fix=fix))
        self._load_failures.add(provider_id)
        return ProviderLoadError(provider_id, f"{status.label}: {reason}; fix: {fix}")

    def _conflict_message(self, conn_type: str, claimants: list[str]) -> str:
        labels = " and ".join(
            f"{self._providers[pid].label} (provider {pid!r})" for pid in claimants
        )
        served = self._conn_types.get(conn_type)
        if served is None:
            outcome = "so no provider serves it until one is named its owner"
        else:
            owner = self.conn_type_owner_setting(conn_type)
            why = (
                "named by the setting" if owner == served.provider_id else "its id is the conn_type"
            )
            outcome = f"it is served by provider {served.provider_id!r} ({why})"
        return f"conn_type {conn_type!r} is declared by {labels}; {outcome}"

    def _conflict_fix(self, conn_type: str, claimants: list[str]) -> str:
        env = f"TASKLOOM__CONNECTION_TYPE_OWNERS__{conn_type.upper()}"
        uninstall = " or ".join(
            f"pip uninstall {self._providers[pid].distribution}"
            for pid in claimants
            if self._providers[pid].distribution
        )
        return (
            f"name the owner: {env}=<provider id> (or [connection_type_owners] {conn_type} in "
            f"taskloom.toml), or uninstall the provider that should not declare it ({uninstall})"
        )

    def check(self) -> list[Problem]:
        """Import every module and class every usable provider declares; return all problems.

        Problems found at discovery (malformed metadata, incompatible core, duplicates)
        come first.  A provider whose code fails to import is marked ``broken``.
        """
        problems = list(self._problems)
        for status in self.providers():
            if status.state is ProviderState.OK and status.info is not None:
                self._check_imports(status, status.info)
        for conn_type, claimants in sorted(self.conflicts().items()):
            message = self._conflict_message(conn_type, claimants)
            fix = self._conflict_fix(conn_type, claimants)
            for pid in claimants:
                problems.append(
                    Problem(
                        pid, self._providers[pid].distribution, "conn-type-conflict", message, fix
                    )
                )
        for status in self.providers():
            if status.state in {ProviderState.BROKEN, ProviderState.INCOMPATIBLE}:
                kind = (
                    "incompatible-core" if status.state is ProviderState.INCOMPATIBLE else "broken"
                )
                problems.append(
                    Problem(
                        status.provider_id, status.distribution, kind, status.reason, status.fix
                    )
                )
        return problems

    def _check_imports(self, status: ProviderStatus, info: ProviderInfo) -> None:
        earlier = ""
        for kind, name in info.declared_imports():
            try:
                if kind in {"hooks", "operators", "sensors"}:
                    importlib.import_module(name)
                else:
                    target = import_string(name)
                    if not isinstance(target, type):
                        raise TypeError(f"{name} is a {type(target).__name__}, not a class")
            except Exception as exc:  # noqa: BLE001 -- the report lists every failure, then moves on
                self._load_error(status.provider_id, f"{kind} entry {name}", exc, earlier=earlier)
                earlier = self._providers[status.provider_id].reason + "; "

    def provider_for_file(self, filename: str) -> ProviderStatus | None:
        """The provider whose package holds ``filename`` (a traceback frame's file), if any."""
        path = os.path.realpath(filename)
        for status in self._providers.values():
            if status.package_dir is None:
                continue
            # Resolved on first use, not at discovery: discovery must stay cheap.
            root = self._real_dirs.get(status.package_dir)
            if root is None:
                root = self._real_dirs[status.package_dir] = (
                    os.path.realpath(status.package_dir) + os.sep
                )
            if path.startswith(root):
                return status
        return None
