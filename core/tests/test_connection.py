"""Tests for taskloom.models.connection: the URI and JSON forms, validation, reprs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from taskloom import providers_manager
from taskloom.exceptions import DuplicateProviderError
from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.exceptions import UnknownConnectionTypeError
from taskloom.hooks.sqlite import SqliteHook
from taskloom.models.connection import Connection
from taskloom.registry.info import parse_provider_info
from taskloom.utils.secrets_masker import get_secrets_masker
from taskloom.utils.secrets_masker import redact

ACME = {
    "id": "acme",
    "name": "Acme",
    "description": "A test provider with a secret extra and a choice extra.",
    "connection_types": {
        "acme": {
            "hook_class": "taskloom.hooks.base.BaseHook",
            "display_name": "Acme",
            "fields": {"login": {"label": "Account key", "secret": True}},
            "extra_fields": {
                "client_key": {"label": "Client key", "secret": True},
                "region": {"label": "Region", "choices": ["eu", "us"]},
            },
        },
        "acme-legacy": {
            "hook_class": "taskloom.hooks.base.BaseHook",
            "display_name": "Acme legacy",
        },
    },
}


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


@pytest.fixture
def acme_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider registry with core's built-in provider plus the test provider 'acme'."""
    registry = providers_manager.ProviderRegistry.for_testing(
        providers_manager.builtin_provider(),
        parse_provider_info(ACME, source="test", provider_id="acme"),
    )
    monkeypatch.setattr(providers_manager, "_registry", registry)


# --- URI round trip -----------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)  # no lone surrogates
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=8,
)
_extra = st.one_of(
    st.none(),
    st.dictionaries(_text, _text, max_size=4),  # flat: written as query parameters
    st.dictionaries(_text, _json, max_size=4),  # nested: written as __extra__
)
_host = st.one_of(st.none(), _text, st.ip_addresses(v=6).map(str), st.ip_addresses(v=4).map(str))


@settings(max_examples=400, deadline=None)
@given(
    conn_type=st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z"),
    host=_host,
    login=st.none() | _text,
    password=st.none() | _text,
    schema=st.none() | _text,
    port=st.none() | st.integers(min_value=1, max_value=65535),
    extra=_extra,
)
def test_uri_round_trip_any_text(
    conn_type: str,
    host: str | None,
    login: str | None,
    password: str | None,
    schema: str | None,
    port: int | None,
    extra: dict[str, Any] | None,
) -> None:
    """from_uri(get_uri()) gives back the same connection, whatever characters the parts hold."""
    conn = Connection(
        conn_id="c",
        conn_type=conn_type,
        host=host,
        login=login,
        password=password,
        schema=schema,
        port=port,
        extra=extra,
    )
    assert Connection.from_uri(conn.get_uri(), conn_id="c") == conn


@settings(max_examples=100, deadline=None)
@given(
    fields=st.fixed_dictionaries(
        {"conn_type": st.from_regex(r"\A[a-z][a-z0-9_-]{0,10}\Z")},
        optional={
            "description": _text,
            "host": _host,
            "login": _text,
            "password": _text,
            "schema": _text,
            "port": st.integers(min_value=1, max_value=65535),
            "extra": st.dictionaries(_text, _json, max_size=3),
        },
    )
)
def test_json_round_trip(fields: dict[str, Any]) -> None:
    """from_json(to_json()) gives back the same connection, description included."""
    conn = Connection(conn_id="j", **fields)
    assert Connection.from_json(conn.to_json(), conn_id="j") == conn


def test_uri_special_characters_are_encoded() -> None:
    """Characters that mean something in a URI are percent-encoded in every part."""
    conn = Connection(
        conn_type="postgres",
        login="me@corp",
        password="p@ss/w:rd#?+ %",
        host="db",
        port=5432,
        schema="a/b",
    )
    uri = conn.get_uri()
    assert uri == "postgres://me%40corp:p%40ss%2Fw%3Ard%23%3F%2B%20%25@db:5432/a%2Fb"
    assert Connection.from_uri(uri).password == "p@ss/w:rd#?+ %"


