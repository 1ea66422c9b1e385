"""Task logs in S3: ``[logging] remote_base_log_folder = s3://bucket/prefix``.

Core copies every task log here (see ``taskloom.utils.log.TaskLogHandler``): while a try
runs, each chunk is an object of its own, and when the try ends the whole log replaces
them::

    s3://bucket/prefix/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log
    s3://bucket/prefix/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log.chunks/<offset>

S3 cannot append to an object, so chunks are separate objects named by their byte
offset (20 digits, so that names sort as numbers); a reader joins them until the final
object exists.  The credentials come from the ``aws`` connection named by
``[logging] remote_log_conn_id`` (default ``aws_default``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from typing import Final

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

from taskloom import configuration
from taskloom.exceptions import TaskLogHandlerError
from taskloom.exceptions import TaskloomError
from taskloom.utils.log import TaskLogHandler
from taskloom.utils.log.handler import join_chunks

#: Default of ``[logging] remote_log_conn_id``.
DEFAULT_CONN_ID: Final = "aws_default"
#: Suffix of the "folder" holding a running try's chunks.
CHUNKS: Final = ".chunks/"
_OFFSET_DIGITS: Final = 20


class S3TaskLogHandler(TaskLogHandler):
    """Stores task logs under an ``s3://bucket/prefix`` URL.

    :param base_url: ``s3://bucket`` or ``s3://bucket/prefix``.
    :raises TaskLogHandlerError: ``base_url`` names no bucket.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        from taskloom.providers.amazon.hooks.s3 import S3Hook

        try:
            bucket, prefix = S3Hook.parse_s3_url(self.base_url + "/")
        except ValueError:
            bucket, prefix = "", ""
        if not bucket:
            raise TaskLogHandlerError(
                f"[logging] remote_base_log_folder = {base_url!r} names no bucket; "
                "write it as s3://BUCKET or s3://BUCKET/PREFIX"
            )
        self.bucket = bucket
        #: Key prefix of every log, ending in ``/`` (empty for the bucket's root).
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        #: The ``aws`` connection used (``[logging] remote_log_conn_id``).
        self.conn_id = str(configuration.get("logging", "remote_log_conn_id", DEFAULT_CONN_ID))

    @functools.cached_property
    def _client(self) -> Any:
        from taskloom.providers.amazon.hooks.s3 import S3Hook

        return S3Hook(aws_conn_id=self.conn_id).conn

    def _key(self, relative_path: str) -> str:
        return self.prefix + relative_path

    def _call(self, method: str, **kwargs: Any) -> Any:
        """Call the S3 client; a failure becomes one line with the reason and the connection
        (core adds the place)."""
        try:
            return getattr(self._client, method)(**kwargs)
        except (ClientError, BotoCoreError, TaskloomError) as exc:
            if isinstance(exc, ClientError) and _not_found(exc) and method == "get_object":
                return None
            raise TaskLogHandlerError(f"{_reason(exc)}; connection {self.conn_id!r}") from exc

    def write_chunk(self, relative_path: str, offset: int, data: bytes) -> None:
        """Store one chunk as ``<log>.chunks/<offset>``."""
        key = f"{self._key(relative_path)}{CHUNKS}{offset:0{_OFFSET_DIGITS}d}"
        self._call("put_object", Bucket=self.bucket, Key=key, Body=data)

    def write_final(self, relative_path: str, local_file: Path) -> None:
        """Upload the whole log (multipart when large), then delete its chunks."""
        key = self._key(relative_path)
        with local_file.open("rb") as fh:
            self._call("upload_fileobj", Fileobj=fh, Bucket=self.bucket, Key=key)
        chunks = self._list(key + CHUNKS)
        for start in range(0, len(chunks), 1000):  # DeleteObjects takes 1,000 keys at most
            self._call(
                "delete_objects",
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in chunks[start : start + 1000]]},
            )

    def read(self, relative_path: str) -> bytes | None:
        """The final log, else its chunks joined, else ``None``."""
        key = self._key(relative_path)
        for _ in range(2):
            data = self._get(key)
            if data is not None:
                return data
            parts = []
            for chunk_key in self._list(key + CHUNKS):
                chunk = self._get(chunk_key)
                if chunk is None:  # the try just ended and its chunks are going: read it whole
                    break
                parts.append((int(chunk_key.rpartition("/")[2]), chunk))
            else:
                return join_chunks(parts) if parts else None
        return None

    def list_logs(self, folder: str) -> list[str]:
        """The ``attempt=<n>.log`` names under ``folder``: final objects and chunk folders."""
        prefix = f"{self._key(folder.rstrip('/'))}/"
        names: set[str] = set()
        token: dict[str, str] = {}
        while True:
            page = self._call(
                "list_objects_v2",
                Bucket=self.bucket,
                Prefix=prefix,
                Delimiter="/",
                **token,
            )
            names.update(item["Key"][len(prefix) :] for item in page.get("Contents", ()))
            names.update(
                item["Prefix"][len(prefix) :].removesuffix(CHUNKS)
                for item in page.get("CommonPrefixes", ())
            )
            if not page.get("IsTruncated"):
                return sorted(names)
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def _get(self, key: str) -> bytes | None:
        response = self._call("get_object", Bucket=self.bucket, Key=key)
        if response is None:
            return None
        body: bytes = response["Body"].read()
        return body

    def _list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        token: dict[str, str] = {}
        while True:
            page = self._call("list_objects_v2", Bucket=self.bucket, Prefix=prefix, **token)
            keys.extend(item["Key"] for item in page.get("Contents", ()))
            if not page.get("IsTruncated"):
                return keys
            token = {"ContinuationToken": page["NextContinuationToken"]}


def _not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey"}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ClientError) and not isinstance(exc, TaskloomError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)
