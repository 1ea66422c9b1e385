"""From a taskloom connection's extra fields to libpq connection parameters.

Kept apart from the hook so that the rules (which extras exist, which hold secrets,
what each maps to) live in one small place that the hook and ``get_uri`` share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import Final

import psycopg

#: Extra fields whose libpq parameter has another name.
RENAMED: Final = {"sslkey_password": "sslpassword"}
#: libpq parameters that come from the connection's own fields, never from its extra.
FROM_FIELDS: Final = {
    "host": "host",
    "port": "port",
    "user": "login",
    "password": "password",
    "dbname": "schema",
}
#: libpq parameters that hold secrets but are not declared secret in provider.json:
#: refused in the extra so that they can never reach a log unmasked.
UNDECLARED_SECRETS: Final = {
    "sslpassword": "sslkey_password",
    "oauth_client_secret": None,
    "scram_client_key": None,
    "scram_server_key": None,
}
SSLMODES: Final = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class PostgresExtraError(ValueError):
    """A connection's extra holds a field or value the PostgreSQL hook cannot use."""

    def __init__(self, conn_id: str, field: str, message: str) -> None:
        super().__init__(f"connection {conn_id!r}, extra field {field!r}: {message}")
        #: Id of the connection at fault.
        self.conn_id = conn_id
        #: Name of the extra field at fault.
        self.field = field


def _libpq_keywords() -> frozenset[str]:
    """Every parameter the installed libpq understands (it varies with its version)."""
    return frozenset(opt.keyword.decode() for opt in psycopg.pq.Conninfo.get_defaults())


def libpq_params(conn_id: str, extra: Mapping[str, Any]) -> dict[str, str]:
    """Translate ``extra`` into libpq parameters, refusing what libpq would misread.

    Values are never part of an error message (one of them may be a key password).

    :param conn_id: the connection's id, named in errors.
    :param extra: the connection's extra object.
    :raises PostgresExtraError: for an unknown field, a secret under an undeclared name,
        a connection field put in the extra, or a bad ``sslmode``/``connect_timeout``.
    """
    known = _libpq_keywords()
    params: dict[str, str] = {}
    for field, value in extra.items():
        if value is None:
            continue
        keyword = RENAMED.get(field, field)
        if field in FROM_FIELDS:
            raise PostgresExtraError(
                conn_id, field, f"set the connection's {FROM_FIELDS[field]!r} field instead."
            )
        if field in UNDECLARED_SECRETS:
            alias = UNDECLARED_SECRETS[field]
            fix = f"put it in {alias!r}, which is masked" if alias else "it is not supported"
            raise PostgresExtraError(conn_id, field, f"this field holds a secret; {fix}.")
        if keyword not in known:
            raise PostgresExtraError(
                conn_id,
                field,
                "not a PostgreSQL connection parameter; see "
                "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS "
                "for the valid names (sslkey_password is the key password).",
            )
        params[keyword] = _check_value(conn_id, field, value)
    return params


def _check_value(conn_id: str, field: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if field == "sslmode" and text not in SSLMODES:
        raise PostgresExtraError(conn_id, field, f"must be one of {', '.join(SSLMODES)}.")
    if field == "connect_timeout" and not text.isdigit():
        raise PostgresExtraError(conn_id, field, "must be a whole number of seconds.")
    return text
