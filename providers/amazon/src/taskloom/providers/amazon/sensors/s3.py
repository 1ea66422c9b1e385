"""Wait for objects to appear in S3."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.sensors.base import BaseSensorOperator

#: What ``check_fn`` receives: one dict per matching object, with ``Key``, ``Size``
#: (bytes) and ``LastModified`` (a timezone-aware datetime).
ObjectInfo = dict[str, Any]


class S3KeySensor(BaseSensorOperator):
    """Succeed once every key in ``bucket_key`` exists (and ``check_fn`` accepts them).

    :param bucket_key: one key or a list of keys; each may be relative to
        ``bucket_name`` or a full ``s3://bucket/key`` URL (templated).
    :param bucket_name: the bucket of relative keys (templated).
    :param wildcard_match: treat each key as an fnmatch pattern (``incoming/*.csv``); it
        is satisfied by one or more matching objects.
    :param check_fn: called with the list of matching objects (see :data:`ObjectInfo`)
        once all keys match; the sensor succeeds only when it returns true, e.g.
        ``lambda files: all(f["Size"] > 0 for f in files)``.
    :param aws_conn_id: the ``aws`` connection (``None``: boto3's default chain).
    """

    template_fields = ("bucket_key", "bucket_name")

    def __init__(
        self,
        *,
        bucket_key: str | Sequence[str],
        bucket_name: str | None = None,
        wildcard_match: bool = False,
        check_fn: Callable[[list[ObjectInfo]], bool] | None = None,
        aws_conn_id: str | None = S3Hook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket_key = bucket_key
        self.bucket_name = bucket_name
        self.wildcard_match = wildcard_match
        self.check_fn = check_fn
        self.aws_conn_id = aws_conn_id

    @functools.cached_property
    def hook(self) -> S3Hook:
        """One hook (and client) for every poke of this task."""
        return S3Hook(aws_conn_id=self.aws_conn_id)

    def _matches(self, hook: S3Hook, bucket_key: str) -> list[ObjectInfo]:
        bucket, key = hook.get_s3_bucket_key(
            self.bucket_name, bucket_key, "bucket_name", "bucket_key"
        )
        if self.wildcard_match:
            return [
                {"Key": entry["Key"], "Size": entry["Size"], "LastModified": entry["LastModified"]}
                for entry in hook.get_file_metadata(key, bucket, apply_wildcard=True)
            ]
        head = hook.head_object(key, bucket)
        if head is None:
            return []
        return [{"Key": key, "Size": head["ContentLength"], "LastModified": head["LastModified"]}]

    def poke(self, context: Context) -> bool:
        keys = [self.bucket_key] if isinstance(self.bucket_key, str) else list(self.bucket_key)
        hook = self.hook
        found: list[ObjectInfo] = []
        for bucket_key in keys:
            self.task_log(context).info("Poking for %s", bucket_key)
            matches = self._matches(hook, bucket_key)
            if not matches:
                return False
            found.extend(matches)
        if self.check_fn is not None:
            return bool(self.check_fn(found))
        return True
