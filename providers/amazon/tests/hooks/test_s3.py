"""Tests of taskloom.providers.amazon.hooks.s3 against moto's server on 127.0.0.1."""

from __future__ import annotations

import gzip
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from taskloom.providers.amazon.exceptions import S3BucketNotEmptyError
from taskloom.providers.amazon.exceptions import S3KeyExistsError
from taskloom.providers.amazon.exceptions import S3KeyNotFoundError
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom_testing.moto import MotoServer


def _count_calls(hook: S3Hook, operation: str) -> Callable[[], int]:
    """Count the requests ``hook`` sends for ``operation`` (a botocore event, no patching)."""
    calls: list[str] = []

    def count(**_: Any) -> None:
        calls.append(operation)

    hook.conn.meta.events.register(f"before-call.s3.{operation}", count)
    return lambda: len(calls)


def _fill(hook: S3Hook, bucket: str, keys: list[str]) -> None:
    for key in keys:
        hook.load_string(f"content of {key}", key, bucket)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket/path/to/key.csv", ("bucket", "path/to/key.csv")),
        ("s3a://bucket/key", ("bucket", "key")),
        ("s3n://bucket/", ("bucket", "")),
        ("https://bucket.s3.eu-west-1.amazonaws.com/a/b%20c.txt", ("bucket", "a/b c.txt")),
        ("https://my.dotted.bucket.s3.amazonaws.com/k", ("my.dotted.bucket", "k")),
        ("https://s3.us-west-2.amazonaws.com/bucket/a/b", ("bucket", "a/b")),
        ("https://s3-us-west-2.amazonaws.com/bucket/a", ("bucket", "a")),
    ],
)
def test_parse_s3_url(url: str, expected: tuple[str, str]) -> None:
    """s3://, s3a://, s3n:// and both https styles split into bucket and key."""
    assert S3Hook.parse_s3_url(url) == expected


@pytest.mark.parametrize(
    "url", ["bucket/key", "ftp://bucket/key", "https://example.com/bucket/key", "s3:///key"]
)
def test_parse_s3_url_rejects_other_urls(url: str) -> None:
    """Anything else is an error that shows the expected form."""
    with pytest.raises(ValueError, match=r"is not an S3 URL; write it as s3://BUCKET/KEY"):
        S3Hook.parse_s3_url(url)


def test_get_s3_bucket_key() -> None:
    """A bucket and a relative key, or a URL alone; both or neither is an error."""
    assert S3Hook.get_s3_bucket_key("b", "k/x") == ("b", "k/x")
    assert S3Hook.get_s3_bucket_key(None, "s3://b/k/x") == ("b", "k/x")
    with pytest.raises(ValueError, match=r"key='k' has no bucket: pass bucket_name="):
        S3Hook.get_s3_bucket_key(None, "k")
    with pytest.raises(ValueError, match=r"dest_key='s3://b/k' is a full URL and dest_bucket='b'"):
        S3Hook.get_s3_bucket_key("b", "s3://b/k", "dest_bucket", "dest_key")


def test_bucket_lifecycle(aws: MotoServer) -> None:
    """create_bucket, check_for_bucket and delete_bucket."""
    hook = S3Hook()
    assert not hook.check_for_bucket("lifecycle-bucket")
    hook.create_bucket("lifecycle-bucket")
    assert hook.check_for_bucket("lifecycle-bucket")
    hook.delete_bucket("lifecycle-bucket")
    assert not hook.check_for_bucket("lifecycle-bucket")


def test_create_bucket_in_another_region(aws: MotoServer) -> None:
    """Outside us-east-1 the bucket gets its LocationConstraint."""
    hook = S3Hook()
    hook.create_bucket("west-bucket", region_name="eu-west-1")
    assert hook.conn.get_bucket_location(Bucket="west-bucket")["LocationConstraint"] == "eu-west-1"
    hook.create_bucket("east-bucket")
    assert hook.conn.get_bucket_location(Bucket="east-bucket")["LocationConstraint"] is None


def test_delete_bucket_not_empty(bucket: str) -> None:
    """A bucket with objects is kept unless force_delete deletes them too."""
    hook = S3Hook()
    _fill(hook, bucket, ["a", "b/c"])
    with pytest.raises(
        S3BucketNotEmptyError, match=rf"bucket '{bucket}' is not empty.*force_delete=True"
    ):
        hook.delete_bucket(bucket)
    assert hook.check_for_bucket(bucket)
    hook.delete_bucket(bucket, force_delete=True)
    assert not hook.check_for_bucket(bucket)


