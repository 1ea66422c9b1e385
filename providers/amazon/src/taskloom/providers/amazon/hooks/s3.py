"""S3 buckets and objects through boto3, with the credentials of an ``aws`` connection.

Wherever a method takes ``key`` and ``bucket_name``, the key may instead be a full
``s3://bucket/key`` URL with ``bucket_name`` left out, as in Airflow's ``S3Hook``.
"""

from __future__ import annotations

import fnmatch
import gzip as gzip_module
import io
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

import botocore.config
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

from taskloom.providers.amazon.exceptions import AwsCredentialsError
from taskloom.providers.amazon.exceptions import S3BucketNotEmptyError
from taskloom.providers.amazon.exceptions import S3DeleteObjectsError
from taskloom.providers.amazon.exceptions import S3KeyExistsError
from taskloom.providers.amazon.exceptions import S3KeyNotFoundError
from taskloom.providers.amazon.hooks.base_aws import AwsBaseHook

#: S3 deletes at most this many keys per DeleteObjects request.
DELETE_BATCH_SIZE = 1000

_S3_SCHEME = re.compile(r"^s3[an]?://(?P<bucket>[^/]+)/?(?P<key>.*)$", re.DOTALL)
_WILDCARD = re.compile(r"[*?\[]")
# https://BUCKET.s3[.-]REGION.amazonaws.com/KEY (virtual-hosted style)
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com(\.cn)?$")
# https://s3[.-]REGION.amazonaws.com/BUCKET/KEY (path style)
_PATH_STYLE = re.compile(r"^s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")


