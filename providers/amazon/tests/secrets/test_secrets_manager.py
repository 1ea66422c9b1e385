"""Tests of taskloom.providers.amazon.secrets.secrets_manager against moto's server on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.secrets.secrets_manager import SecretsManagerBackend
from taskloom_testing.moto import ACCESS_KEY_ID
from taskloom_testing.moto import REGION
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer

BACKEND = "taskloom.providers.amazon.secrets.secrets_manager.SecretsManagerBackend"


def _credentials(server: MotoServer) -> dict[str, Any]:
    return {
        "endpoint_url": server.endpoint_url,
        "region_name": REGION,
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    }


def _put_secret(server: MotoServer, name: str, value: str | bytes) -> None:
    client = boto3.client("secretsmanager", **_credentials(server))
    if isinstance(value, bytes):
        client.create_secret(Name=name, SecretBinary=value)
    else:
        client.create_secret(Name=name, SecretString=value)


def test_connection_stored_as_uri(moto_clean: MotoServer) -> None:
    """A secret holding a URI is a connection."""
    _put_secret(
        moto_clean,
        "taskloom/connections/warehouse",
        "postgres://etl:p%40ss%2Fword@db.internal:5433/sales?sslmode=require",
    )
    conn = SecretsManagerBackend(**_credentials(moto_clean)).get_connection("warehouse")
    assert conn is not None
    assert (conn.conn_id, conn.conn_type, conn.host, conn.port, conn.schema) == (
        "warehouse",
        "postgres",
        "db.internal",
        5433,
        "sales",
    )
    assert (conn.login, conn.password) == ("etl", "p@ss/word")
    assert conn.extra_dejson == {"sslmode": "require"}


def test_connection_stored_as_json(moto_clean: MotoServer) -> None:
    """A secret holding a JSON object is a connection too (nested extras survive)."""
    value = {
        "conn_type": "http",
        "host": "api.example.com",
        "login": "bot",
        "password": "tok:en",
        "extra": {"headers": {"X-A": "1"}},
    }
    _put_secret(moto_clean, "taskloom/connections/api", json.dumps(value))
    conn = SecretsManagerBackend(**_credentials(moto_clean)).get_connection("api")
    assert conn is not None
    assert (conn.conn_type, conn.host, conn.login, conn.password) == (
        "http",
        "api.example.com",
        "bot",
        "tok:en",
    )
    assert conn.extra_dejson == {"headers": {"X-A": "1"}}


def test_binary_secret_and_custom_prefix(moto_clean: MotoServer) -> None:
    """SecretBinary is read as UTF-8; prefixes and the separator are configurable."""
    _put_secret(moto_clean, "prod.conns.cache", b"redis://:pw@cache:6380/2")
    backend = SecretsManagerBackend(
        connections_prefix="prod.conns", sep=".", **_credentials(moto_clean)
    )
    conn = backend.get_connection("cache")
    assert conn is not None
    assert (conn.conn_type, conn.host, conn.port, conn.password) == ("redis", "cache", 6380, "pw")
    assert backend.get_connection("warehouse") is None


def test_missing_secret_means_not_here(moto_clean: MotoServer) -> None:
    """A secret that does not exist is None, so the lookup goes on."""
    backend = SecretsManagerBackend(**_credentials(moto_clean))
    assert backend.get_connection("nowhere") is None
    assert backend.get_variable("nowhere") is None
    assert (
        backend.describe_lookup("nowhere")
        == "AWS Secrets Manager secret 'taskloom/connections/nowhere'"
    )


def test_variables(moto_clean: MotoServer) -> None:
    """Variables are secrets under variables_prefix; None turns lookups off."""
    _put_secret(moto_clean, "taskloom/variables/threshold", "42")
    _put_secret(moto_clean, "taskloom/connections/c", "http://h")
    assert SecretsManagerBackend(**_credentials(moto_clean)).get_variable("threshold") == "42"
    off = SecretsManagerBackend(
        variables_prefix=None, connections_prefix=None, **_credentials(moto_clean)
    )
    assert off.get_variable("threshold") is None
    assert off.get_connection("c") is None
    assert "connection lookups off" in off.describe_lookup("c")


def test_repr_hides_credentials(moto_clean: MotoServer) -> None:
    """The backend's repr never shows its keyword arguments."""
    text = repr(SecretsManagerBackend(**_credentials(moto_clean)))
    assert SECRET_ACCESS_KEY not in text
    assert "taskloom/connections" in text


def test_core_lookup_uses_the_backend(
    moto_clean: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured through [secrets] backend, it answers core's connection and variable lookups first."""
    from taskloom.hooks.base import BaseHook
    from taskloom.secrets import get_variable

    _put_secret(moto_clean, "taskloom/connections/aws_from_sm", moto_clean.connection_json())
    _put_secret(moto_clean, "taskloom/variables/color", "green")
    monkeypatch.setenv("TASKLOOM_CONN_AWS_FROM_SM", "aws://env-should-lose:x@")
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND", BACKEND)
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND_KWARGS", json.dumps(_credentials(moto_clean)))
    conn = BaseHook.get_connection("aws_from_sm")
    assert (conn.conn_type, conn.login) == ("aws", ACCESS_KEY_ID)
    assert get_variable("color") == "green"
    hook = S3Hook(aws_conn_id="aws_from_sm")
    hook.create_bucket("from-secrets-manager")
    assert hook.check_for_bucket("from-secrets-manager")


def test_core_lookup_falls_through(moto_clean: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection absent from Secrets Manager comes from the next place; the error lists the secret."""
    from taskloom.exceptions import ConnectionNotFoundError
    from taskloom.hooks.base import BaseHook

    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND", BACKEND)
    monkeypatch.setenv("TASKLOOM__SECRETS__BACKEND_KWARGS", json.dumps(_credentials(moto_clean)))
    monkeypatch.setenv("TASKLOOM_CONN_LOCAL_ONLY", "http://local.example")
    assert BaseHook.get_connection("local_only").host == "local.example"
    with pytest.raises(
        ConnectionNotFoundError, match="AWS Secrets Manager secret 'taskloom/connections/absent'"
    ) as info:
        BaseHook.get_connection("absent")
    assert SECRET_ACCESS_KEY not in str(info.value)
