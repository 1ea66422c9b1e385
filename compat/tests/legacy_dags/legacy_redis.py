"""1.x: RedisHook, RedisPublishOperator and RedisKeySensor from taskloom.contrib."""

from datetime import datetime

from taskloom.contrib.hooks.redis_hook import RedisHook  # warns
from taskloom.contrib.operators.redis_publish_operator import RedisPublishOperator  # warns
from taskloom.contrib.sensors.redis_key_sensor import RedisKeySensor  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def set_key(**context):
    RedisHook(redis_conn_id="redis_default").get_conn().set("legacy:ready", context["ds"])


dag = DAG("legacy_redis", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

setter = PythonOperator(  # warns
    task_id="set_key", python_callable=set_key, provide_context=True, dag=dag
)
sensor = RedisKeySensor(
    task_id="wait_key",
    key="legacy:ready",
    redis_conn_id="redis_default",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
publish = RedisPublishOperator(
    task_id="publish",
    channel="legacy",
    message="done {{ ds }}",
    redis_conn_id="redis_default",
    dag=dag,
)
setter.set_downstream(sensor)
sensor.set_downstream(publish)