def test_from_uri_airflow_style() -> None:
    """A hand-written Airflow-style URI parses into its fields."""
    conn = Connection.from_uri(
        "postgres://user:p%40ss@db.example.com:5432/warehouse?sslmode=require", "pg"
    )
    assert (conn.conn_id, conn.conn_type, conn.host, conn.port, conn.schema) == (
        "pg",
        "postgres",
        "db.example.com",
        5432,
        "warehouse",
    )
    assert (conn.login, conn.password, conn.extra_dejson) == (
        "user",
        "p@ss",
        {"sslmode": "require"},
    )


def test_underscore_conn_type_uses_hyphen_scheme() -> None:
    """conn_type google_cloud is written google-cloud:// and read back with the underscore."""
    conn = Connection(conn_type="google_cloud", host="x")
    assert conn.get_uri().startswith("google-cloud://")
    assert Connection.from_uri(conn.get_uri()).conn_type == "google_cloud"


@pytest.mark.usefixtures("acme_registry")
def test_hyphenated_conn_type_declared_by_a_provider_is_kept() -> None:
    """A scheme with '-' keeps it when a provider declares the hyphenated conn_type."""
    assert Connection.from_uri("acme-legacy://h").conn_type == "acme-legacy"


def test_ipv6_host_in_brackets() -> None:
    """An IPv6 host is written in brackets and read back with its port."""
    conn = Connection(conn_type="http", host="::1", port=8080)
    assert conn.get_uri() == "http://[::1]:8080"
    parsed = Connection.from_uri("http://[2001:db8::1]:443/x")
    assert (parsed.host, parsed.port, parsed.schema) == ("2001:db8::1", 443, "x")


def test_nested_extra_uses_extra_param() -> None:
    """Non-string extras travel as one JSON __extra__ parameter."""
    extra = {"retry": {"total": 5}, "verify": False, "tags": ["a", "b"]}
    conn = Connection(conn_type="http", host="h", extra=extra)
    assert "__extra__=" in conn.get_uri()
    assert Connection.from_uri(conn.get_uri()).extra_dejson == extra


def test_sqlite_path_uri() -> None:
    """sqlite:////abs/path puts the path in schema, which SqliteHook reads."""
    conn = Connection.from_uri("sqlite:////var/data/app.db")
    assert (conn.host, conn.schema) == (None, "/var/data/app.db")


def test_empty_strings_are_none() -> None:
    """Empty fields are stored as None, so '' and unset compare equal."""
    conn = Connection(
        conn_id="e", conn_type="http", host="", login="", password="", schema="", extra=""
    )
    assert (conn.host, conn.login, conn.password, conn.schema, conn.extra) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert conn == Connection(conn_id="e", conn_type="http")


def test_uri_argument() -> None:
    """Connection(uri=...) parses the URI; mixing it with fields is an error."""
    assert Connection(conn_id="u", uri="http://h:1").port == 1
    with pytest.raises(InvalidConnectionError, match="either a uri or separate fields"):
        Connection(conn_id="u", uri="http://h", host="other")


# --- errors never echo secrets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("no scheme here s3cr3t-Pa55", "is not a connection URI"),
        ("postgres://user:s3cr3t-Pa55@host:notaport/db", "port is not a number"),
        ("postgres://user:s3cr3t/Pa55@host/db", "the password has a raw '/'"),
        ("postgres://user:s3cr3t?Pa55@host:5432/db", "the password has a raw '\\?'"),
        ("postgres://user:s3cr3t#Pa55@host/db", "the password has a raw '#'"),
        ("postgres://host/db#s3cr3t-Pa55", "raw '#'"),
        ("postgres://user:s3cr3t-Pa55@[::1/db", "closing ']'"),
        ("postgres://user:s3cr3t-Pa55@host:99999/db", "out of range"),
        ("http://h/?__extra__=%7Bs3cr3t-Pa55", "__extra__ parameter is not valid JSON"),
    ],
)
def test_invalid_uri_errors_hide_the_secret(uri: str, expected: str) -> None:
    """A malformed URI gives an error naming the problem, without the password."""
    with pytest.raises(InvalidConnectionError, match=expected) as info:
        Connection.from_uri(uri, conn_id="bad")
    assert "s3cr3t" not in str(info.value)
    assert "'bad'" in str(info.value)


