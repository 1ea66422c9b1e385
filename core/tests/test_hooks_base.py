"""Tests for taskloom.hooks.base: BaseHook's connection lookup and hook resolution."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from taskloom.exceptions import ConnectionNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.hooks.base import BaseHook
from taskloom.hooks.base import hook_class_for
from taskloom.hooks.http import HttpHook
from taskloom.hooks.sqlite import SqliteHook
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom.utils.secrets_masker import redact


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


def test_class_attributes() -> None:
    """Core hooks declare the attributes the registry and the CLI rely on."""
    assert (BaseHook.conn_name_attr, BaseHook.conn_type) == ("conn_id", "generic")
    assert (
        SqliteHook.conn_name_attr,
        SqliteHook.default_conn_name,
        SqliteHook.conn_type,
        SqliteHook.hook_name,
    ) == (
        "sqlite_conn_id",
        "sqlite_default",
        "sqlite",
        "SQLite",
    )
    assert (HttpHook.conn_name_attr, HttpHook.default_conn_name, HttpHook.conn_type) == (
        "http_conn_id",
        "http_default",
        "http",
    )


def test_get_connection_registers_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """get_connection returns the connection and masks its password from then on."""
    monkeypatch.setenv("TASKLOOM_CONN_API", "http://user:base-hook-secret@host")
    conn = BaseHook.get_connection("api")
    assert conn.host == "host"
    assert redact("base-hook-secret") == "***"


def test_get_connection_missing() -> None:
    """A missing connection raises ConnectionNotFoundError (a LookupError)."""
    with pytest.raises(ConnectionNotFoundError, match="connection 'ghost' is not defined"):
        BaseHook.get_connection("ghost")


def test_get_hook_by_conn_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """get_hook builds the registered hook class with the conn id and extra parameters."""
    monkeypatch.setenv("TASKLOOM_CONN_WEB", "https://example.com")
    monkeypatch.setenv("TASKLOOM_CONN_GEN", "generic://h")
    hook = BaseHook.get_hook("web", method="GET")
    assert isinstance(hook, HttpHook)
    assert (hook.http_conn_id, hook.method) == ("web", "GET")
    generic = BaseHook.get_hook("gen")
    assert type(generic) is BaseHook


def test_get_hook_unknown_type_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A conn_type no installed provider handles names the distribution to install when known."""
    monkeypatch.setenv("TASKLOOM_CONN_PG", "postgres://u:pw-secret-value@h/db")
    monkeypatch.setenv("TASKLOOM_DISABLE_PROVIDER_AUTOLOAD", "1")
    from taskloom import providers_manager

    monkeypatch.setattr(providers_manager, "_registry", None)
    with pytest.raises(ProviderNotFoundError, match="conn_type 'postgres'") as info:
        BaseHook.get_hook("pg")
    assert "pw-secret-value" not in str(info.value)
    with pytest.raises(InvalidConnectionError, match="has no conn_type"):
        hook_class_for(None, conn_id="x")


def test_log_property_and_logger_name() -> None:
    """log is named after the hook class unless logger_name is given."""
    assert BaseHook().log.name == "taskloom.hooks.base.BaseHook"
    assert BaseHook(logger_name="custom").log.name == "custom"
    assert isinstance(SqliteHook().log, logging.Logger)


def test_defaults() -> None:
    """The base get_conn is abstract and test_connection says it is unsupported."""
    with pytest.raises(NotImplementedError, match="does not implement get_conn"):
        BaseHook().get_conn()
    assert BaseHook().test_connection() == (
        False,
        "BaseHook (generic) does not support testing connections",
    )
    with pytest.raises(TypeError, match="unexpected arguments: nope"):
        BaseHook(nope=1)
