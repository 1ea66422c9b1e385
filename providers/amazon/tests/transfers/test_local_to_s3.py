"""Tests of taskloom.providers.amazon.transfers.local_to_s3 against moto's server on 127.0.0.1."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from taskloom.providers.amazon.exceptions import S3KeyExistsError
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.transfers.local_to_s3 import LocalFilesystemToS3Operator


def test_upload(bucket: str, tmp_path: Path) -> None:
    """The file lands at dest_key; an existing key fails unless replace=True."""
    source = tmp_path / "report.csv"
    source.write_text("a,b\n1,2\n")
    op = LocalFilesystemToS3Operator(
        task_id="up", filename=str(source), dest_key="r/report.csv", dest_bucket=bucket
    )
    op.execute({})
    hook = S3Hook()
    assert hook.read_key("r/report.csv", bucket) == "a,b\n1,2\n"
    source.write_text("new\n")
    with pytest.raises(S3KeyExistsError, match="already exists; pass replace=True"):
        op.execute({})
    assert hook.read_key("r/report.csv", bucket) == "a,b\n1,2\n"
    LocalFilesystemToS3Operator(
        task_id="replace",
        filename=str(source),
        dest_key="r/report.csv",
        dest_bucket=bucket,
        replace=True,
    ).execute({})
    assert hook.read_key("r/report.csv", bucket) == "new\n"


def test_upload_to_url_gzipped_and_encrypted(bucket: str, tmp_path: Path) -> None:
    """dest_key may be an s3:// URL; gzip and encrypt apply."""
    source = tmp_path / "rows.txt"
    source.write_text("rows\n" * 100)
    LocalFilesystemToS3Operator(
        task_id="up",
        filename=str(source),
        dest_key=f"s3://{bucket}/rows.txt.gz",
        gzip=True,
        encrypt=True,
    ).execute({})
    hook = S3Hook()
    assert gzip.decompress(hook.read_key_bytes("rows.txt.gz", bucket)) == b"rows\n" * 100
    head = hook.head_object("rows.txt.gz", bucket)
    assert head is not None
    assert head["ServerSideEncryption"] == "AES256"


def test_bad_destination(bucket: str, tmp_path: Path) -> None:
    """A relative key without a bucket, or a missing file, is a clear error."""
    source = tmp_path / "f"
    source.write_text("x")
    with pytest.raises(ValueError, match="dest_key='f' has no bucket: pass dest_bucket="):
        LocalFilesystemToS3Operator(task_id="nobucket", filename=str(source), dest_key="f").execute(
            {}
        )
    with pytest.raises(FileNotFoundError, match="missing is not a file"):
        LocalFilesystemToS3Operator(
            task_id="nofile", filename=str(tmp_path / "missing"), dest_key="f", dest_bucket=bucket
        ).execute({})


def test_template_fields() -> None:
    """filename, dest_key and dest_bucket are templated."""
    assert LocalFilesystemToS3Operator.template_fields == ("filename", "dest_key", "dest_bucket")
