"""Upload a local file to S3."""

from __future__ import annotations

from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.providers.amazon.hooks.s3 import S3Hook


class LocalFilesystemToS3Operator(BaseOperator):
    """Upload the file ``filename`` to ``dest_key`` (multipart for large files).

    :param filename: path of the local file (templated).
    :param dest_key: the key to write, or an ``s3://bucket/key`` URL (templated).
    :param dest_bucket: the bucket, when ``dest_key`` is relative (templated).
    :param replace: overwrite an existing object; otherwise an existing object fails the
        task and is left untouched.
    :param encrypt: ask S3 to encrypt the object at rest (SSE-S3, AES256).
    :param gzip: compress the file on the way.
    :param acl_policy: canned ACL of the object (``"private"``, ``"bucket-owner-full-control"``...).
    """

    template_fields = ("filename", "dest_key", "dest_bucket")

    def __init__(
        self,
        *,
        filename: str,
        dest_key: str,
        dest_bucket: str | None = None,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        replace: bool = False,
        encrypt: bool = False,
        gzip: bool = False,
        acl_policy: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filename = filename
        self.dest_key = dest_key
        self.dest_bucket = dest_bucket
        self.aws_conn_id = aws_conn_id
        self.replace = replace
        self.encrypt = encrypt
        self.gzip = gzip
        self.acl_policy = acl_policy

    def execute(self, context: Context) -> None:
        hook = S3Hook(aws_conn_id=self.aws_conn_id)
        bucket, key = hook.get_s3_bucket_key(
            self.dest_bucket, self.dest_key, "dest_bucket", "dest_key"
        )
        hook.load_file(
            self.filename,
            key,
            bucket,
            replace=self.replace,
            encrypt=self.encrypt,
            gzip=self.gzip,
            acl_policy=self.acl_policy,
        )
        self.task_log(context).info("Uploaded %s to s3://%s/%s", self.filename, bucket, key)