def test_force_delete_versioned_bucket(bucket: str) -> None:
    """force_delete also removes old versions and delete markers, which S3 would refuse to leave."""
    hook = S3Hook()
    hook.conn.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    hook.load_string("one", "v.txt", bucket)
    hook.load_string("two", "v.txt", bucket, replace=True)
    hook.load_string("gone", "deleted.txt", bucket)
    hook.delete_objects(bucket, "deleted.txt")  # leaves a delete marker and a version
    hook.delete_bucket(bucket, force_delete=True)
    assert not hook.check_for_bucket(bucket)


def test_list_keys_prefix_and_delimiter(bucket: str) -> None:
    """Prefix filters, a delimiter stops at one level, list_prefixes gives the levels."""
    hook = S3Hook()
    _fill(
        hook,
        bucket,
        [
            "top.txt",
            "data/2024/a.csv",
            "data/2024/b.csv",
            "data/2025/c.csv",
            "data/readme.md",
            "logs/x",
        ],
    )
    assert hook.list_keys(bucket) == sorted(
        [
            "top.txt",
            "data/2024/a.csv",
            "data/2024/b.csv",
            "data/2025/c.csv",
            "data/readme.md",
            "logs/x",
        ]
    )
    assert hook.list_keys(bucket, prefix="data/2024/") == ["data/2024/a.csv", "data/2024/b.csv"]
    assert hook.list_keys(bucket, prefix="data/", delimiter="/") == ["data/readme.md"]
    assert hook.list_keys(bucket, delimiter="/") == ["top.txt"]
    assert hook.list_prefixes(bucket, delimiter="/") == ["data/", "logs/"]
    assert hook.list_prefixes(bucket, prefix="data/", delimiter="/") == ["data/2024/", "data/2025/"]
    assert hook.list_keys(bucket, prefix="data/*/*.csv", apply_wildcard=True) == [
        "data/2024/a.csv",
        "data/2024/b.csv",
        "data/2025/c.csv",
    ]
    assert hook.list_keys(bucket, start_after_key="data/2025/c.csv") == [
        "data/readme.md",
        "logs/x",
        "top.txt",
    ]
    assert hook.list_keys(bucket, prefix="nothing/") == []


def test_list_keys_pagination(bucket: str) -> None:
    """page_size sets the keys per request, max_items the total."""
    hook = S3Hook()
    keys = [f"k{i:02d}" for i in range(7)]
    _fill(hook, bucket, keys)
    requests = _count_calls(hook, "ListObjectsV2")
    assert hook.list_keys(bucket, page_size=2) == keys
    assert requests() == 4
    assert hook.list_keys(bucket, page_size=2, max_items=3) == keys[:3]
    assert requests() == 4 + 2
    assert hook.list_keys(bucket) == keys
    assert requests() == 4 + 2 + 1


def test_list_prefixes_pagination(bucket: str) -> None:
    """Common prefixes are collected across pages too."""
    hook = S3Hook()
    _fill(hook, bucket, [f"p{i}/file" for i in range(5)])
    requests = _count_calls(hook, "ListObjectsV2")
    assert hook.list_prefixes(bucket, delimiter="/", page_size=2) == [f"p{i}/" for i in range(5)]
    assert requests() == 3
    assert hook.list_prefixes(bucket, delimiter="/", max_items=2) == ["p0/", "p1/"]


def test_get_file_metadata_and_check_for_prefix(bucket: str) -> None:
    """Object metadata under a prefix (a pattern too), and folder checks."""
    hook = S3Hook()
    hook.load_bytes(b"12345", "in/a.csv", bucket)
    hook.load_bytes(b"1", "in/b.json", bucket)
    entries = hook.get_file_metadata("in/", bucket)
    assert [(e["Key"], e["Size"]) for e in entries] == [("in/a.csv", 5), ("in/b.json", 1)]
    assert [e["Key"] for e in hook.get_file_metadata("in/*.csv", bucket, apply_wildcard=True)] == [
        "in/a.csv"
    ]
    assert hook.check_for_prefix("in", "/", bucket)
    assert hook.check_for_prefix("in/", "/", bucket)
    assert not hook.check_for_prefix("out", "/", bucket)


def test_load_string_read_key_and_replace(bucket: str) -> None:
    """load_string uploads text; without replace an existing key is an error and is kept."""
    hook = S3Hook()
    hook.load_string("héllo", "greeting.txt", bucket)
    assert hook.read_key("greeting.txt", bucket) == "héllo"
    assert hook.read_key(f"s3://{bucket}/greeting.txt") == "héllo"
    with pytest.raises(
        S3KeyExistsError, match=rf"s3://{bucket}/greeting.txt already exists; pass replace=True"
    ):
        hook.load_string("other", "greeting.txt", bucket)
    assert hook.read_key("greeting.txt", bucket) == "héllo"
    hook.load_string("other", "greeting.txt", bucket, replace=True)
    assert hook.read_key("greeting.txt", bucket) == "other"


