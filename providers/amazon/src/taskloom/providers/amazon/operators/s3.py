"""Operators that create, list, copy and delete S3 buckets and objects.

Each is a thin task around one :class:`~taskloom.providers.amazon.hooks.s3.S3Hook` call,
so its behaviour (and its errors) are the hook's; the templated fields are listed on each
class. Every operator takes ``aws_conn_id`` (default ``aws_default``; ``None`` for
boto3's default credential chain).
"""

from __future__ import annotations

from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.amazon.hooks.s3 import S3Hook


class S3CreateBucketOperator(BaseOperator):
    """Create a bucket; one that already exists and is yours is left as it is.

    :param bucket_name: the bucket to create.
    :param region_name: where to create it (default: the connection's region).
    """

    template_fields = ("bucket_name",)

    def __init__(
        self,
        *,
        bucket_name: str,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        region_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket_name = bucket_name
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name

    def execute(self, context: Context) -> None:
        hook = S3Hook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)
        if hook.check_for_bucket(self.bucket_name):
            self.task_log(context).info("Bucket %s already exists", self.bucket_name)
            return
        hook.create_bucket(self.bucket_name, self.region_name)
        self.task_log(context).info("Created bucket %s", self.bucket_name)


class S3DeleteBucketOperator(BaseOperator):
    """Delete a bucket; a bucket that does not exist is not an error.

    :param bucket_name: the bucket to delete.
    :param force_delete: delete the objects in it first (otherwise a bucket that is not
        empty fails the task).
    """

    template_fields = ("bucket_name",)

    def __init__(
        self,
        *,
        bucket_name: str,
        force_delete: bool = False,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket_name = bucket_name
        self.force_delete = force_delete
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Context) -> None:
        hook = S3Hook(aws_conn_id=self.aws_conn_id)
        if not hook.check_for_bucket(self.bucket_name):
            self.task_log(context).info(
                "Bucket %s does not exist; nothing to delete", self.bucket_name
            )
            return
        hook.delete_bucket(self.bucket_name, force_delete=self.force_delete)
        self.task_log(context).info("Deleted bucket %s", self.bucket_name)


class S3ListOperator(BaseOperator):
    """List the keys under a prefix; the list is the task's XCom return value.

    :param bucket: the bucket to list.
    :param prefix: only keys starting with this (an fnmatch pattern with ``apply_wildcard``).
    :param delimiter: stop at this character, listing one "folder" level.
    :param apply_wildcard: treat ``prefix`` as a pattern such as ``data/*.csv``.
    """

    template_fields = ("bucket", "prefix", "delimiter")

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        apply_wildcard: bool = False,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.delimiter = delimiter
        self.apply_wildcard = apply_wildcard
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Context) -> list[str]:
        hook = S3Hook(aws_conn_id=self.aws_conn_id)
        keys = hook.list_keys(
            self.bucket,
            prefix=self.prefix,
            delimiter=self.delimiter,
            apply_wildcard=self.apply_wildcard,
        )
        self.task_log(context).info(
            "Found %d key(s) in s3://%s/%s", len(keys), self.bucket, self.prefix
        )
        return keys


class S3CopyObjectOperator(BaseOperator):
    """Copy one object inside S3 (between buckets too); the data never leaves S3.

    :param source_bucket_key: the source key, or an ``s3://bucket/key`` URL.
    :param dest_bucket_key: the destination key, or an ``s3://bucket/key`` URL.
    :param source_bucket_name: the source bucket, when ``source_bucket_key`` is relative.
    :param dest_bucket_name: the destination bucket, when ``dest_bucket_key`` is relative.
    :param source_version_id: copy this version of a versioned source object.
    :param acl_policy: canned ACL of the copy (``"private"``, ``"bucket-owner-full-control"``...).
    :param meta_data_directive: ``"COPY"`` the source's metadata (default) or ``"REPLACE"`` it.
    """

    template_fields = (
        "source_bucket_key",
        "dest_bucket_key",
        "source_bucket_name",
        "dest_bucket_name",
    )

    def __init__(
        self,
        *,
        source_bucket_key: str,
        dest_bucket_key: str,
        source_bucket_name: str | None = None,
        dest_bucket_name: str | None = None,
        source_version_id: str | None = None,
        acl_policy: str | None = None,
        meta_data_directive: str | None = None,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_bucket_key = source_bucket_key
        self.dest_bucket_key = dest_bucket_key
        self.source_bucket_name = source_bucket_name
        self.dest_bucket_name = dest_bucket_name
        self.source_version_id = source_version_id
        self.acl_policy = acl_policy
        self.meta_data_directive = meta_data_directive
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Context) -> None:
        S3Hook(aws_conn_id=self.aws_conn_id).copy_object(
            self.source_bucket_key,
            self.dest_bucket_key,
            self.source_bucket_name,
            self.dest_bucket_name,
            self.source_version_id,
            self.acl_policy,
            self.meta_data_directive,
        )
        self.task_log(context).info("Copied %s to %s", self.source_bucket_key, self.dest_bucket_key)


class S3DeleteObjectsOperator(BaseOperator):
    """Delete objects given by key, or every object under a prefix.

    Exactly one of ``keys`` and ``prefix`` is required, so that a forgotten argument can
    never empty a bucket. Keys that do not exist are not an error.

    :param bucket: the bucket to delete from.
    :param keys: one key or a list of keys.
    :param prefix: delete every object whose key starts with this.
    """

    template_fields = ("keys", "bucket", "prefix")

    def __init__(
        self,
        *,
        bucket: str,
        keys: str | list[str] | None = None,
        prefix: str | None = None,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (keys is None) == (prefix is None):
            raise ValueError(
                f"S3DeleteObjectsOperator (task_id {self.task_id!r}) needs exactly one of "
                "keys= (what to delete) and prefix= (delete everything under it)."
            )
        self.bucket = bucket
        self.keys = keys
        self.prefix = prefix
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Context) -> None:
        hook = S3Hook(aws_conn_id=self.aws_conn_id)
        if self.keys is not None:
            keys = [self.keys] if isinstance(self.keys, str) else list(self.keys)
        else:
            keys = hook.list_keys(self.bucket, prefix=self.prefix or "")
        if not keys:
            self.task_log(context).info("No objects to delete in bucket %s", self.bucket)
            return
        hook.delete_objects(self.bucket, keys)
        self.task_log(context).info("Deleted %d object(s) in bucket %s", len(keys), self.bucket)
