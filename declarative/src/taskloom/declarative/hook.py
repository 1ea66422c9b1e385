"""``DeclarativeHook``: the hook of every manifest-only provider's connection type.

Core's registry gives a manifest-only provider's connection type this hook (see
``taskloom.registry.manifest``), so ``taskloom connections test <conn_id>`` runs the
manifest's ``check`` with the connection's config.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from taskloom.hooks.base import BaseHook


class DeclarativeHook(BaseHook):
    """A connection of a manifest-only provider: its config, and a check that it works.

    :param conn_id: the connection id.
    """

    conn_name_attr: ClassVar[str] = "conn_id"
    default_conn_name: ClassVar[str] = "declarative_default"
    conn_type: ClassVar[str] = "declarative"
    hook_name: ClassVar[str] = "Manifest-only provider"

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name

    def provider_id(self) -> str:
        """The provider whose connection type this connection has."""
        from taskloom.providers_manager import get_registry

        conn_type = self.get_connection(self.conn_id).conn_type or ""
        return get_registry().connection_type(conn_type).provider_id

    def get_conn(self) -> dict[str, Any]:
        """The manifest config this connection holds (its extra, plus the password)."""
        from taskloom.declarative.providers import config_from_connection
        from taskloom.declarative.providers import load_provider

        return config_from_connection(self.conn_id, load_provider(self.provider_id()))

    def test_connection(self) -> tuple[bool, str]:
        """Run the manifest's ``check`` (one page of its check streams) with this config."""
        from taskloom.declarative.providers import load_provider

        source = load_provider(self.provider_id())
        return source.check(self.get_conn())
