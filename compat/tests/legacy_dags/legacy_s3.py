"""1.x: S3Hook, AwsHook and S3KeySensor from their old modules, against S3 (connection aws_default)."""

from datetime import datetime

from taskloom.contrib.hooks.aws_hook import AwsHook  # warns
from taskloom.hooks.S3_hook import S3Hook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.sensors.s3_key_sensor import S3KeySensor  # warns

BUCKET = "legacy-bucket"


def upload(**context):
    hook = S3Hook(aws_conn_id="aws_default")
    assert isinstance(hook, AwsHook)
    if not hook.check_for_bucket(BUCKET):
        hook.create_bucket(bucket_name=BUCKET)
    hook.load_string("hello", key=f"data/{context['ds']}.txt", bucket_name=BUCKET, replace=True)


dag = DAG("legacy_s3", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

put = PythonOperator(  # warns
    task_id="upload", python_callable=upload, provide_context=True, dag=dag
)
wait = S3KeySensor(
    task_id="wait",
    bucket_key=f"s3://{BUCKET}/data/*.txt",
    wildcard_match=True,
    aws_conn_id="aws_default",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
put.set_downstream(wait)
