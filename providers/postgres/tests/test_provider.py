"""Tests of what is the PostgreSQL provider's own in ``provider.json``: extras, secrets, hook lookup, masking.

The checks every provider owes core are in test_conformance.py (taskloom-testing's suite).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from taskloom.hooks.base import BaseHook
from taskloom.providers.postgres.hooks.postgres import PostgresHook
from taskloom.providers_manager import get_registry
from taskloom.utils.secrets_masker import redact
from taskloom_testing.cli import run_taskloom
from taskloom_testing.postgres import PostgresServer
from tests.conftest import ConnectionSetter


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


def test_cli_connections_add_and_test(pg: PostgresServer) -> None:
    """A connection stored with ``connections add`` passes ``connections test`` through PostgresHook."""
    added = run_taskloom(
        "connections", "add", "pg_cli", "--conn-uri", pg.uri + "?application_name=cli"
    )
    assert added.returncode == 0, added.stderr
    tested = run_taskloom("connections", "test", "pg_cli")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "Connection successfully tested: PostgreSQL" in tested.stdout
    assert pg.password not in tested.stdout + tested.stderr


def test_cli_connections_add_checks_the_sslmode_choices(pg: PostgresServer) -> None:
    """``connections add`` validates extras against provider.json: an unknown sslmode is refused."""
    result = run_taskloom("connections", "add", "pg_bad", "--conn-uri", pg.uri + "?sslmode=always")
    assert result.returncode != 0
    assert "sslmode" in result.stderr
    assert pg.password not in result.stdout + result.stderr


def test_cli_connections_test_wrong_password(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """``connections test`` reports a wrong password with libpq's reason, no secret, non-zero exit."""
    wrong = "Wr0ng-CLI-Secret"
    set_connection("pg_wrong", password=wrong)
    result = run_taskloom("connections", "test", "pg_wrong")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "password authentication failed" in output
    assert wrong not in output


def test_cli_connections_get_masks_the_key_password(set_connection: ConnectionSetter) -> None:
    """``connections get`` shows the extras but masks sslkey_password, which provider.json marks secret."""
    key_password = "k3y-CLI-secret"
    set_connection("pg_ssl", extra={"sslmode": "verify-full", "sslkey_password": key_password})
    result = run_taskloom("connections", "get", "pg_ssl", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert "verify-full" in result.stdout
    assert key_password not in result.stdout


def test_a_postgresql_uri_means_a_postgres_connection(
    pg: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``postgresql://`` (the scheme most tools write) is declared in provider.json as this conn_type."""
    uri = "postgresql://" + pg.uri.removeprefix("postgres://")
    monkeypatch.setenv("TASKLOOM_CONN_FROM_TOOLS", uri)
    hook = BaseHook.get_hook("from_tools")
    assert isinstance(hook, PostgresHook)
    assert hook.get_first("SELECT 41 + 1") == (42,)
    assert BaseHook.get_connection("from_tools").conn_type == "postgres"
    assert get_registry().connection_type("postgres").uri_schemes == ("postgresql",)
