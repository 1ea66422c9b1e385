"""Credentials, sessions and clients for AWS, read from one taskloom connection.

Every AWS hook of this provider derives from :class:`AwsBaseHook`, so the way a
connection turns into boto3 credentials is written once:

- ``login`` / ``password`` are the access key id / secret access key (the extras
  ``aws_access_key_id`` / ``aws_secret_access_key`` may hold them instead);
  ``aws_session_token`` adds a temporary-credentials token;
- ``profile_name`` reads a profile from ``~/.aws/config`` instead of keys;
- no keys and no profile: boto3's default chain (``AWS_*`` environment variables,
  ``~/.aws``, the instance or container role);
- ``role_arn`` then assumes that role through STS with those credentials, and the
  temporary credentials are refreshed before they expire, so long tasks keep working;
- ``region_name``, ``endpoint_url`` (an S3-compatible store or a local endpoint),
  ``verify`` and ``config_kwargs`` (a :class:`botocore.config.Config`) shape the clients.

``aws_conn_id=None`` skips the connection and uses boto3's default chain. A connection
id that does not exist is an error (core names every place it looked), never a silent
fall-back to other credentials.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import boto3
import boto3.session
import botocore.config
import botocore.credentials
import botocore.session
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError
from botocore.exceptions import ProfileNotFound

from taskloom.hooks.base import BaseHook
from taskloom.providers.amazon.exceptions import AwsConnectionError
from taskloom.providers.amazon.exceptions import AwsCredentialsError

#: Error codes by which AWS says the credentials themselves are wrong (not a missing
#: permission): they become :class:`AwsCredentialsError`, which names the fix.
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)

#: Connection extras this hook understands; any other key is reported as a mistake.
KNOWN_EXTRAS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "region_name",
        "endpoint_url",
        "profile_name",
        "role_arn",
        "role_session_name",
        "external_id",
        "assume_role_kwargs",
        "verify",
        "config_kwargs",
    }
)


@dataclass(frozen=True)
class AwsConnectionSettings:
    """What an ``aws`` connection says, checked and normalised.

    :meta private:
    """

    conn_id: str | None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_session_token: str | None = field(default=None, repr=False)
    region_name: str | None = None
    endpoint_url: str | None = None
    profile_name: str | None = None
    role_arn: str | None = None
    role_session_name: str | None = None
    external_id: str | None = field(default=None, repr=False)
    assume_role_kwargs: dict[str, Any] = field(default_factory=dict)
    verify: bool | str | None = None
    config_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_connection(
        cls, conn_id: str, login: str | None, password: str | None, extra: dict[str, Any]
    ) -> AwsConnectionSettings:
        """Read and check the fields of connection ``conn_id``; errors name the field to fix."""
        unknown = sorted(set(extra) - KNOWN_EXTRAS)
        if unknown:
            raise AwsConnectionError(
                conn_id,
                f"connection {conn_id!r} has extra field(s) {', '.join(map(repr, unknown))} that "
                f"the aws connection type does not know; use only {', '.join(sorted(KNOWN_EXTRAS))}.",
            )
        key_id = _text(conn_id, extra, "aws_access_key_id") or login or None
        secret = _text(conn_id, extra, "aws_secret_access_key") or password or None
        if bool(key_id) != bool(secret):
            given, missing = (
                ("an access key id", "secret access key (password)")
                if key_id
                else ("a secret access key", "access key id (login)")
            )
            raise AwsConnectionError(
                conn_id,
                f"connection {conn_id!r} has {given} but no {missing}; give both, or neither "
                "to use a profile or boto3's default credential chain.",
            )
        role_arn = _text(conn_id, extra, "role_arn")
        if role_arn is not None and not role_arn.startswith("arn:"):
            raise AwsConnectionError(
                conn_id,
                f"connection {conn_id!r}: role_arn must be a role ARN such as "
                f"'arn:aws:iam::123456789012:role/NAME', got {role_arn!r}.",
            )
        return cls(
            conn_id=conn_id,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            aws_session_token=_text(conn_id, extra, "aws_session_token"),
            region_name=_text(conn_id, extra, "region_name"),
            endpoint_url=_text(conn_id, extra, "endpoint_url"),
            profile_name=_text(conn_id, extra, "profile_name"),
            role_arn=role_arn,
            role_session_name=_text(conn_id, extra, "role_session_name"),
            external_id=_text(conn_id, extra, "external_id"),
            assume_role_kwargs=_object(conn_id, extra, "assume_role_kwargs"),
            verify=_verify(conn_id, extra.get("verify")),
            config_kwargs=_object(conn_id, extra, "config_kwargs"),
        )


def _text(conn_id: str, extra: dict[str, Any], key: str) -> str | None:
    value = extra.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AwsConnectionError(
            conn_id,
            f"connection {conn_id!r}: extra field {key!r} must be a string, "
            f"got a {type(value).__name__}.",
        )
    return value


def _object(conn_id: str, extra: dict[str, Any], key: str) -> dict[str, Any]:
    value = extra.get(key)
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        # The URI form carries extras as query strings: accept a JSON object there.
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise AwsConnectionError(
            conn_id,
            f"connection {conn_id!r}: extra field {key!r} must be a JSON object, "
            'such as {"retries": {"max_attempts": 5}}.',
        )
    return value


def _verify(conn_id: str, value: Any) -> bool | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes"}:
            return True
        if lowered in {"false", "0", "no"}:
            return False
        return value  # a CA bundle path
    raise AwsConnectionError(
        conn_id,
        f"connection {conn_id!r}: extra field 'verify' must be true, false or a CA bundle path.",
    )


class _FixedCredentialProvider(botocore.credentials.CredentialProvider):
    """Hands botocore one (refreshable) credentials object: the assumed role's."""

    METHOD = "sts-assume-role"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


