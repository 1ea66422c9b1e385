"""The URI codec on its own (``taskloom.models.connection_uri``): exact URIs, exact fields, exact errors.

``test_connection.py`` tests connections through :class:`~taskloom.models.connection.Connection`
(round trips, masking, typed extras); these tests pin what the codec writes and reads part by
part, and each error's message and connection id.  They were written where mutation testing
(``nox -s mutation``) showed a change to the codec that no test noticed.
"""

from __future__ import annotations

from typing import Any

import pytest

from taskloom import providers_manager
from taskloom.exceptions import InvalidConnectionError
from taskloom.models.connection_uri import format_uri
from taskloom.models.connection_uri import parse_uri
from taskloom.registry.info import parse_provider_info

FIELDS: dict[str, Any] = {
    "conn_id": "c",
    "conn_type": "http",
    "host": None,
    "schema": None,
    "login": None,
    "password": None,
    "port": None,
    "extra": {},
}


def _format(**fields: Any) -> str:
    return format_uri(**{**FIELDS, **fields})


def _error(call: Any, *args: Any, **kwargs: Any) -> InvalidConnectionError:
    with pytest.raises(InvalidConnectionError) as caught:
        call(*args, **kwargs)
    assert caught.value.conn_id == kwargs.get("conn_id", args[1] if len(args) > 1 else "c")
    return caught.value


# --- writing ------------------------------------------------------------------------------


def test_every_part_is_percent_encoded_slashes_included() -> None:
    """A '/' in the login, password, host, schema or an extra is encoded, so each part stays one part."""
    uri = _format(
        login="team/etl",
        password="p/w:@",
        host="files/host",
        schema="db/2024",
        extra={"a/b": "c/d"},
    )
    assert uri == "http://team%2Fetl:p%2Fw%3A%40@files%2Fhost/db%2F2024?a%2Fb=c%2Fd"


def test_nested_extra_is_one_encoded_json_parameter() -> None:
    """An extra that is not all text is written as __extra__, its JSON fully encoded ('/' too)."""
    uri = _format(host="h", extra={"path": "/etc/ca.pem", "retries": 3})
    assert uri == (
        "http://h/?__extra__=%7B%22path%22%3A%20%22%2Fetc%2Fca.pem%22%2C%20%22retries%22%3A%203%7D"
    )


def test_an_ipv6_host_is_bracketed_and_other_hosts_encoded() -> None:
    """``::1`` is written ``[::1]`` (its colons kept); any other host has every special character encoded."""
    assert _format(host="::1", port=5432) == "http://[::1]:5432"
    assert _format(host="a:b/c") == "http://a%3Ab%2Fc"


def test_writing_without_a_conn_type_names_the_connection() -> None:
    """No conn_type, or one that cannot be a scheme: the error names the connection and the fix."""
    error = _error(format_uri, **{**FIELDS, "conn_type": None})
    assert str(error) == "connection 'c': has no conn_type, so it has no URI form; set conn_type"
    error = _error(format_uri, **{**FIELDS, "conn_type": "my type"})
    assert str(error) == (
        "connection 'c': conn_type 'my type' cannot be a URI scheme; use letters, digits and '_'"
    )


# --- reading ------------------------------------------------------------------------------


def test_absent_parts_are_none() -> None:
    """A URI with only a host has no login, password, schema, port or extra (None, not empty)."""
    assert parse_uri("http://h") == {
        "conn_type": "http",
        "host": "h",
        "login": None,
        "password": None,
        "schema": None,
        "port": None,
        "extra": None,
    }
    fields = parse_uri("http://user@h")
    assert (fields["login"], fields["password"]) == ("user", None)


def test_a_raw_scheme_separator_in_the_query_is_a_value() -> None:
    """Only the first '://' ends the scheme: a URL in a query value stays there."""
    fields = parse_uri("http://h/?next=http://x")
    assert (fields["conn_type"], fields["host"], fields["extra"]) == (
        "http",
        "h",
        {"next": "http://x"},
    )


def test_query_values_keep_their_equals_signs_and_empty_pairs_are_skipped() -> None:
    """``token=abc==`` keeps its padding; ``&&`` between parameters is ignored, not the end."""
    assert parse_uri("http://h/?token=abc==&&b=2")["extra"] == {"token": "abc==", "b": "2"}


def test_the_port_is_after_the_last_colon() -> None:
    """An unbracketed host with colons keeps them; the port is what follows the last one."""
    fields = parse_uri("http://a:b:99")
    assert (fields["host"], fields["port"]) == ("a:b", "99")


