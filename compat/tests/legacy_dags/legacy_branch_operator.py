"""1.x: a BaseBranchOperator subclass (with @apply_defaults) picks a path from params."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.branch_operator import BaseBranchOperator  # warns
from taskloom.utils.decorators import apply_defaults


class ParamBranch(BaseBranchOperator):
    @apply_defaults  # warns
    def __init__(self, choice_param, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choice_param = choice_param

    def choose_branch(self, context):
        return "load_" + context["params"][self.choice_param]


dag = DAG(  # warns
    "legacy_branch_operator",
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
    params={"mode": "full"},
)
branch = ParamBranch(task_id="branch", choice_param="mode", dag=dag)
full = BashOperator(task_id="load_full", bash_command="echo full", dag=dag)
delta = BashOperator(task_id="load_delta", bash_command="exit 1", dag=dag)
branch >> [full, delta]