def test_invalid_json_errors_hide_the_secret() -> None:
    """Malformed JSON, a non-object, unknown fields and bad extras are clear errors without secrets."""
    with pytest.raises(InvalidConnectionError, match="not valid JSON") as info:
        Connection.from_json('{"password": "s3cr3t-Pa55",', conn_id="j")
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(InvalidConnectionError, match="JSON object of connection fields"):
        Connection.from_json('["s3cr3t-Pa55"]')
    with pytest.raises(InvalidConnectionError, match=r"unknown field.*'passwd'") as info:
        Connection.from_json('{"conn_type": "http", "passwd": "s3cr3t-Pa55"}')
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(InvalidConnectionError, match="extra is not valid JSON") as info:
        Connection(conn_type="http", extra='{"token": "s3cr3t-Pa55"')
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(InvalidConnectionError, match="must be a JSON object"):
        Connection(conn_type="http", extra="[1, 2]")
    with pytest.raises(InvalidConnectionError, match="extra must hold only JSON values"):
        Connection(conn_type="http", extra={"when": object()})
    with pytest.raises(InvalidConnectionError, match="must be text"):
        Connection.from_dict({"conn_type": "http", "password": 12345})


def test_port_validation() -> None:
    """A numeric string port is accepted; other values are rejected with the fix."""
    assert Connection(conn_type="http", port="8080").port == 8080
    with pytest.raises(InvalidConnectionError, match="whole number between 1 and 65535") as info:
        Connection(conn_type="http", port="http")
    assert "URI" not in str(info.value)  # no URI here: no hint about encoding one
    for outside in (0, 65536):
        with pytest.raises(InvalidConnectionError, match="out of range"):
            Connection(conn_type="http", port=outside)
    with pytest.raises(InvalidConnectionError, match="not true/false"):
        Connection(conn_type="http", port=True)


def test_get_uri_needs_a_schemable_conn_type() -> None:
    """A connection without conn_type, or with one no scheme can hold, has no URI form."""
    with pytest.raises(InvalidConnectionError, match="has no conn_type"):
        Connection(conn_id="x").get_uri()
    with pytest.raises(InvalidConnectionError, match="cannot be a URI scheme"):
        Connection(conn_id="x", conn_type="bad type").get_uri()


# --- repr, masking, validation, hooks ----------------------------------------------------------


@pytest.mark.usefixtures("acme_registry")
def test_repr_hides_password_and_secret_extras() -> None:
    """repr() and str() show '***' for the password, declared-secret extras and secret-named extras."""
    conn = Connection(
        conn_id="a",
        conn_type="acme",
        host="h",
        password="hunter2-password",
        extra={"client_key": "k", "api_token": "tok-value", "region": "eu"},
    )
    for text in (repr(conn), str(conn)):
        assert "hunter2" not in text
        assert "tok-value" not in text
        assert "'client_key': '***'" in text
        assert "'region': 'eu'" in text
        assert "password='***'" in text
    marked = Connection(conn_id="a", conn_type="acme", login="account-key-value")
    assert "account-key-value" not in repr(marked)
    assert "login='***'" in repr(marked)


