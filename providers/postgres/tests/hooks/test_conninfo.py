"""Tests of ``hooks/conninfo.py``: from a connection's extra to libpq parameters."""

from __future__ import annotations

import pytest

from taskloom.providers.postgres.hooks.conninfo import PostgresExtraError
from taskloom.providers.postgres.hooks.conninfo import libpq_params


def test_documented_extras_map_to_libpq_names() -> None:
    """Every extra the README documents becomes the libpq parameter of that name."""
    extra = {
        "sslmode": "verify-full",
        "sslcert": "/c.crt",
        "sslkey": "/c.key",
        "sslkey_password": "key-pass-123",
        "sslrootcert": "/ca.crt",
        "connect_timeout": 7,
        "application_name": "nightly",
        "options": "-c search_path=sales",
    }
    assert libpq_params("pg", extra) == {
        "sslmode": "verify-full",
        "sslcert": "/c.crt",
        "sslkey": "/c.key",
        "sslpassword": "key-pass-123",
        "sslrootcert": "/ca.crt",
        "connect_timeout": "7",
        "application_name": "nightly",
        "options": "-c search_path=sales",
    }


def test_other_libpq_parameters_pass_through() -> None:
    """A libpq parameter the README does not list still reaches libpq; booleans become 1/0."""
    assert libpq_params("pg", {"keepalives": True, "target_session_attrs": "read-write"}) == {
        "keepalives": "1",
        "target_session_attrs": "read-write",
    }


def test_null_values_are_left_out() -> None:
    """An extra set to null means "not set", as in the connection form."""
    assert libpq_params("pg", {"sslmode": None, "application_name": "x"}) == {
        "application_name": "x"
    }


def test_unknown_field_is_named_with_the_fix() -> None:
    """A typo in an extra name is refused with the name and where to find valid ones."""
    with pytest.raises(
        PostgresExtraError, match=r"'sslmod'.*not a PostgreSQL connection parameter"
    ) as info:
        libpq_params("warehouse", {"sslmod": "require"})
    assert info.value.conn_id == "warehouse"
    assert info.value.field == "sslmod"
    assert "libpq-connect.html" in str(info.value)


@pytest.mark.parametrize(
    ("field", "fix"),
    [
        ("password", "'password' field"),
        ("host", "'host' field"),
        ("user", "'login' field"),
        ("dbname", "'schema' field"),
    ],
)
def test_connection_fields_in_the_extra_are_refused(field: str, fix: str) -> None:
    """Fields the connection form has are refused in the extra, naming the field to use."""
    with pytest.raises(PostgresExtraError, match=fix) as info:
        libpq_params("pg", {field: "value-that-must-not-leak"})
    assert "value-that-must-not-leak" not in str(info.value)


def test_secret_under_an_unmasked_name_is_refused() -> None:
    """``sslpassword`` would not be masked: the error points at ``sslkey_password`` and hides the value."""
    with pytest.raises(
        PostgresExtraError, match="put it in 'sslkey_password', which is masked"
    ) as info:
        libpq_params("pg", {"sslpassword": "hunter2-secret"})
    assert "hunter2-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"sslmode": "always"},
            "must be one of disable, allow, prefer, require, verify-ca, verify-full",
        ),
        ({"connect_timeout": "ten"}, "must be a whole number of seconds"),
    ],
)
def test_bad_values_are_refused(extra: dict[str, str], message: str) -> None:
    """Values libpq would reject later, or misread, are refused up front with the valid ones."""
    with pytest.raises(PostgresExtraError, match=message):
        libpq_params("pg", extra)
