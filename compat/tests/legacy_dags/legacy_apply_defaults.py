"""1.x: a custom operator decorated with @apply_defaults, its arguments from default_args."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.models import BaseOperator  # warns
from taskloom.utils.decorators import apply_defaults

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "apply_defaults.txt")


class GreetOperator(BaseOperator):
    template_fields = ("greeting",)

    @apply_defaults  # warns
    def __init__(self, greeting, target="world", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.greeting = greeting
        self.target = target

    def execute(self, context):
        with open(OUT, "a") as fh:
            fh.write(f"{self.greeting} {self.target}\n")
        return self.target


default_args = {"owner": "legacy", "target": "taskloom", "retries": 0}
dag = DAG(  # warns
    "legacy_apply_defaults",
    default_args=default_args,
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
)
greet = GreetOperator(task_id="greet", greeting="hello {{ ds }}", dag=dag)
