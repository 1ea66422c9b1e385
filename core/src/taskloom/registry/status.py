"""What the registry knows about each installed provider: its state, and the problems ``providers check`` reports."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING
from typing import NamedTuple
from typing import final

if TYPE_CHECKING:
    from taskloom.registry.info import ProviderInfo


class ProviderState(enum.StrEnum):
    """Whether a provider is usable in this process."""

    #: Metadata valid, core supported: its connection types resolve.
    OK = "ok"
    #: Its ``Requires-Dist`` on ``taskloom`` excludes the installed core.
    INCOMPATIBLE = "incompatible"
    #: Malformed metadata, a declared module that failed to import, or a clash with another provider.
    BROKEN = "broken"
    #: Skipped on purpose through ``TASKLOOM_DISABLED_PROVIDERS`` or :meth:`ProviderRegistry.block`.
    DISABLED = "disabled"


@final
class ProviderStatus(NamedTuple):
    """One installed provider as this process sees it."""

    #: Provider id (the entry-point name).
    provider_id: str
    #: Name of the distribution that supplies it (``taskloom-provider-postgres``), if known.
    distribution: str | None
    #: Version of that distribution.
    version: str | None
    state: ProviderState
    #: Why it is not ``ok`` (empty when it is).
    reason: str = ""
    #: What the user can do about it (empty when it is ``ok``).
    fix: str = ""
    #: Its metadata, when it could be read.
    info: ProviderInfo | None = None
    #: Directory of its package; frames from files below it are attributed to this provider.
    package_dir: str | None = None

    @property
    def label(self) -> str:
        """``taskloom-provider-postgres 1.0.0``, or the provider id when the distribution is unknown."""
        if self.distribution is None:
            return f"provider {self.provider_id!r}"
        return f"{self.distribution} {self.version}" if self.version else self.distribution


@final
class Problem(NamedTuple):
    """Something ``taskloom providers check`` reports, with what to do about it."""

    provider_id: str
    distribution: str | None
    #: ``malformed-metadata``, ``incompatible-core``, ``import-error``, ``duplicate``.
    kind: str
    message: str
    fix: str

    def __str__(self) -> str:
        who = self.distribution or f"provider {self.provider_id!r}"
        return f"{who}: {self.message}\n  fix: {self.fix}"
