"""1.x: taskloom.utils.timezone for start dates and comparisons."""

from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.utils import timezone

START = timezone.datetime(2024, 1, 1)


def check(logical_date):
    assert timezone.is_localized(START)
    assert timezone.convert_to_utc(logical_date) == logical_date
    assert timezone.utcnow() >= logical_date - timedelta(seconds=1)
    assert timezone.make_aware(START.replace(tzinfo=None)) == START


dag = DAG("legacy_timezone", schedule_interval=None, start_date=START)  # warns
PythonOperator(task_id="check", python_callable=check, dag=dag)