class AwsBaseHook(BaseHook):
    """Turns an ``aws`` connection into boto3 sessions, clients and resources.

    :param aws_conn_id: the connection to read; ``None`` uses boto3's default chain.
    :param region_name: overrides the connection's ``region_name``.
    :param client_type: the service :attr:`conn` is a client of (``"s3"``, ``"sts"``...).
    :param resource_type: the service :meth:`get_resource_type` uses by default.
    :param verify: overrides the connection's ``verify`` (TLS checks or a CA bundle).
    :param config: overrides the connection's ``config_kwargs``.
    """

    conn_name_attr = "aws_conn_id"
    default_conn_name = "aws_default"
    conn_type = "aws"
    hook_name = "Amazon Web Services"

    def __init__(
        self,
        aws_conn_id: str | None = default_conn_name,
        region_name: str | None = None,
        client_type: str | None = None,
        resource_type: str | None = None,
        verify: bool | str | None = None,
        config: botocore.config.Config | None = None,
    ) -> None:
        super().__init__()
        self.aws_conn_id = aws_conn_id
        self.client_type = client_type
        self.resource_type = resource_type
        self._region_name = region_name
        self._verify = verify
        self._config = config

    @functools.cached_property
    def settings(self) -> AwsConnectionSettings:
        """The connection's settings, read once per hook."""
        if self.aws_conn_id is None:
            return AwsConnectionSettings(conn_id=None)
        conn = self.get_connection(self.aws_conn_id)
        return AwsConnectionSettings.from_connection(
            self.aws_conn_id, conn.login, conn.password, dict(conn.extra_dejson)
        )

    @property
    def region_name(self) -> str | None:
        """The region clients are made for: the hook's argument, else the connection's."""
        return self._region_name or self.settings.region_name

    @property
    def endpoint_url(self) -> str | None:
        """The connection's ``endpoint_url``, or ``None`` for AWS itself."""
        return self.settings.endpoint_url

    @property
    def verify(self) -> bool | str | None:
        """TLS verification: the hook's argument, else the connection's."""
        return self._verify if self._verify is not None else self.settings.verify

    @property
    def config(self) -> botocore.config.Config | None:
        """The botocore ``Config`` for clients: the hook's argument, else ``config_kwargs``."""
        if self._config is not None:
            return self._config
        kwargs = self.settings.config_kwargs
        return botocore.config.Config(**kwargs) if kwargs else None

    def get_session(self, region_name: str | None = None) -> boto3.session.Session:
        """A boto3 session holding the connection's credentials (after assuming its role).

        :raises AwsConnectionError: the connection names a profile that does not exist.
        :raises AwsCredentialsError: STS refused the credentials used to assume the role.
        """
        region = region_name or self.region_name
        if self.settings.role_arn is None:
            return self._base_session(region)
        botocore_session = botocore.session.Session()
        botocore_session.register_component(
            "credential_provider",
            botocore.credentials.CredentialResolver(
                [_FixedCredentialProvider(self._role_credentials)]
            ),
        )
        return boto3.session.Session(botocore_session=botocore_session, region_name=region)

    def _base_session(self, region: str | None) -> boto3.session.Session:
        """A session with the connection's own keys, profile, or boto3's default chain."""
        settings = self.settings
        try:
            return boto3.session.Session(
                aws_access_key_id=settings.aws_access_key_id,
                aws_secret_access_key=settings.aws_secret_access_key,
                aws_session_token=settings.aws_session_token,
                region_name=region,
                profile_name=settings.profile_name,
            )
        except ProfileNotFound:
            raise AwsConnectionError(
                settings.conn_id or "",
                f"connection {settings.conn_id!r} names AWS profile {settings.profile_name!r}, "
                "which is in neither ~/.aws/config nor ~/.aws/credentials; fix profile_name "
                "or create the profile (`aws configure --profile NAME`).",
            ) from None

    @functools.cached_property
    def _role_credentials(self) -> botocore.credentials.RefreshableCredentials:
        """The assumed role's credentials: fetched once per hook, refreshed before expiry."""
        settings = self.settings
        sts = self._instrument(
            self._base_session(self.region_name).client(
                "sts", endpoint_url=settings.endpoint_url, verify=self.verify, config=self.config
            )
        )
        request: dict[str, Any] = {
            "RoleArn": settings.role_arn,
            "RoleSessionName": settings.role_session_name
            or f"taskloom-{settings.conn_id or 'default'}",
            **settings.assume_role_kwargs,
        }
        if settings.external_id:
            request["ExternalId"] = settings.external_id

        def fetch() -> dict[str, str]:
            self.log.info("Assuming role %s", settings.role_arn)
            credentials = sts.assume_role(**request)["Credentials"]
            return {
                "access_key": credentials["AccessKeyId"],
                "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"],
                "expiry_time": credentials["Expiration"].isoformat(),
            }

        return botocore.credentials.RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method=_FixedCredentialProvider.METHOD
        )

    def get_client_type(
        self,
        client_type: str | None = None,
        region_name: str | None = None,
        config: botocore.config.Config | None = None,
    ) -> Any:
        """A boto3 client of ``client_type`` (default: the hook's), for the connection's endpoint."""
        service = client_type or self.client_type
        if not service:
            raise ValueError(
                f"{type(self).__name__}.get_client_type needs a service name such as 's3'; "
                "pass client_type= here or to the hook."
            )
        # Any: boto3's type stubs only accept literal service names, not a variable.
        session: Any = self.get_session(region_name)
        client = session.client(
            service,
            endpoint_url=self.endpoint_url,
            verify=self.verify,
            config=config or self.config,
        )
        return self._instrument(client)

    def get_resource_type(
        self,
        resource_type: str | None = None,
        region_name: str | None = None,
        config: botocore.config.Config | None = None,
    ) -> Any:
        """A boto3 resource of ``resource_type`` (default: the hook's), for the connection's endpoint."""
        service = resource_type or self.resource_type
        if not service:
            raise ValueError(
                f"{type(self).__name__}.get_resource_type needs a service name such as 's3'; "
                "pass resource_type= here or to the hook."
            )
        session: Any = self.get_session(region_name)
        resource = session.resource(
            service,
            endpoint_url=self.endpoint_url,
            verify=self.verify,
            config=config or self.config,
        )
        self._instrument(resource.meta.client)
        return resource

    @functools.cached_property
    def conn(self) -> Any:
        """The hook's client of :attr:`client_type`, made once per hook."""
        return self.get_client_type()

    def get_conn(self) -> Any:
        """The hook's client (:attr:`conn`), as Airflow's hooks return it."""
        return self.conn

    def _instrument(self, client: Any) -> Any:
        """Make ``client`` raise :class:`AwsCredentialsError` when AWS refuses the credentials.

        A botocore ``after-call`` handler sees every response before botocore raises its
        generic ``ClientError``, so one place gives every call of every hook the same clear
        message, naming the connection and the fields to fix.
        """
        conn_id = self.aws_conn_id

        def check_credentials(parsed: dict[str, Any], model: Any, **_: Any) -> None:
            code = parsed.get("Error", {}).get("Code")
            if code in CREDENTIAL_ERROR_CODES:
                raise AwsCredentialsError(parsed, model.name, conn_id=conn_id)

        client.meta.events.register("after-call", check_credentials)
        return client

    def test_connection(self) -> tuple[bool, str]:
        """Ask STS who the credentials belong to; ``(False, reason)`` when that fails."""
        try:
            identity = self.get_client_type("sts").get_caller_identity()
        except (ClientError, BotoCoreError, AwsConnectionError) as exc:
            return False, str(exc)
        return True, f"Connection works: AWS knows these credentials as {identity['Arn']}."
