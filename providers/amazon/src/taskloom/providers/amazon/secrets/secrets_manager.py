"""Connections and variables stored in AWS Secrets Manager.

Enable it for every connection lookup with two settings (environment or
``taskloom.toml``)::

    TASKLOOM__SECRETS__BACKEND=taskloom.providers.amazon.secrets.secrets_manager.SecretsManagerBackend
    TASKLOOM__SECRETS__BACKEND_KWARGS='{"connections_prefix": "taskloom/connections", "region_name": "eu-west-1"}'

Connection ``my_db`` is then the secret ``taskloom/connections/my_db``, whose value is a
connection URI (``postgres://user:pass@host:5432/db``) or a JSON object
(``{"conn_type": "postgres", "host": "...", "login": "...", "password": "..."}``).
Variable ``my_var`` is the secret ``taskloom/variables/my_var`` (its text is the value).
A secret that does not exist means "not here": the lookup goes on to the next place.

The backend's own AWS credentials cannot come from a taskloom connection (that lookup
is what it serves): they come from the keyword arguments, or else from boto3's default
chain (``AWS_*`` environment variables, ``~/.aws``, the instance or container role).
"""

from __future__ import annotations

import functools
from typing import Any

import boto3.session
from botocore.exceptions import ClientError

from taskloom.secrets.base import BaseSecretsBackend


class SecretsManagerBackend(BaseSecretsBackend):
    """Looks connections and variables up in AWS Secrets Manager.

    :param connections_prefix: secret-name prefix of connections; ``None`` turns
        connection lookups off.
    :param variables_prefix: secret-name prefix of variables; ``None`` turns variable
        lookups off.
    :param sep: what joins a prefix and an id (``taskloom/connections`` + ``/`` + ``my_db``).
    :param region_name: the region of the secrets (else boto3's default region).
    :param endpoint_url: another Secrets Manager endpoint (a VPC endpoint, a local one).
    :param profile_name: a profile of ``~/.aws/config`` to take credentials from.
    :param aws_access_key_id: an access key id (with ``aws_secret_access_key``).
    :param aws_secret_access_key: its secret key.
    :param aws_session_token: a session token for temporary credentials.
    """

    def __init__(
        self,
        connections_prefix: str | None = "taskloom/connections",
        variables_prefix: str | None = "taskloom/variables",
        sep: str = "/",
        region_name: str | None = None,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
    ) -> None:
        super().__init__()
        self.connections_prefix = connections_prefix.rstrip(sep) if connections_prefix else None
        self.variables_prefix = variables_prefix.rstrip(sep) if variables_prefix else None
        self.sep = sep
        self.endpoint_url = endpoint_url
        self.region_name = region_name
        self.profile_name = profile_name
        self._aws_access_key_id = aws_access_key_id
        self._aws_secret_access_key = aws_secret_access_key
        self._aws_session_token = aws_session_token

    def __repr__(self) -> str:
        # Never show the keyword arguments: they may hold a secret key.
        return (
            f"{type(self).__name__}(connections_prefix={self.connections_prefix!r}, "
            f"variables_prefix={self.variables_prefix!r})"
        )

    @functools.cached_property
    def client(self) -> Any:
        """The Secrets Manager client, made on first use."""
        session = boto3.session.Session(
            aws_access_key_id=self._aws_access_key_id,
            aws_secret_access_key=self._aws_secret_access_key,
            aws_session_token=self._aws_session_token,
            region_name=self.region_name,
            profile_name=self.profile_name,
        )
        return session.client("secretsmanager", endpoint_url=self.endpoint_url)

    def secret_name(self, prefix: str, name: str) -> str:
        """The name of the secret that holds ``name`` under ``prefix``."""
        return f"{prefix}{self.sep}{name}"

    def _get_secret(self, prefix: str | None, name: str) -> str | None:
        if prefix is None:
            return None
        try:
            response = self.client.get_secret_value(SecretId=self.secret_name(prefix, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        if "SecretString" in response:
            value: str = response["SecretString"]
            return value
        return bytes(response["SecretBinary"]).decode("utf-8")

    def get_conn_value(self, conn_id: str) -> str | None:
        """The connection's URI or JSON text from secret ``<connections_prefix>/<conn_id>``."""
        return self._get_secret(self.connections_prefix, conn_id)

    def get_variable(self, key: str) -> str | None:
        """The variable's value from secret ``<variables_prefix>/<key>``."""
        return self._get_secret(self.variables_prefix, key)

    def describe_lookup(self, conn_id: str) -> str:
        """Name the secret that was looked for, for the "connection not found" error."""
        if self.connections_prefix is None:
            return "AWS Secrets Manager (connection lookups off: connections_prefix is None)"
        return f"AWS Secrets Manager secret {self.secret_name(self.connections_prefix, conn_id)!r}"
