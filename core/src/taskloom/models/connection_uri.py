"""The URI form of a connection: ``conn_type://login:password@host:port/schema?key=value``.

Every part is percent-encoded on output, so any character (``@ / : ? # % +``, spaces,
non-ASCII) round-trips.  A ``_`` in the conn_type is written as ``-`` in the scheme (URI
schemes may not hold ``_``), like Airflow.  An IPv6 host is written in brackets
(``[::1]``).  Extras whose values are all strings are written as query parameters;
otherwise the whole extra object is written as JSON in one parameter, ``__extra__``, so
nested extras survive.

Kept apart from :class:`~taskloom.models.connection.Connection` so that the codec can be
read, tested and changed on its own; it deals in plain fields, never in a ``Connection``.
Errors are :class:`~taskloom.exceptions.InvalidConnectionError` and never repeat a
value, since it may be (or contain) the password.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from typing import Any
from typing import Final
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import unquote_plus

from taskloom.exceptions import InvalidConnectionError

#: The largest TCP port (0 is refused too: no server listens on it).
MAX_PORT: Final = 65535
#: Query parameter that holds the whole extra object as JSON (nested extras).
EXTRA_PARAM: Final = "__extra__"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_URI_FIX = (
    "percent-encode the special characters of each part, e.g. with "
    "urllib.parse.quote(value, safe='') in Python"
)


def format_uri(
    *,
    conn_id: str | None,
    conn_type: str | None,
    host: str | None,
    schema: str | None,
    login: str | None,
    password: str | None,
    port: int | None,
    extra: dict[str, Any],
) -> str:
    """The URI of a connection's fields (secrets included).

    :raises InvalidConnectionError: if the conn_type is missing or cannot be a URI scheme.
    """
    if not conn_type:
        raise InvalidConnectionError(
            "has no conn_type, so it has no URI form; set conn_type", conn_id=conn_id
        )
    scheme = conn_type.lower().replace("_", "-")
    if not _SCHEME.match(scheme):
        raise InvalidConnectionError(
            f"conn_type {conn_type!r} cannot be a URI scheme; use letters, digits and '_'",
            conn_id=conn_id,
        )
    uri = f"{scheme}://"
    if login is not None or password is not None:
        uri += quote(login or "", safe="")
        if password is not None:
            uri += ":" + quote(password, safe="")
        uri += "@"
    if host is not None:
        uri += _quote_host(host)
    if port is not None:
        uri += f":{port}"
    if schema is not None:
        uri += "/" + quote(schema, safe="")
    if extra:
        # A string under a key declared boolean/number goes in the JSON form, or reading
        # the URI back would convert it (see parse_uri).
        typed = declared_extra_types(conn_type)
        plain = all(isinstance(v, str) and k not in typed for k, v in extra.items())
        if plain and EXTRA_PARAM not in extra:
            query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extra.items())
        else:
            query = f"{EXTRA_PARAM}={quote(json.dumps(extra), safe='')}"
        if schema is None:
            uri += "/"
        uri += "?" + query
    return uri


def parse_uri(uri: str, conn_id: str | None = None) -> dict[str, Any]:
    """The connection fields of ``uri``: conn_type, host, login, password, schema, port, extra.

    :raises InvalidConnectionError: naming the malformed part (never its value).
    """
    if not isinstance(uri, str):
        raise InvalidConnectionError(
            f"a URI must be text, not {type(uri).__name__}", conn_id=conn_id
        )
    scheme, sep, rest = uri.strip().partition("://")
    if not sep or not _SCHEME.match(scheme):
        raise InvalidConnectionError(
            "is not a connection URI: expected '<conn_type>://[login[:password]@]host[:port][/schema][?key=value]' "
            "(the value is not shown as it may hold a password)",
            conn_id=conn_id,
        )
    raw_delimiter = _raw_delimiter_in_userinfo(rest, conn_id)
    # '#' has no meaning in a connection URI; a raw one is part of a value that was not encoded.
    if "#" in rest:
        raise raw_delimiter or InvalidConnectionError(
            f"has a raw '#' in the URI; {_URI_FIX}", conn_id=conn_id
        )
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    login = password = None
    if at:
        raw_login, colon, raw_password = userinfo.partition(":")
        login = unquote(raw_login)
        password = unquote(raw_password) if colon else None
    try:
        host, port = _split_hostport(hostport, conn_id)
        if port is not None and not port.isdigit():
            raise InvalidConnectionError(
                f"the port is not a number; give a whole number between 1 and {MAX_PORT} (in a "
                "URI, a ':' in the login or password must be written %3A)",
                conn_id=conn_id,
            )
    except InvalidConnectionError:
        # What looked like host:port was the start of a login or password (issue 22).
        if raw_delimiter is not None:
            raise raw_delimiter from None
        raise
    # It parsed, but the rest of a login or password ended up in the schema or the query.
    misplaced = "@" in path or any("@" in p and "=" not in p for p in query.split("&"))
    if raw_delimiter is not None and misplaced:
        raise raw_delimiter
    conn_type = conn_type_from_scheme(scheme)
    extra = None
    if query:
        params, nested = _parse_query(query, conn_id)
        extra = {**_coerce(params, declared_extra_types(conn_type), conn_id), **nested}
    return {
        "conn_type": conn_type,
        "host": host,
        "login": login,
        "password": password,
        "schema": unquote(path) if slash else None,
        "port": port,
        "extra": extra,
    }


def _raw_delimiter_in_userinfo(rest: str, conn_id: str | None) -> InvalidConnectionError | None:
    """The error to raise if ``rest`` (the URI after ``://``) reads as a login or password
    holding a raw ``/``, ``?`` or ``#``: the authority ends there, and the ``@`` comes after.

    Returned, not raised: the caller decides, since an ``@`` after the host can also be
    part of a query value (``?sender=me@example.com``).
    """
    end = next((i for i, char in enumerate(rest) if char in "/?#"), None)
    if end is None or "@" in rest[:end] or "@" not in rest[end:]:
        return None
    char = rest[end]
    field = "password" if ":" in rest[:end] else "login"
    return InvalidConnectionError(
        f"the {field} has a raw {char!r}, which ends the {field} early in a URI; write it as "
        f"{quote(char, safe='')} ({_URI_FIX})",
        conn_id=conn_id,
    )


def _quote_host(host: str) -> str:
    try:
        is_ipv6 = isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
    except ValueError:
        is_ipv6 = False
    if is_ipv6:
        return "[" + quote(host, safe=":") + "]"
    return quote(host, safe="")


def _split_hostport(hostport: str, conn_id: str | None) -> tuple[str | None, str | None]:
    if hostport.startswith("["):
        inside, bracket, after = hostport[1:].partition("]")
        if not bracket:
            raise InvalidConnectionError(
                "has an IPv6 host without its closing ']'; write it as [address]:port",
                conn_id=conn_id,
            )
        if after and not after.startswith(":"):
            raise InvalidConnectionError(
                "has text after the IPv6 host's ']'; only ':port' may follow it", conn_id=conn_id
            )
        return unquote(inside), after[1:] or None
    host, colon, port = hostport.rpartition(":")
    if not colon:
        return unquote(hostport) or None, None
    return unquote(host) or None, port or None


def _parse_query(query: str, conn_id: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """The plain ``key=value`` parameters (text) and the ``__extra__`` JSON object (typed)."""
    params: dict[str, str] = {}
    nested: dict[str, Any] = {}
    for part in query.split("&"):
        if not part:
            continue
        raw_key, _, raw_value = part.partition("=")
        key, value = unquote_plus(raw_key), unquote_plus(raw_value)
        if key == EXTRA_PARAM:
            try:
                decoded = json.loads(value)
            except ValueError:
                raise InvalidConnectionError(
                    f"the {EXTRA_PARAM} parameter is not valid JSON; give a percent-encoded JSON object",
                    conn_id=conn_id,
                ) from None
            if not isinstance(decoded, dict):
                raise InvalidConnectionError(
                    f"the {EXTRA_PARAM} parameter must be a JSON object", conn_id=conn_id
                )
            nested.update(decoded)
        else:
            params[key] = value
    return params, nested


def declared_extra_types(conn_type: str | None) -> dict[str, str]:
    """Keys of ``extra`` that the conn_type's provider declares non-text, and their JSON types."""
    from taskloom.providers_manager import connection_type_info

    info = connection_type_info(conn_type)
    if info is None:
        return {}
    return {
        key: field.type
        for key, field in info.extra_fields.items()
        if field.type is not None and field.type != "string"
    }


_BOOLEANS: Final = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "on": True,
    "off": False,
}
_EXPECTED: Final = {
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
}