def test_load_string_encoding_and_gzip(bucket: str) -> None:
    """encoding and compression='gzip' change the stored bytes; other codecs are refused."""
    hook = S3Hook()
    hook.load_string("día", "latin.txt", bucket, encoding="latin-1")
    assert hook.read_key_bytes("latin.txt", bucket) == "día".encode("latin-1")
    hook.load_string("zipped text", "text.gz", bucket, compression="gzip")
    assert gzip.decompress(hook.read_key_bytes("text.gz", bucket)) == b"zipped text"
    with pytest.raises(ValueError, match="compression='zip' is not supported"):
        hook.load_string("x", "x.zip", bucket, compression="zip")


def test_load_bytes_with_encryption_and_extra_args(aws: MotoServer, bucket: str) -> None:
    """encrypt asks for SSE-S3; extra_args reach every upload."""
    hook = S3Hook(extra_args={"ContentType": "application/json"})
    hook.load_bytes(b'{"a": 1}', "doc.json", bucket, encrypt=True)
    head = hook.head_object("doc.json", bucket)
    assert head is not None
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"
    with pytest.raises(S3KeyExistsError):
        hook.load_bytes(b"x", f"s3://{bucket}/doc.json")


def test_load_file_and_download_file(bucket: str, tmp_path: Path) -> None:
    """A file goes up (multipart when large) and comes back identical."""
    source = tmp_path / "big.bin"
    payload = bytes(range(256)) * 40_000  # ~10 MB: above the multipart threshold below
    source.write_bytes(payload)
    hook = S3Hook(transfer_config_args={"multipart_threshold": 5 * 1024 * 1024})
    parts = _count_calls(hook, "UploadPart")
    hook.load_file(source, "files/big.bin", bucket)
    assert parts() >= 2
    with pytest.raises(S3KeyExistsError):
        hook.load_file(source, "files/big.bin", bucket)
    target_dir = tmp_path / "downloads"
    path = Path(hook.download_file("files/big.bin", bucket, local_path=target_dir))
    assert path.parent == target_dir
    assert path.name.startswith("taskloom_tmp_")
    assert path.read_bytes() == payload


def test_load_file_gzip(bucket: str, tmp_path: Path) -> None:
    """gzip=True stores the compressed file."""
    source = tmp_path / "rows.csv"
    source.write_text("a,b\n1,2\n")
    S3Hook().load_file(str(source), f"s3://{bucket}/rows.csv.gz", gzip=True)
    assert gzip.decompress(S3Hook().read_key_bytes("rows.csv.gz", bucket)) == b"a,b\n1,2\n"


def test_load_file_missing_local_file(bucket: str, tmp_path: Path) -> None:
    """A local path that is not a file is named in the error."""
    with pytest.raises(FileNotFoundError, match=r"nope\.csv is not a file"):
        S3Hook().load_file(tmp_path / "nope.csv", "k", bucket)


def test_download_file_preserving_name(bucket: str, tmp_path: Path) -> None:
    """preserve_file_name keeps the key's last part, in a fresh directory unless told otherwise."""
    hook = S3Hook()
    hook.load_string("x", "exports/report.csv", bucket)
    first = Path(
        hook.download_file("exports/report.csv", bucket, tmp_path, preserve_file_name=True)
    )
    second = Path(
        hook.download_file("exports/report.csv", bucket, tmp_path, preserve_file_name=True)
    )
    assert first.name == second.name == "report.csv"
    assert first.parent != second.parent
    plain = Path(
        hook.download_file(
            "exports/report.csv",
            bucket,
            tmp_path,
            preserve_file_name=True,
            use_autogenerated_subdir=False,
        )
    )
    assert plain == tmp_path / "report.csv"
    assert plain.read_text() == "x"
    with pytest.raises(FileExistsError, match=r"report\.csv already exists"):
        hook.download_file(
            "exports/report.csv",
            bucket,
            tmp_path,
            preserve_file_name=True,
            use_autogenerated_subdir=False,
        )


