"""1.x: a custom sensor subclassing BaseSensorOperator from base_sensor_operator."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.sensors.base_sensor_operator import BaseSensorOperator  # warns


class CountdownSensor(BaseSensorOperator):
    """Succeeds on its third poke."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pokes = 0

    def poke(self, context):
        self.pokes += 1
        return self.pokes >= 3


dag = DAG("legacy_sensor", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
CountdownSensor(task_id="countdown", poke_interval=0.01, timeout=30, dag=dag)
