"""1.x: contrib's FileSensor, PythonSensor and BashSensor, one in reschedule mode."""

import os
from datetime import datetime

from taskloom.contrib.sensors.bash_sensor import BashSensor  # warns
from taskloom.contrib.sensors.file_sensor import FileSensor  # warns
from taskloom.contrib.sensors.python_sensor import PythonSensor  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns

FOLDER = os.path.join(os.environ["TASKLOOM_HOME"], "contrib_sensors")

dag = DAG(  # warns
    "legacy_contrib_sensors", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
write = BashOperator(
    task_id="write", bash_command=f"mkdir -p {FOLDER} && touch {FOLDER}/{{{{ ds }}}}.done", dag=dag
)
file_wait = FileSensor(
    task_id="file", filepath=FOLDER + "/{{ ds }}.done", poke_interval=0.1, timeout=30, dag=dag
)
python_wait = PythonSensor(
    task_id="python",
    python_callable=lambda ds: os.path.exists(os.path.join(FOLDER, ds + ".done")),
    mode="reschedule",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
bash_wait = BashSensor(
    task_id="bash",
    bash_command=f"ls {FOLDER} | grep -q done",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
write >> [file_wait, python_wait, bash_wait]
