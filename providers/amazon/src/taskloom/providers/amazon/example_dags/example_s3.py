"""Example: a daily report's round trip through S3, with every S3 operator and the sensor.

``create_bucket`` makes the bucket (left alone if it exists); ``write_report`` writes a
CSV file under ``$TASKLOOM_HOME/example_s3/``; ``upload_report`` puts it at
``incoming/<ds>/report.csv``; ``wait_for_report`` waits until a non-empty CSV file is
under ``incoming/<ds>/``; ``archive_report`` copies it to ``archive/<ds>/report.csv``;
``list_archive`` returns the archived keys (its XCom); ``read_archive`` reads the copy
back through ``S3Hook``; ``delete_incoming`` deletes what is under ``incoming/``; and
``delete_bucket`` removes the bucket with what is left in it, even when a task failed.

Every task uses the ``aws_default`` connection; the bucket is
``$TASKLOOM_EXAMPLE_S3_BUCKET`` (default ``taskloom-example-s3``)::

    export TASKLOOM_CONN_AWS_DEFAULT='aws://AKIAIOSFODNN7EXAMPLE:wJalr%2FK7MDENG@/?region_name=eu-west-1'
    taskloom dags test example_s3

Each run leaves nothing behind, so the DAG can run again and again.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from taskloom import configuration
from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.operators.s3 import S3CopyObjectOperator
from taskloom.providers.amazon.operators.s3 import S3CreateBucketOperator
from taskloom.providers.amazon.operators.s3 import S3DeleteBucketOperator
from taskloom.providers.amazon.operators.s3 import S3DeleteObjectsOperator
from taskloom.providers.amazon.operators.s3 import S3ListOperator
from taskloom.providers.amazon.sensors.s3 import S3KeySensor
from taskloom.providers.amazon.transfers.local_to_s3 import LocalFilesystemToS3Operator

BUCKET = os.environ.get("TASKLOOM_EXAMPLE_S3_BUCKET", "taskloom-example-s3")
#: The rows of the report ``write_report`` writes.
ROWS = [("region", "orders"), ("north", "120"), ("south", "95")]


def report_path(ds_nodash: str) -> Path:
    """Where ``write_report`` writes the run's CSV file."""
    return configuration.home() / "example_s3" / f"report_{ds_nodash}.csv"


def write_report(ds_nodash: str) -> str:
    """Write :data:`ROWS` as CSV; return the file's path (the upload task's ``filename``)."""
    path = report_path(ds_nodash)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{a},{b}\n" for a, b in ROWS))
    print(f"wrote {path}")  # task code's stdout goes to the task log
    return str(path)


def read_archive(ds: str) -> str:
    """Read the archived report back from S3 and return its text."""
    text = S3Hook().read_key(f"s3://{BUCKET}/archive/{ds}/report.csv")
    print(f"archived report has {len(text.splitlines())} lines")
    return text


with DAG(
    "example_s3",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    tags=["example", "amazon"],
    description="A daily report's round trip through S3.",
) as dag:
    create_bucket = S3CreateBucketOperator(task_id="create_bucket", bucket_name=BUCKET)
    write = PythonOperator(
        task_id="write_report",
        python_callable=write_report,
        op_kwargs={"ds_nodash": "{{ ds_nodash }}"},
    )
    upload = LocalFilesystemToS3Operator(
        task_id="upload_report",
        filename="{{ ti.xcom_pull(task_ids='write_report') }}",
        dest_bucket=BUCKET,
        dest_key="incoming/{{ ds }}/report.csv",
        replace=True,
    )
    wait = S3KeySensor(
        task_id="wait_for_report",
        bucket_name=BUCKET,
        bucket_key="incoming/{{ ds }}/*.csv",
        wildcard_match=True,
        check_fn=lambda files: all(f["Size"] > 0 for f in files),
        poke_interval=1,
        timeout=60,
    )
    archive = S3CopyObjectOperator(
        task_id="archive_report",
        source_bucket_name=BUCKET,
        source_bucket_key="incoming/{{ ds }}/report.csv",
        dest_bucket_name=BUCKET,
        dest_bucket_key="archive/{{ ds }}/report.csv",
    )
    listing = S3ListOperator(task_id="list_archive", bucket=BUCKET, prefix="archive/")
    read = PythonOperator(
        task_id="read_archive", python_callable=read_archive, op_kwargs={"ds": "{{ ds }}"}
    )
    delete_incoming = S3DeleteObjectsOperator(
        task_id="delete_incoming", bucket=BUCKET, prefix="incoming/"
    )
    delete_bucket = S3DeleteBucketOperator(
        task_id="delete_bucket", bucket_name=BUCKET, force_delete=True, trigger_rule="all_done"
    )

    chain(
        create_bucket, write, upload, wait, archive, [listing, read], delete_incoming, delete_bucket
    )