@pytest.mark.parametrize("uri", ["1http://h", "http:/h", "h"])
def test_not_a_uri_names_the_expected_form(uri: str) -> None:
    """A missing '://' or a scheme that cannot be one: the expected form, and not the value."""
    error = _error(parse_uri, uri, conn_id="c")
    assert str(error) == (
        "connection 'c': is not a connection URI: expected "
        "'<conn_type>://[login[:password]@]host[:port][/schema][?key=value]' "
        "(the value is not shown as it may hold a password)"
    )


def test_not_text_says_what_it_is() -> None:
    """A URI that is not a string is refused, naming the type it is."""
    error = _error(parse_uri, b"http://h", conn_id="c")
    assert str(error) == "connection 'c': a URI must be text, not bytes"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        (
            "http://[::1:5432",
            "has an IPv6 host without its closing ']'; write it as [address]:port",
        ),
        ("http://[::1]x:5432", "has text after the IPv6 host's ']'; only ':port' may follow it"),
        ("http://[::1]]:5432", "has text after the IPv6 host's ']'; only ':port' may follow it"),
        ("http://h/?__extra__=%5B1%5D", "the __extra__ parameter must be a JSON object"),
        (
            "http://h/?__extra__=%7B",
            "the __extra__ parameter is not valid JSON; give a percent-encoded JSON object",
        ),
    ],
)
def test_malformed_parts_are_named_with_the_connection(uri: str, message: str) -> None:
    """Each malformed part has its own message, prefixed with the connection id."""
    assert str(_error(parse_uri, uri, conn_id="c")) == f"connection 'c': {message}"


def test_a_value_that_does_not_fit_its_declared_type_names_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The typed-extra error is about the connection being read."""
    typed = {
        "id": "typed",
        "name": "Typed",
        "description": "d",
        "connection_types": {
            "typed": {
                "hook_class": "taskloom.hooks.base.BaseHook",
                "display_name": "Typed",
                "extra_fields": {"count": {"type": "integer"}},
            }
        },
    }
    registry = providers_manager.ProviderRegistry.for_testing(
        providers_manager.builtin_provider(),
        parse_provider_info(typed, source="test", provider_id="typed"),
    )
    monkeypatch.setattr(providers_manager, "_registry", registry)
    error = _error(parse_uri, "typed://h/?count=many", conn_id="c")
    assert str(error) == (
        "connection 'c': extra 'count' in the URI query must be a whole number (its provider "
        "declares it integer); fix the 'count=' parameter"
    )


def _raw(field: str, char: str, encoded: str) -> str:
    return (
        f"connection 'c': the {field} has a raw {char!r}, which ends the {field} early in a URI; "
        f"write it as {encoded} (percent-encode the special characters of each part, e.g. with "
        "urllib.parse.quote(value, safe='') in Python)"
    )


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("pg://user:pa/ss@host/db", _raw("password", "/", "%2F")),
        ("pg://user:p/ss@host:5432/db?x=1", _raw("password", "/", "%2F")),
        ("pg://user:p?w@h/db", _raw("password", "?", "%3F")),
        ("pg://us?er@host", _raw("login", "?", "%3F")),
        ("pg://us/er@host", _raw("login", "/", "%2F")),
        ("pg://us#er@host", _raw("login", "#", "%23")),
        ("pg://h?me@x", _raw("login", "?", "%3F")),
        ("pg://h/?a=1&me@x", _raw("login", "/", "%2F")),
        (
            "pg://host/#x",
            "connection 'c': has a raw '#' in the URI; percent-encode the special "
            "characters of each part, e.g. with urllib.parse.quote(value, safe='') in Python",
        ),
    ],
)
def test_a_raw_delimiter_in_the_login_or_password_is_named(uri: str, message: str) -> None:
    """A raw '/', '?' or '#' before the '@' ends the login or password early: the error says which, and how to write it."""
    assert str(_error(parse_uri, uri, conn_id="c")) == message


@pytest.mark.parametrize(
    ("uri", "schema", "extra"),
    [
        ("pg://h/db?sender=me@example.com", "db", {"sender": "me@example.com"}),
        ("pg://h/db?a=1&to=x@y", "db", {"a": "1", "to": "x@y"}),
        ("pg://u:p@h/db", "db", None),
    ],
)
def test_an_at_sign_in_a_query_value_is_not_a_login(
    uri: str, schema: str, extra: dict[str, str] | None
) -> None:
    """'@' after the host, inside a ``key=value`` parameter, is part of the value."""
    fields = parse_uri(uri, conn_id="c")
    assert (fields["host"], fields["schema"], fields["extra"]) == ("h", schema, extra)
