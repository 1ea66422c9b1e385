"""1.x: settings through taskloom.configuration (conf object and module-level get)."""

import os
from datetime import datetime

from taskloom import configuration
from taskloom.configuration import conf
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

DAGS_FOLDER = conf.get("core", "dags_folder")


def check():
    home = os.environ["TASKLOOM_HOME"]
    assert configuration.get("core", "dags_folder") == DAGS_FOLDER
    assert conf.get("core", "taskloom_home") == home
    assert conf.getint("core", "not_a_setting", fallback=3) == 3
    assert conf.getboolean("core", "not_a_flag", fallback=True) is True
    assert not conf.has_option("core", "not_a_setting")


dag = DAG("legacy_configuration", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
PythonOperator(task_id="check", python_callable=check, dag=dag)
