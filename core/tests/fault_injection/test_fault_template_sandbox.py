"""D7: templates cannot leave the sandbox through a module object; Airflow users' macros still work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from taskloom.utils.templating import create_environment
from taskloom_testing.dagrun import run_dags_test

SANDBOX_DAG = """\
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

MARKER = {marker!r}


def walk(**context):
    '''Every module reachable from the context through public attributes and items, 3 levels deep.'''
    from types import ModuleType

    def children(obj):
        if isinstance(obj, dict):
            return [(repr(key), value) for key, value in obj.items()]
        found = []
        for name in dir(obj):
            if not name.startswith("_"):
                try:
                    found.append((name, getattr(obj, name)))
                except Exception:
                    pass
        return found

    modules = []
    level = [(key, value) for key, value in context.items()]
    for _ in range(3):
        deeper = []
        for path, value in level:
            if isinstance(value, ModuleType):
                modules.append(path)
                continue
            deeper.extend((f"{{path}}.{{name}}", child) for name, child in children(value))
        level = deeper
    return {{"modules": sorted(modules), "walked": len(level)}}


with DAG("sandbox", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="walk", python_callable=walk)
    PythonOperator(
        task_id="macros",
        python_callable=lambda templates_dict: templates_dict,
        templates_dict={{
            "ds_add": "{{{{ macros.ds_add('2024-01-31', 1) }}}}",
            "ds_format": "{{{{ macros.ds_format('2024-01-31', '%Y-%m-%d', '%d/%m/%Y') }}}}",
            "datetime": "{{{{ (macros.datetime(2024, 1, 1) + macros.timedelta(days=2)).day }}}}",
            "time": "{{{{ macros.time.time() > 0 }}}}",
            "uuid": "{{{{ macros.uuid.uuid4() | string | length }}}}",
            "random": "{{{{ 0 <= macros.random() < 1 }}}}",
        }},
    )
    PythonOperator(
        task_id="escape",
        python_callable=lambda templates_dict: templates_dict,
        templates_dict={{"x": "{{{{ macros.uuid.os.popen('touch ' ~ '{marker}').read() }}}}"}},
    )
"""


def test_sandbox_in_a_dag_run(taskloom_home: Path) -> None:
    """D7 in one `dags test` run: the context holds no module three levels deep, Airflow users'
    macros render, and {{ macros.uuid.os.popen(...) }} fails its task without running anything."""
    taskloom_home.mkdir(parents=True, exist_ok=True)
    dag_file = taskloom_home / "sandbox.py"
    dag_file.write_text(SANDBOX_DAG.format(marker=str(taskloom_home / "escaped")))
    outcome = run_dags_test(dag_file, "sandbox", logical_date="2024-01-02")

    walk = outcome.xcom("walk")
    assert walk["walked"] > 1000, walk  # the walk really went three levels down
    assert walk["modules"] == []
    assert outcome.xcom("macros") == {
        "ds_add": "2024-02-01",
        "ds_format": "31/01/2024",
        "datetime": "3",
        "time": "True",
        "uuid": "36",
        "random": "True",
    }
    assert outcome.returncode == 1
    states = outcome.task_states()
    assert states == {"walk": "success", "macros": "success", "escape": "failed"}
    assert "has no attribute 'os'" in outcome.logs()
    assert not (taskloom_home / "escaped").exists()


@pytest.mark.parametrize(
    "template",
    [
        "{{ os.getcwd() }}",
        "{{ helpers.os.getcwd() }}",
        "{{ helpers['os'].getcwd() }}",
        "{{ helpers.get('os').getcwd() }}",
    ],
)
def test_a_module_is_refused_wherever_it_sits_in_the_context(template: str) -> None:
    """Generic: a module as a context name, an attribute, an item or a call's result is refused."""
    env = create_environment(user_defined_macros={"os": os, "helpers": {"os": os}})
    with pytest.raises(SecurityError, match="is a Python module"):
        env.from_string(template).render()
