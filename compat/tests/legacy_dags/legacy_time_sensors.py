"""1.x: TimeDeltaSensor, TimeSensor, DateTimeSensor and DayOfWeekSensor that are already satisfied."""

from datetime import datetime
from datetime import time
from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.sensors.date_time_sensor import DateTimeSensor  # warns
from taskloom.sensors.time_delta_sensor import TimeDeltaSensor  # warns
from taskloom.sensors.time_sensor import TimeSensor
from taskloom.sensors.weekday_sensor import DayOfWeekSensor  # warns

ALL_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

dag = DAG(  # warns
    "legacy_time_sensors", schedule_interval="@daily", start_date=datetime(2024, 1, 1)
)
sensors = [
    TimeDeltaSensor(task_id="delta", delta=timedelta(seconds=-1), poke_interval=0.1, dag=dag),
    TimeSensor(task_id="time", target_time=time(0, 0), poke_interval=0.1, dag=dag),
    DateTimeSensor(
        task_id="date_time", target_time="{{ macros.ds_add(ds, -1) }}", poke_interval=0.1, dag=dag
    ),
    DayOfWeekSensor(task_id="weekday", week_day=ALL_DAYS, use_task_execution_day=True, dag=dag),
]
sensors >> DummyOperator(task_id="done", dag=dag)