@pytest.mark.usefixtures("acme_registry")
def test_mask_secrets_registers_password_and_secret_extras() -> None:
    """mask_secrets() registers the password and secret extras, not ordinary values."""
    conn = Connection(
        conn_id="a",
        conn_type="acme",
        host="plain-host",
        password="hunter2-password",
        extra={"client_key": "client-key-value", "region": "eu"},
    )
    conn.mask_secrets()
    text = "plain-host hunter2-password client-key-value eu"
    assert redact(text) == "plain-host *** *** eu"
    Connection(conn_id="b", conn_type="acme", login="account-key-value").mask_secrets()
    assert redact("key account-key-value") == "key ***"


@pytest.mark.usefixtures("acme_registry")
def test_validate_against_provider_metadata() -> None:
    """validate() rejects unknown conn_types and extra values outside their choices."""
    Connection(conn_id="a", conn_type="acme", extra={"region": "eu"}).validate()
    with pytest.raises(
        UnknownConnectionTypeError, match="no installed provider handles conn_type 'nope'"
    ):
        Connection(conn_id="a", conn_type="nope").validate()
    with pytest.raises(
        InvalidConnectionError, match="extra 'region' is 'mars'; allowed values: 'eu', 'us'"
    ):
        Connection(conn_id="a", conn_type="acme", extra={"region": "mars"}).validate()


def test_get_hook_resolves_through_registry(tmp_path: Any) -> None:
    """get_hook() builds the hook class the registry declares, with the conn id set."""
    hook = Connection(conn_id="lite", conn_type="sqlite", host=str(tmp_path / "x.db")).get_hook()
    assert isinstance(hook, SqliteHook)
    assert hook.sqlite_conn_id == "lite"  # type: ignore[attr-defined]


def test_get_hook_unknown_conn_type() -> None:
    """A conn_type no provider handles names the problem."""
    with pytest.raises(
        ProviderNotFoundError, match="no installed provider handles conn_type 'nope'"
    ):
        Connection(conn_id="x", conn_type="nope").get_hook()


def test_to_dict_and_from_text() -> None:
    """to_dict prunes empty fields; from_text accepts both JSON and URI text."""
    conn = Connection(conn_id="t", conn_type="http", host="h", extra={"a": 1})
    assert conn.to_dict() == {"conn_id": "t", "conn_type": "http", "host": "h", "extra": {"a": 1}}
    assert json.loads(conn.to_json()) == {"conn_type": "http", "host": "h", "extra": {"a": 1}}
    assert Connection.from_text(conn.to_json(), "t") == conn
    assert Connection.from_text(conn.get_uri(), "t") == conn


# --- URI schemes a provider declares ------------------------------------------------------


def _registry_with(monkeypatch: pytest.MonkeyPatch, *documents: dict[str, object]) -> None:
    registry = providers_manager.ProviderRegistry.for_testing(
        providers_manager.builtin_provider(),
        *(parse_provider_info(d, source="test", provider_id=str(d["id"])) for d in documents),
    )
    monkeypatch.setattr(providers_manager, "_registry", registry)


_DB_PROVIDER = {
    "id": "acmedb",
    "name": "Acme DB",
    "description": "A database whose tools write either of two schemes.",
    "connection_types": {
        "acmedb": {
            "hook_class": "taskloom.hooks.base.BaseHook",
            "display_name": "Acme DB",
            "uri_schemes": ["acmesql", "acme+tls"],
        }
    },
}


def test_a_declared_uri_scheme_means_its_conn_type(monkeypatch: pytest.MonkeyPatch) -> None:
    _registry_with(monkeypatch, _DB_PROVIDER)
    for scheme in ("acmedb", "acmesql", "ACMESQL", "acme+tls"):
        conn = Connection.from_uri(f"{scheme}://u:p@db.example.com:5433/sales", conn_id="c")
        assert conn.conn_type == "acmedb", scheme
        assert (conn.host, conn.port, conn.schema) == ("db.example.com", 5433, "sales")
    # The URI written back uses the conn_type itself, and reads back the same.
    again = Connection.from_uri(conn.get_uri(), conn_id="c")
    assert again == conn
    assert conn.get_uri().startswith("acmedb://")
    # An undeclared scheme keeps its own name ('-' standing for '_').
    assert Connection.from_uri("other-db://h").conn_type == "other_db"