def _number(text: str) -> int | float:
    """A JSON number: whole numbers stay ``int``; NaN and infinities are not numbers."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _coerce(params: dict[str, str], types: dict[str, str], conn_id: str | None) -> dict[str, Any]:
    """Convert query parameters to the JSON types their keys are declared with.

    :raises InvalidConnectionError: naming the key and the type (not the value, which may be secret).
    """
    extra: dict[str, Any] = dict(params)
    for key, value_type in types.items():
        text = params.get(key)
        if text is None:
            continue
        try:
            if value_type == "boolean":
                extra[key] = _BOOLEANS[text.strip().lower()]
            elif value_type == "integer":
                extra[key] = int(text)
            elif value_type == "number":
                extra[key] = _number(text)
        except (KeyError, ValueError):
            raise InvalidConnectionError(
                f"extra {key!r} in the URI query must be {_EXPECTED[value_type]} (its provider "
                f"declares it {value_type}); fix the '{key}=' parameter",
                conn_id=conn_id,
            ) from None
    return extra


def conn_type_from_scheme(scheme: str) -> str:
    """The conn_type of a URI scheme.

    A scheme a provider declares (its conn_type, or one of its ``uri_schemes`` such as
    ``postgresql``) means that conn_type; otherwise ``-`` stands for ``_`` (URI schemes
    cannot hold ``_``), so connections of a type whose provider is not installed yet
    still parse.
    """
    from taskloom.providers_manager import get_registry

    lowered = scheme.lower()
    declared = get_registry().conn_type_for_scheme(lowered)
    if declared is not None:
        return declared
    return lowered.replace("-", "_")
