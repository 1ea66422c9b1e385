"""1.x: a custom BaseSensorOperator with @apply_defaults waits for a file a Bash task writes."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.sensors.base_sensor_operator import BaseSensorOperator  # warns
from taskloom.utils.decorators import apply_defaults

FLAG = os.path.join(os.environ["TASKLOOM_HOME"], "custom_sensor.flag")


class FlagSensor(BaseSensorOperator):
    @apply_defaults  # warns
    def __init__(self, path, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = path

    def poke(self, context):
        return os.path.exists(self.path)


dag = DAG("legacy_custom_sensor", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
write = BashOperator(task_id="write", bash_command=f"touch {FLAG}", dag=dag)
wait = FlagSensor(task_id="wait", path=FLAG, poke_interval=0.1, timeout=30, dag=dag)
write >> wait
