"""Errors the Amazon provider raises on purpose.

Each names what went wrong and what to change. None of them carries a secret: messages
are built from connection ids, field names, buckets and keys, never from credentials.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from taskloom.exceptions import TaskloomError


class AwsConnectionError(TaskloomError, ValueError):
    """An ``aws`` connection holds something the hooks cannot use."""

    def __init__(self, conn_id: str, message: str) -> None:
        super().__init__(message)
        #: Id of the connection at fault.
        self.conn_id = conn_id


class AwsCredentialsError(TaskloomError, ClientError):
    """AWS refused the credentials themselves (unknown key, wrong secret, expired token).

    It is still a :class:`botocore.exceptions.ClientError` (``response`` and
    ``operation_name`` as usual), so existing ``except ClientError`` code keeps working.
    """

    def __init__(
        self, error_response: Any, operation_name: str, *, conn_id: str | None = None
    ) -> None:
        ClientError.__init__(self, error_response, operation_name)
        #: Id of the connection whose credentials were refused (``None``: boto3's chain).
        self.conn_id = conn_id
        error = error_response.get("Error", {})
        source = (
            f"the credentials of connection {conn_id!r}"
            if conn_id
            else "the credentials boto3 found (environment, ~/.aws, instance role)"
        )
        fix = (
            "the connection's login and password (or its aws_access_key_id and "
            "aws_secret_access_key extras), aws_session_token and role_arn"
            if conn_id
            else "the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables "
            "or the active profile"
        )
        self.args = (
            f"AWS refused {source} when calling {operation_name}: "
            f"{error.get('Code')}: {error.get('Message', '')}. Check {fix}.",
        )

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild_credentials_error, (self.response, self.operation_name, self.conn_id)


def _rebuild_credentials_error(
    response: Any, operation_name: str, conn_id: str | None
) -> AwsCredentialsError:
    return AwsCredentialsError(response, operation_name, conn_id=conn_id)


class S3KeyExistsError(TaskloomError, ValueError):
    """An upload would overwrite an object, and ``replace`` was not set."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            f"s3://{bucket}/{key} already exists; pass replace=True to overwrite it, "
            "or choose another key."
        )
        self.bucket = bucket
        self.key = key


class S3KeyNotFoundError(TaskloomError, LookupError):
    """An object that was asked for does not exist."""

    def __init__(self, bucket: str, key: str) -> None:
        super().__init__(
            f"s3://{bucket}/{key} does not exist; check the bucket and key "
            "(S3Hook.list_keys or S3ListOperator show what is there)."
        )
        self.bucket = bucket
        self.key = key


class S3BucketNotEmptyError(TaskloomError, ValueError):
    """A bucket that still holds objects was asked to be deleted."""

    def __init__(self, bucket: str) -> None:
        super().__init__(
            f"bucket {bucket!r} is not empty; delete its objects first "
            "or pass force_delete=True to delete them with the bucket."
        )
        self.bucket = bucket


class S3DeleteObjectsError(TaskloomError):
    """S3 refused to delete some of the objects it was asked to delete."""

    def __init__(self, bucket: str, errors: list[dict[str, Any]]) -> None:
        shown = ", ".join(f"{e.get('Key')} ({e.get('Code')})" for e in errors[:10])
        more = f" and {len(errors) - 10} more" if len(errors) > 10 else ""
        super().__init__(
            f"could not delete {len(errors)} object(s) in bucket {bucket!r}: {shown}{more}; "
            "check the credentials' s3:DeleteObject permission and object locks."
        )
        self.bucket = bucket
        #: S3's per-key error entries (``Key``, ``Code``, ``Message``).
        self.errors = errors