def test_missing_objects_are_clear_errors(bucket: str, tmp_path: Path) -> None:
    """Reading, downloading or copying a missing object names it; no stray file is left."""
    hook = S3Hook()
    message = rf"s3://{bucket}/missing.txt does not exist"
    with pytest.raises(S3KeyNotFoundError, match=message):
        hook.read_key("missing.txt", bucket)
    with pytest.raises(S3KeyNotFoundError, match=message):
        hook.download_file("missing.txt", bucket, tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(S3KeyNotFoundError, match=message):
        hook.copy_object("missing.txt", "copy.txt", bucket, bucket)
    with pytest.raises(S3KeyNotFoundError, match=message):
        hook.get_key("missing.txt", bucket)


def test_check_for_key_and_head_object(bucket: str) -> None:
    """check_for_key and head_object see existing objects only."""
    hook = S3Hook()
    assert not hook.check_for_key("k.txt", bucket)
    assert hook.head_object("k.txt", bucket) is None
    hook.load_string("abc", "k.txt", bucket)
    assert hook.check_for_key("k.txt", bucket)
    assert hook.check_for_key(f"s3://{bucket}/k.txt")
    head = hook.head_object("k.txt", bucket)
    assert head is not None
    assert head["ContentLength"] == 3


def test_get_key(bucket: str) -> None:
    """get_key returns a loaded boto3 s3.Object."""
    hook = S3Hook()
    hook.load_string("abc", "obj.txt", bucket)
    obj = hook.get_key("obj.txt", bucket)
    assert (obj.bucket_name, obj.key, obj.content_length) == (bucket, "obj.txt", 3)
    assert obj.get()["Body"].read() == b"abc"


def test_wildcard_keys(bucket: str) -> None:
    """check_for_wildcard_key / get_wildcard_key match fnmatch patterns."""
    hook = S3Hook()
    _fill(hook, bucket, ["in/2024-01-01.csv", "in/2024-01-02.csv", "in/notes.txt", "other/x.csv"])
    assert hook.check_for_wildcard_key("in/*.csv", bucket)
    assert hook.check_for_wildcard_key(f"s3://{bucket}/in/2024-01-0?.csv")
    assert hook.check_for_wildcard_key("in/[n]otes.*", bucket)
    assert not hook.check_for_wildcard_key("in/*.parquet", bucket)
    found = hook.get_wildcard_key("in/*.csv", bucket)
    assert found is not None
    assert found.key == "in/2024-01-01.csv"
    assert found.get()["Body"].read() == b"content of in/2024-01-01.csv"
    assert hook.get_wildcard_key("*.json", bucket) is None


def test_copy_object(bucket: str) -> None:
    """copy_object copies within and across buckets, URLs or names, with metadata options."""
    hook = S3Hook()
    hook.create_bucket("copy-target")
    hook.load_string("payload", "src.txt", bucket)
    hook.copy_object("src.txt", "dst.txt", bucket, bucket)
    hook.copy_object(f"s3://{bucket}/src.txt", "s3://copy-target/nested/dst.txt")
    response = hook.copy_object(
        "src.txt",
        "replaced.txt",
        bucket,
        "copy-target",
        meta_data_directive="REPLACE",
        acl_policy="private",
    )
    assert "CopyObjectResult" in response
    assert hook.read_key("dst.txt", bucket) == "payload"
    assert hook.read_key("s3://copy-target/nested/dst.txt") == "payload"
    assert hook.read_key("replaced.txt", "copy-target") == "payload"


def test_copy_object_version(bucket: str) -> None:
    """source_version_id copies an older version of a versioned object."""
    hook = S3Hook()
    hook.conn.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = hook.conn.put_object(Bucket=bucket, Key="v.txt", Body=b"one")["VersionId"]
    hook.load_string("two", "v.txt", bucket, replace=True)
    hook.copy_object("v.txt", "v-old.txt", bucket, bucket, source_version_id=first)
    assert hook.read_key("v-old.txt", bucket) == "one"


def test_delete_objects_in_batches_of_1000(bucket: str) -> None:
    """More than 1000 keys are deleted in several requests; missing keys are no error."""
    hook = S3Hook()
    keys = [f"many/{i:04d}" for i in range(1500)]
    existing = [keys[0], keys[999], keys[1000], keys[1499]]  # both ends of both batches
    _fill(hook, bucket, [*existing, "keep.txt"])
    requests = _count_calls(hook, "DeleteObjects")
    hook.delete_objects(bucket, keys)
    assert requests() == 2
    assert hook.list_keys(bucket) == ["keep.txt"]
    hook.delete_objects(bucket, "keep.txt")
    assert hook.list_keys(bucket) == []


def test_presigned_url_works_without_credentials(bucket: str) -> None:
    """A presigned GET URL fetches the object over plain HTTP."""
    hook = S3Hook()
    hook.load_string("shared", "share.txt", bucket)
    url = hook.generate_presigned_url(
        "get_object", {"Bucket": bucket, "Key": "share.txt"}, expires_in=60
    )
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"shared"


def test_copy_object_to_a_missing_bucket(bucket: str) -> None:
    """A missing destination bucket is S3's NoSuchBucket, not "source does not exist"."""
    hook = S3Hook()
    hook.load_string("x", "src.txt", bucket)
    with pytest.raises(ClientError, match="NoSuchBucket") as info:
        hook.copy_object("src.txt", "s3://no-such-target-bucket/dst.txt", bucket)
    assert not isinstance(info.value, S3KeyNotFoundError)
