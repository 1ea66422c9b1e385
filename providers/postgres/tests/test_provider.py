"""Tests of the provider as core sees it: ``provider.json``, the entry point, hook lookup, masking."""

from __future__ import annotations

import json
from importlib import metadata
from importlib import resources

from taskloom.hooks.base import BaseHook
from taskloom.providers.postgres.hooks.postgres import PostgresHook
from taskloom.providers_manager import get_registry
from taskloom.utils.secrets_masker import redact
from taskloom_testing.postgres import PostgresServer
from tests.conftest import ConnectionSetter


def test_entry_point_names_the_package() -> None:
    """The distribution declares ``postgres`` in the ``taskloom.providers`` entry-point group."""
    (entry_point,) = [
        ep for ep in metadata.entry_points(group="taskloom.providers") if ep.name == "postgres"
    ]
    assert entry_point.value == "taskloom.providers.postgres"
    assert entry_point.dist is not None
    assert entry_point.dist.name == "taskloom-provider-postgres"


def test_provider_json_is_valid_and_ok_in_the_registry() -> None:
    """Core reads provider.json without complaint and ``providers check`` finds no problem with it."""
    registry = get_registry()
    status = registry.status("postgres")
    assert status.state == "ok", status.reason
    assert not [problem for problem in registry.check() if problem.provider_id == "postgres"]
    assert (
        registry.connection_type("postgres").hook_class
        == "taskloom.providers.postgres.hooks.postgres.PostgresHook"
    )


def test_provider_json_declares_the_key_password_secret() -> None:
    """The metadata marks sslkey_password secret and offers every documented extra field."""
    raw = json.loads((resources.files("taskloom.providers.postgres") / "provider.json").read_text())
    extra_fields = raw["connection_types"]["postgres"]["extra_fields"]
    assert extra_fields["sslkey_password"]["secret"] is True
    assert set(extra_fields) == {
        "sslmode",
        "sslcert",
        "sslkey",
        "sslkey_password",
        "sslrootcert",
        "connect_timeout",
        "application_name",
        "options",
    }


def test_get_hook_resolves_the_postgres_hook(postgres_default: PostgresServer) -> None:
    """``BaseHook.get_hook`` turns a ``postgres`` connection into a working PostgresHook."""
    hook = BaseHook.get_hook("postgres_default")
    assert isinstance(hook, PostgresHook)
    assert hook.get_first("SELECT current_database()") == (postgres_default.database,)


def test_password_and_key_password_are_masked(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """Once the hook read its connection, the password and sslkey_password are redacted, URI-encoded too."""
    key_password = "k3y-p@ss/w0rd"
    set_connection(extra={"sslkey_password": key_password, "application_name": "masking"})
    uri = PostgresHook().get_uri()
    masked = redact(f"connecting with {uri}")
    assert pg.password not in masked
    assert key_password not in masked
    assert "sslpassword=***" in masked
    assert "application_name=masking" in masked
