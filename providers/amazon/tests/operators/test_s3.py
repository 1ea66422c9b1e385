"""Tests of taskloom.providers.amazon.operators.s3, executed against moto's server on 127.0.0.1."""

from __future__ import annotations

import pytest

from taskloom.providers.amazon.exceptions import S3BucketNotEmptyError
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.operators.s3 import S3CopyObjectOperator
from taskloom.providers.amazon.operators.s3 import S3CreateBucketOperator
from taskloom.providers.amazon.operators.s3 import S3DeleteBucketOperator
from taskloom.providers.amazon.operators.s3 import S3DeleteObjectsOperator
from taskloom.providers.amazon.operators.s3 import S3ListOperator
from taskloom_testing.moto import MotoServer


def test_create_bucket_operator(aws: MotoServer) -> None:
    """The bucket is created in the requested region; running again leaves it as it is."""
    op = S3CreateBucketOperator(task_id="create", bucket_name="op-bucket", region_name="eu-west-1")
    op.execute({})
    hook = S3Hook()
    assert hook.conn.get_bucket_location(Bucket="op-bucket")["LocationConstraint"] == "eu-west-1"
    hook.load_string("kept", "k", "op-bucket")
    op.execute({})
    assert hook.read_key("k", "op-bucket") == "kept"


def test_delete_bucket_operator(bucket: str) -> None:
    """force_delete empties the bucket first; without it a full bucket fails the task."""
    hook = S3Hook()
    hook.load_string("x", "a/b", bucket)
    with pytest.raises(S3BucketNotEmptyError):
        S3DeleteBucketOperator(task_id="delete", bucket_name=bucket).execute({})
    S3DeleteBucketOperator(task_id="force", bucket_name=bucket, force_delete=True).execute({})
    assert not hook.check_for_bucket(bucket)
    S3DeleteBucketOperator(task_id="again", bucket_name=bucket).execute({})


def test_list_operator(bucket: str) -> None:
    """The keys are the return value (the task's XCom)."""
    hook = S3Hook()
    for key in ["in/a.csv", "in/b.json", "in/sub/c.csv", "out/d.csv"]:
        hook.load_string("x", key, bucket)
    assert S3ListOperator(task_id="all", bucket=bucket).execute({}) == [
        "in/a.csv",
        "in/b.json",
        "in/sub/c.csv",
        "out/d.csv",
    ]
    assert S3ListOperator(task_id="level", bucket=bucket, prefix="in/", delimiter="/").execute(
        {}
    ) == ["in/a.csv", "in/b.json"]
    assert S3ListOperator(
        task_id="csv", bucket=bucket, prefix="in/*.csv", apply_wildcard=True
    ).execute({}) == ["in/a.csv", "in/sub/c.csv"]


def test_copy_object_operator(bucket: str) -> None:
    """Copies by bucket and key, or by s3:// URLs."""
    hook = S3Hook()
    hook.create_bucket("archive-bucket")
    hook.load_string("data", "src.csv", bucket)
    S3CopyObjectOperator(
        task_id="copy",
        source_bucket_name=bucket,
        source_bucket_key="src.csv",
        dest_bucket_name="archive-bucket",
        dest_bucket_key="2024/src.csv",
    ).execute({})
    S3CopyObjectOperator(
        task_id="copy_urls",
        source_bucket_key=f"s3://{bucket}/src.csv",
        dest_bucket_key=f"s3://{bucket}/copy.csv",
    ).execute({})
    assert hook.read_key("s3://archive-bucket/2024/src.csv") == "data"
    assert hook.read_key("copy.csv", bucket) == "data"


def test_delete_objects_operator(bucket: str) -> None:
    """Deletes the given keys, or everything under a prefix, and nothing else."""
    hook = S3Hook()
    for key in ["tmp/1", "tmp/2", "keep/1", "single"]:
        hook.load_string("x", key, bucket)
    S3DeleteObjectsOperator(task_id="one", bucket=bucket, keys="single").execute({})
    assert not hook.check_for_key("single", bucket)
    S3DeleteObjectsOperator(task_id="prefix", bucket=bucket, prefix="tmp/").execute({})
    assert hook.list_keys(bucket) == ["keep/1"]
    S3DeleteObjectsOperator(task_id="nothing", bucket=bucket, prefix="tmp/").execute({})
    S3DeleteObjectsOperator(task_id="list", bucket=bucket, keys=["keep/1", "gone"]).execute({})
    assert hook.list_keys(bucket) == []


@pytest.mark.parametrize("arguments", [{}, {"keys": ["a"], "prefix": "b/"}])
def test_delete_objects_operator_needs_keys_or_prefix(arguments: dict[str, object]) -> None:
    """Neither or both of keys and prefix is refused when the DAG is defined."""
    with pytest.raises(ValueError, match=r"needs exactly one of keys= .* and prefix="):
        S3DeleteObjectsOperator(task_id="bad", bucket="b", **arguments)


def test_operators_template_fields() -> None:
    """The bucket and key arguments are templated."""
    assert S3ListOperator.template_fields == ("bucket", "prefix", "delimiter")
    assert set(S3CopyObjectOperator.template_fields) >= {"source_bucket_key", "dest_bucket_key"}
    assert S3DeleteObjectsOperator.template_fields == ("keys", "bucket", "prefix")
    assert (
        S3CreateBucketOperator.template_fields
        == S3DeleteBucketOperator.template_fields
        == ("bucket_name",)
    )