def _not_found(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code"))
    return code in {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}


def _wildcard_prefix(pattern: str) -> str:
    """The literal part of ``pattern`` before its first wildcard: what S3 can filter on."""
    match = _WILDCARD.search(pattern)
    return pattern[: match.start()] if match else pattern


class S3Hook(AwsBaseHook):
    """Buckets and objects in S3 (or any S3-compatible store set as ``endpoint_url``).

    :param aws_conn_id: the ``aws`` connection to use; ``None`` uses boto3's default chain.
    :param transfer_config_args: arguments of :class:`boto3.s3.transfer.TransferConfig`
        (multipart thresholds, concurrency) for uploads and downloads.
    :param extra_args: ``ExtraArgs`` added to every upload (``{"StorageClass": "STANDARD_IA"}``).
    :param verify: overrides the connection's ``verify``; ``config`` its ``config_kwargs``.
    """

    def __init__(
        self,
        aws_conn_id: str | None = AwsBaseHook.default_conn_name,
        region_name: str | None = None,
        transfer_config_args: dict[str, Any] | None = None,
        extra_args: dict[str, Any] | None = None,
        verify: bool | str | None = None,
        config: botocore.config.Config | None = None,
    ) -> None:
        super().__init__(
            aws_conn_id=aws_conn_id,
            region_name=region_name,
            client_type="s3",
            resource_type="s3",
            verify=verify,
            config=config,
        )
        self.transfer_config_args = dict(transfer_config_args or {})
        self.extra_args = dict(extra_args or {})

    # --- addresses -----------------------------------------------------------------

    @staticmethod
    def parse_s3_url(s3url: str) -> tuple[str, str]:
        """Split an S3 URL into ``(bucket, key)``.

        Accepts ``s3://bucket/key`` (also ``s3a://`` and ``s3n://``) and the https forms
        ``https://bucket.s3.REGION.amazonaws.com/key`` and
        ``https://s3.REGION.amazonaws.com/bucket/key``.

        :raises ValueError: ``s3url`` is none of these.
        """
        s3_scheme = _S3_SCHEME.match(s3url)
        if s3_scheme:
            # Not urlsplit: "?" and "#" are ordinary characters of keys (and wildcards).
            return s3_scheme.group("bucket"), s3_scheme.group("key")
        parts = urlsplit(s3url)
        if parts.scheme in {"http", "https"} and parts.hostname:
            path = unquote(parts.path.lstrip("/"))
            virtual = _VIRTUAL_HOST.match(parts.hostname)
            if virtual:
                return virtual.group("bucket"), path
            if _PATH_STYLE.match(parts.hostname) and "/" in path:
                bucket, _, key = path.partition("/")
                return bucket, key
        raise ValueError(
            f"{s3url!r} is not an S3 URL; write it as s3://BUCKET/KEY "
            "(or pass the bucket separately with bucket_name=)."
        )

    @classmethod
    def get_s3_bucket_key(
        cls,
        bucket: str | None,
        key: str,
        bucket_param_name: str = "bucket_name",
        key_param_name: str = "key",
    ) -> tuple[str, str]:
        """Return ``(bucket, key)`` from a bucket and a relative key, or from an s3:// URL key.

        :raises ValueError: both a bucket and a full URL were given, or neither a bucket
            nor a URL.
        """
        if bucket is None:
            if "://" not in key:
                raise ValueError(
                    f"{key_param_name}={key!r} has no bucket: pass {bucket_param_name}= "
                    f"or give {key_param_name} as a full s3://BUCKET/KEY URL."
                )
            return cls.parse_s3_url(key)
        if "://" in key:
            raise ValueError(
                f"{key_param_name}={key!r} is a full URL and {bucket_param_name}={bucket!r} is "
                f"also given; pass either a key relative to the bucket or the URL alone."
            )
        return bucket, key

    # --- buckets -------------------------------------------------------------------

    def _check_forbidden(self, error: ClientError) -> None:
        """Tell wrong credentials from a missing permission after a HEAD request's bare 403.

        HEAD responses have no body, so AWS answers both with "403 Forbidden". STS's
        GetCallerIdentity needs no permission: if it refuses the credentials too, raise
        its :class:`AwsCredentialsError` (which names the connection to fix); otherwise
        the 403 was a permission problem and the caller re-raises it.
        """
        if str(error.response.get("Error", {}).get("Code")) != "403":
            return
        try:
            self.get_client_type("sts").get_caller_identity()
        except AwsCredentialsError:
            raise
        except (ClientError, BotoCoreError):
            return  # an endpoint without STS (an S3-compatible store): keep the 403

    def check_for_bucket(self, bucket_name: str) -> bool:
        """Whether ``bucket_name`` exists (and these credentials may see it)."""
        try:
            self.conn.head_bucket(Bucket=bucket_name)
        except ClientError as exc:
            if _not_found(exc):
                return False
            self._check_forbidden(exc)
            raise
        return True

    def create_bucket(self, bucket_name: str, region_name: str | None = None) -> None:
        """Create ``bucket_name`` in ``region_name`` (default: the connection's region)."""
        region = region_name or self.conn.meta.region_name
        request: dict[str, Any] = {"Bucket": bucket_name}
        if region and region != "us-east-1":
            # us-east-1 is S3's default location and is refused as a LocationConstraint.
            request["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.get_client_type(region_name=region).create_bucket(**request)

    def delete_bucket(self, bucket_name: str, force_delete: bool = False) -> None:
        """Delete ``bucket_name``; with ``force_delete`` its objects are deleted first.

        In a versioned bucket ``force_delete`` deletes every version and delete marker
        too: S3 refuses to delete a bucket that still holds any.

        :raises S3BucketNotEmptyError: the bucket holds objects and ``force_delete`` is off.
        """
        if force_delete:
            self._delete_all_versions(bucket_name)
        try:
            self.conn.delete_bucket(Bucket=bucket_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "BucketNotEmpty":
                raise S3BucketNotEmptyError(bucket_name) from None
            raise

    def _delete_all_versions(self, bucket_name: str) -> None:
        paginator = self.conn.get_paginator("list_object_versions")
        errors: list[dict[str, Any]] = []
        for page in paginator.paginate(
            Bucket=bucket_name, PaginationConfig={"PageSize": DELETE_BATCH_SIZE}
        ):
            objects = [
                {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(objects), DELETE_BATCH_SIZE):
                response = self.conn.delete_objects(
                    Bucket=bucket_name,
                    Delete={"Objects": objects[start : start + DELETE_BATCH_SIZE], "Quiet": True},
                )
                errors.extend(response.get("Errors", []))
        if errors:
            raise S3DeleteObjectsError(bucket_name, errors)

    # --- listing -------------------------------------------------------------------

    def _pages(
        self,
        bucket_name: str,
        prefix: str,
        delimiter: str,
        page_size: int | None,
        start_after_key: str = "",
    ) -> Iterator[dict[str, Any]]:
        """ListObjectsV2 pages, fetched lazily: a caller that stops early sends no more requests."""
        paginator = self.conn.get_paginator("list_objects_v2")
        request: dict[str, Any] = {"Bucket": bucket_name, "Prefix": prefix, "Delimiter": delimiter}
        if start_after_key:
            request["StartAfter"] = start_after_key
        config = {"PageSize": page_size} if page_size is not None else {}
        yield from paginator.paginate(**request, PaginationConfig=config)

    def list_prefixes(
        self,
        bucket_name: str,
        prefix: str = "",
        delimiter: str = "",
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> list[str]:
        """The common prefixes ("folders") under ``prefix``, split at ``delimiter``.

        :param page_size: entries per ListObjectsV2 request (S3's maximum is 1000).
        :param max_items: return at most this many prefixes.
        """
        prefixes = (
            entry["Prefix"]
            for page in self._pages(bucket_name, prefix, delimiter, page_size)
            for entry in page.get("CommonPrefixes", [])
        )
        return list(itertools.islice(prefixes, max_items))

    def list_keys(
        self,
        bucket_name: str,
        prefix: str = "",
        delimiter: str = "",
        page_size: int | None = None,
        max_items: int | None = None,
        start_after_key: str = "",
        apply_wildcard: bool = False,
    ) -> list[str]:
        """The keys under ``prefix``, in S3's (lexicographic) order.

        :param delimiter: leave out keys below the next ``delimiter`` (list one "folder").
        :param page_size: keys per ListObjectsV2 request (S3's maximum is 1000).
        :param max_items: return at most this many keys.
        :param start_after_key: list only keys after this one.
        :param apply_wildcard: treat ``prefix`` as an fnmatch pattern (``data/*.csv``).
        """
        objects = self._objects(
            bucket_name, prefix, delimiter, page_size, start_after_key, apply_wildcard
        )
        return [entry["Key"] for entry in itertools.islice(objects, max_items)]

    def get_file_metadata(
        self,
        prefix: str,
        bucket_name: str,
        page_size: int | None = None,
        max_items: int | None = None,
        apply_wildcard: bool = False,
    ) -> list[dict[str, Any]]:
        """ListObjectsV2 entries (``Key``, ``Size``, ``LastModified``, ``ETag``...) under ``prefix``.

        :param apply_wildcard: treat ``prefix`` as an fnmatch pattern (``data/*.csv``).
        """
        objects = self._objects(bucket_name, prefix, "", page_size, "", apply_wildcard)
        return list(itertools.islice(objects, max_items))

    def _objects(
        self,
        bucket_name: str,
        prefix: str,
        delimiter: str,
        page_size: int | None,
        start_after_key: str,
        apply_wildcard: bool,
    ) -> Iterator[dict[str, Any]]:
        pattern = prefix if apply_wildcard else None
        if pattern is not None:
            # S3 filters on the literal part; fnmatch does the rest here.
            prefix = _wildcard_prefix(pattern)
        for page in self._pages(bucket_name, prefix, delimiter, page_size, start_after_key):
            for entry in page.get("Contents", []):
                if pattern is None or fnmatch.fnmatchcase(entry["Key"], pattern):
                    yield entry

    def check_for_prefix(self, prefix: str, delimiter: str, bucket_name: str) -> bool:
        """Whether the "folder" ``prefix`` exists, with ``delimiter`` (such as ``/``) between levels."""
        folder = prefix.removesuffix(delimiter)
        parent, found, _ = folder.rpartition(delimiter)
        return folder + delimiter in self.list_prefixes(bucket_name, parent + found, delimiter)

    # --- single objects ------------------------------------------------------------

    def head_object(self, key: str, bucket_name: str | None = None) -> dict[str, Any] | None:
        """The object's metadata (HeadObject), or ``None`` when it does not exist."""
        bucket, key = self.get_s3_bucket_key(bucket_name, key)
        try:
            response: dict[str, Any] = self.conn.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _not_found(exc):
                return None
            self._check_forbidden(exc)
            raise
        return response

    def check_for_key(self, key: str, bucket_name: str | None = None) -> bool:
        """Whether the object exists."""
        return self.head_object(key, bucket_name) is not None

    def get_key(self, key: str, bucket_name: str | None = None) -> Any:
        """The object as a boto3 ``s3.Object`` resource, loaded.

        :raises S3KeyNotFoundError: there is no such object.
        """
        bucket, key = self.get_s3_bucket_key(bucket_name, key)
        obj = self.get_resource_type("s3").Object(bucket, key)
        try:
            obj.load()
        except ClientError as exc:
            if _not_found(exc):
                raise S3KeyNotFoundError(bucket, key) from None
            raise
        return obj

    def read_key(self, key: str, bucket_name: str | None = None, encoding: str = "utf-8") -> str:
        """The object's content as text.

        :raises S3KeyNotFoundError: there is no such object.
        """
        return self.read_key_bytes(key, bucket_name).decode(encoding)

    def read_key_bytes(self, key: str, bucket_name: str | None = None) -> bytes:
        """The object's content as bytes.

        :raises S3KeyNotFoundError: there is no such object.
        """
        bucket, key = self.get_s3_bucket_key(bucket_name, key)
        try:
            response = self.conn.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _not_found(exc):
                raise S3KeyNotFoundError(bucket, key) from None
            raise
        body: bytes = response["Body"].read()
        return body

    def get_wildcard_key(
        self, wildcard_key: str, bucket_name: str | None = None, delimiter: str = ""
    ) -> Any | None:
        """The first object whose key matches the fnmatch pattern, or ``None``.

        :param wildcard_key: a pattern such as ``incoming/*.csv`` (or ``s3://bucket/in/*.csv``).
        :returns: a boto3 ``s3.Object`` resource.
        """
        bucket, pattern = self.get_s3_bucket_key(
            bucket_name, wildcard_key, "bucket_name", "wildcard_key"
        )
        keys = self.list_keys(bucket, pattern, delimiter=delimiter, apply_wildcard=True)
        if not keys:
            return None
        return self.get_resource_type("s3").Object(bucket, keys[0])

    def check_for_wildcard_key(
        self, wildcard_key: str, bucket_name: str | None = None, delimiter: str = ""
    ) -> bool:
        """Whether any object's key matches the fnmatch pattern ``wildcard_key``."""
        return self.get_wildcard_key(wildcard_key, bucket_name, delimiter) is not None

    # --- uploads -------------------------------------------------------------------

    def _upload_args(self, encrypt: bool, acl_policy: str | None) -> dict[str, Any]:
        args = dict(self.extra_args)
        if encrypt:
            args["ServerSideEncryption"] = "AES256"
        if acl_policy:
            args["ACL"] = acl_policy
        return args

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(**self.transfer_config_args)

    def _target(self, key: str, bucket_name: str | None, replace: bool) -> tuple[str, str]:
        bucket, key = self.get_s3_bucket_key(bucket_name, key)
        if not replace and self.check_for_key(key, bucket):
            raise S3KeyExistsError(bucket, key)
        return bucket, key

    def load_file_obj(
        self,
        file_obj: IO[bytes],
        key: str,
        bucket_name: str | None = None,
        replace: bool = False,
        encrypt: bool = False,
        acl_policy: str | None = None,
    ) -> None:
        """Upload a binary file object (multipart for large ones).

        :raises S3KeyExistsError: the object exists and ``replace`` is off.
        """
        bucket, key = self._target(key, bucket_name, replace)
        self.conn.upload_fileobj(
            file_obj,
            bucket,
            key,
            ExtraArgs=self._upload_args(encrypt, acl_policy),
            Config=self._transfer_config(),
        )

    def load_bytes(
        self,
        bytes_data: bytes,
        key: str,
        bucket_name: str | None = None,
        replace: bool = False,
        encrypt: bool = False,
        acl_policy: str | None = None,
    ) -> None:
        """Upload ``bytes_data`` as the object.

        :raises S3KeyExistsError: the object exists and ``replace`` is off.
        """
        self.load_file_obj(io.BytesIO(bytes_data), key, bucket_name, replace, encrypt, acl_policy)

    def load_string(
        self,
        string_data: str,
        key: str,
        bucket_name: str | None = None,
        replace: bool = False,
        encrypt: bool = False,
        encoding: str = "utf-8",
        acl_policy: str | None = None,
        compression: str | None = None,
    ) -> None:
        """Upload ``string_data`` encoded as ``encoding``, gzipped when ``compression="gzip"``.

        :raises S3KeyExistsError: the object exists and ``replace`` is off.
        :raises ValueError: ``compression`` is not ``None`` or ``"gzip"``.
        """
        data = string_data.encode(encoding)
        if compression == "gzip":
            data = gzip_module.compress(data)
        elif compression is not None:
            raise ValueError(f"compression={compression!r} is not supported; use None or 'gzip'.")
        self.load_bytes(data, key, bucket_name, replace, encrypt, acl_policy)

    def load_file(
        self,
        filename: str | os.PathLike[str],
        key: str,
        bucket_name: str | None = None,
        replace: bool = False,
        encrypt: bool = False,
        gzip: bool = False,
        acl_policy: str | None = None,
    ) -> None:
        """Upload the local file ``filename`` (multipart for large files).

        :param gzip: compress the file on the way (the object holds the gzip stream).
        :raises S3KeyExistsError: the object exists and ``replace`` is off.
        :raises FileNotFoundError: ``filename`` does not exist.
        """
        path = Path(filename)
        if not path.is_file():
            raise FileNotFoundError(f"{path} is not a file; check the local path to upload.")
        bucket, key = self._target(key, bucket_name, replace)
        with tempfile.TemporaryDirectory(prefix="taskloom-s3-") as workdir:
            if gzip:
                packed = Path(workdir) / f"{path.name}.gz"
                with path.open("rb") as src, gzip_module.open(packed, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                path = packed
            self.conn.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs=self._upload_args(encrypt, acl_policy),
                Config=self._transfer_config(),
            )

    # --- downloads, copies, deletes ------------------------------------------------

    def download_file(
        self,
        key: str,
        bucket_name: str | None = None,
        local_path: str | os.PathLike[str] | None = None,
        preserve_file_name: bool = False,
        use_autogenerated_subdir: bool = True,
    ) -> str:
        """Download the object into the directory ``local_path`` and return the file's path.

        :param local_path: the directory to write into (default: the system temp dir).
        :param preserve_file_name: name the file after the key's last part; otherwise it
            gets a fresh ``taskloom_tmp_*`` name.
        :param use_autogenerated_subdir: with ``preserve_file_name``, put the file in a
            fresh sub-directory so that two downloads of equal names never collide.
        :raises S3KeyNotFoundError: there is no such object.
        :raises FileExistsError: ``preserve_file_name`` without a fresh sub-directory and
            the file already exists.
        """
        bucket, key = self.get_s3_bucket_key(bucket_name, key)
        directory = Path(local_path) if local_path is not None else Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        if preserve_file_name:
            name = key.rstrip("/").rpartition("/")[2] or "object"
            if use_autogenerated_subdir:
                directory = Path(tempfile.mkdtemp(prefix="taskloom_tmp_dir_", dir=directory))
            target = directory / name
            if target.exists():
                raise FileExistsError(
                    f"{target} already exists; remove it, or pass "
                    "use_autogenerated_subdir=True to download into a fresh directory."
                )
        else:
            handle, raw = tempfile.mkstemp(prefix="taskloom_tmp_", dir=directory)
            os.close(handle)
            target = Path(raw)
        try:
            self.conn.download_file(bucket, key, str(target), Config=self._transfer_config())
        except ClientError as exc:
            target.unlink(missing_ok=True)
            if _not_found(exc):
                raise S3KeyNotFoundError(bucket, key) from None
            raise
        return str(target)

    def copy_object(
        self,
        source_bucket_key: str,
        dest_bucket_key: str,
        source_bucket_name: str | None = None,
        dest_bucket_name: str | None = None,
        source_version_id: str | None = None,
        acl_policy: str | None = None,
        meta_data_directive: str | None = None,
    ) -> dict[str, Any]:
        """Copy an object inside S3 (no data passes through this machine).

        :param meta_data_directive: ``"COPY"`` (default) or ``"REPLACE"``.
        :returns: S3's CopyObject response.
        :raises S3KeyNotFoundError: the source object does not exist.
        """
        src_bucket, src_key = self.get_s3_bucket_key(
            source_bucket_name, source_bucket_key, "source_bucket_name", "source_bucket_key"
        )
        dst_bucket, dst_key = self.get_s3_bucket_key(
            dest_bucket_name, dest_bucket_key, "dest_bucket_name", "dest_bucket_key"
        )
        source: dict[str, str] = {"Bucket": src_bucket, "Key": src_key}
        if source_version_id:
            source["VersionId"] = source_version_id
        request: dict[str, Any] = {"Bucket": dst_bucket, "Key": dst_key, "CopySource": source}
        if acl_policy:
            request["ACL"] = acl_policy
        if meta_data_directive:
            request["MetadataDirective"] = meta_data_directive
        try:
            response: dict[str, Any] = self.conn.copy_object(**request)
        except ClientError as exc:
            # NoSuchBucket may be either bucket: S3's own error says which.
            if exc.response.get("Error", {}).get("Code") == "NoSuchKey":
                raise S3KeyNotFoundError(src_bucket, src_key) from None
            raise
        return response

    def delete_objects(self, bucket: str, keys: str | list[str]) -> None:
        """Delete ``keys`` from ``bucket``, 1000 per request (S3's limit).

        Keys that do not exist are not an error (S3 reports them deleted).

        :raises S3DeleteObjectsError: S3 refused some deletions; it lists them.
        """
        key_list = [keys] if isinstance(keys, str) else list(keys)
        errors: list[dict[str, Any]] = []
        for start in range(0, len(key_list), DELETE_BATCH_SIZE):
            batch = key_list[start : start + DELETE_BATCH_SIZE]
            response = self.conn.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            errors.extend(response.get("Errors", []))
        if errors:
            raise S3DeleteObjectsError(bucket, errors)

    def generate_presigned_url(
        self,
        client_method: str,
        params: dict[str, Any] | None = None,
        expires_in: int = 3600,
        http_method: str | None = None,
    ) -> str:
        """A URL that grants ``client_method`` (``"get_object"``...) without credentials."""
        url: str = self.conn.generate_presigned_url(
            ClientMethod=client_method,
            Params=params or {},
            ExpiresIn=expires_in,
            HttpMethod=http_method,
        )
        return url