def test_a_scheme_claimed_twice_is_a_duplicate(monkeypatch: pytest.MonkeyPatch) -> None:
    rival = {
        "id": "rival",
        "name": "Rival",
        "description": "Claims another provider's scheme.",
        "connection_types": {
            "rival": {
                "hook_class": "taskloom.hooks.base.BaseHook",
                "display_name": "Rival",
                "uri_schemes": ["acmesql"],
            }
        },
    }
    with pytest.raises(
        DuplicateProviderError, match=r"URI scheme 'acmesql'.*already means conn_type 'acmedb'"
    ):
        _registry_with(monkeypatch, _DB_PROVIDER, rival)


# --- extras typed by their provider -------------------------------------------------------

_TYPED_PROVIDER = {
    "id": "typed",
    "name": "Typed",
    "description": "Declares the JSON types of its extras.",
    "connection_types": {
        "typed": {
            "hook_class": "taskloom.hooks.base.BaseHook",
            "display_name": "Typed",
            "extra_fields": {
                "flag": {"type": "boolean", "default": False},
                "count": {"type": "integer"},
                "ratio": {"type": "number"},
                "token": {"type": "integer", "secret": True},
                "name": {"type": "string"},
                "verify": {"default": True},
            },
        }
    },
}


def test_uri_query_values_take_their_declared_types(monkeypatch: pytest.MonkeyPatch) -> None:
    _registry_with(monkeypatch, _TYPED_PROVIDER)
    conn = Connection.from_uri(
        "typed://h/?flag=false&count=7&ratio=0.5&name=007&verify=/etc/ca.pem&other=1", conn_id="t"
    )
    assert conn.extra_dejson == {
        "flag": False,
        "count": 7,
        "ratio": 0.5,
        "name": "007",
        "verify": "/etc/ca.pem",  # no declared type: text, as written
        "other": "1",
    }
    for text, value in [("TRUE", True), ("1", True), ("no", False), ("off", False)]:
        assert Connection.from_uri(f"typed://h/?flag={text}").extra_dejson["flag"] is value
    assert Connection.from_uri("typed://h/?ratio=3").extra_dejson["ratio"] == 3
    # Values inside __extra__ are JSON already: kept as they are.
    nested = Connection(conn_type="typed", host="h", extra={"flag": True, "deep": {"a": 1}})
    assert Connection.from_uri(nested.get_uri()).extra_dejson == {"flag": True, "deep": {"a": 1}}


def test_a_value_that_does_not_fit_its_type_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _registry_with(monkeypatch, _TYPED_PROVIDER)
    for query, key, expected in [
        ("flag=maybe", "flag", "true or false"),
        ("count=7.5", "count", "a whole number"),
        ("ratio=nan", "ratio", "a number"),
        ("token=s3cr3t-value", "token", "a whole number"),
    ]:
        with pytest.raises(InvalidConnectionError) as info:
            Connection.from_uri(f"typed://h/?{query}", conn_id="t")
        message = str(info.value)
        assert f"extra {key!r} in the URI query must be {expected}" in message
        assert f"fix the '{key}=' parameter" in message
        assert "s3cr3t-value" not in message


def test_text_under_a_typed_key_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """A string where a boolean is declared is written as JSON, so reading the URI keeps it a string."""
    _registry_with(monkeypatch, _TYPED_PROVIDER)
    conn = Connection(
        conn_id="t", conn_type="typed", host="h", extra={"flag": "false", "name": "n"}
    )
    assert "__extra__" in conn.get_uri()
    assert Connection.from_uri(conn.get_uri(), conn_id="t") == conn
    untyped = Connection(conn_id="t", conn_type="typed", host="h", extra={"name": "n"})
    assert untyped.get_uri() == "typed://h/?name=n"
