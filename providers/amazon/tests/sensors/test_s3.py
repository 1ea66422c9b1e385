"""Tests of taskloom.providers.amazon.sensors.s3 against moto's server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.sensors.s3 import S3KeySensor


def test_poke_single_key(bucket: str) -> None:
    """False until the object exists, by bucket and key or by s3:// URL."""
    by_name = S3KeySensor(task_id="by_name", bucket_name=bucket, bucket_key="in/file.csv")
    by_url = S3KeySensor(task_id="by_url", bucket_key=f"s3://{bucket}/in/file.csv")
    assert not by_name.poke({})
    assert not by_url.poke({})
    S3Hook().load_string("x", "in/file.csv", bucket)
    assert by_name.poke({})
    assert by_url.poke({})


def test_poke_list_of_keys(bucket: str) -> None:
    """Every key in the list must exist."""
    sensor = S3KeySensor(task_id="all", bucket_name=bucket, bucket_key=["a", "b"])
    hook = S3Hook()
    hook.load_string("x", "a", bucket)
    assert not sensor.poke({})
    hook.load_string("x", "b", bucket)
    assert sensor.poke({})


def test_poke_wildcard(bucket: str) -> None:
    """wildcard_match: one matching object satisfies the pattern."""
    sensor = S3KeySensor(
        task_id="wild", bucket_name=bucket, bucket_key="in/*.csv", wildcard_match=True
    )
    hook = S3Hook()
    hook.load_string("x", "in/notes.txt", bucket)
    hook.load_string("x", "other/a.csv", bucket)
    assert not sensor.poke({})
    hook.load_string("x", "in/2024.csv", bucket)
    assert sensor.poke({})


def test_check_fn_sees_matching_objects(bucket: str) -> None:
    """check_fn gets Key, Size and LastModified of each match and decides."""
    seen: list[list[dict[str, Any]]] = []

    def non_empty(files: list[dict[str, Any]]) -> bool:
        seen.append(files)
        return all(f["Size"] > 0 for f in files)

    sensor = S3KeySensor(
        task_id="check",
        bucket_name=bucket,
        bucket_key=["in/*.csv", "done"],
        wildcard_match=True,
        check_fn=non_empty,
    )
    hook = S3Hook()
    hook.load_string("", "in/empty.csv", bucket)
    hook.load_string("", "done", bucket)
    assert not sensor.poke({})
    assert [(f["Key"], f["Size"]) for f in seen[-1]] == [("in/empty.csv", 0), ("done", 0)]
    assert seen[-1][0]["LastModified"].tzinfo is not None
    hook.load_string("1,2", "in/empty.csv", bucket, replace=True)
    hook.load_string("ok", "done", bucket, replace=True)
    assert sensor.poke({})
    assert [(f["Key"], f["Size"]) for f in seen[-1]] == [("in/empty.csv", 3), ("done", 2)]


def test_template_fields() -> None:
    """bucket_key and bucket_name are templated."""
    assert S3KeySensor.template_fields == ("bucket_key", "bucket_name")
