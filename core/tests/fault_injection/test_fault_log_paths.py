"""S4, D13: log paths are injective and within filesystem limits, whatever the ids."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from taskloom.utils.log import base_log_folder
from taskloom.utils.log import log_path
from taskloom.utils.log.task_log import encode_component
from taskloom_testing.cli import run_taskloom

#: Ids as users and attackers write them: any text, with the characters that matter often.
IDS = st.text(
    alphabet=st.one_of(st.sampled_from("/_%~.:+- \\é"), st.characters(exclude_categories=("Cs",))),
    min_size=1,
    max_size=400,
)
NAME_MAX = 255


@settings(max_examples=500, deadline=None)
@given(a=IDS, b=IDS)
def test_encoding_is_injective(a: str, b: str) -> None:
    """Two different ids never share a path component."""
    assert (encode_component(a) == encode_component(b)) == (a == b)


@settings(max_examples=300, deadline=None)
@given(dag_id=IDS, run_id=IDS, task_id=IDS, attempt=st.integers(1, 10_000))
def test_every_component_fits_and_stays_in_the_log_folder(
    dag_id: str, run_id: str, task_id: str, attempt: int
) -> None:
    """Each component is under NAME_MAX bytes, and the path never leaves the log folder."""
    path = log_path(dag_id, run_id, task_id, attempt)
    root = base_log_folder()
    relative = path.relative_to(root)
    assert len(relative.parts) == 4
    for part in relative.parts:
        assert len(part.encode()) < NAME_MAX
        assert part not in (".", "..")
    assert os.path.normpath(path) == str(path)


@given(run_id=st.sampled_from(["coll/x", "coll_x", "coll%2Fx", "coll\\x"]))
def test_colliding_ids_of_the_issue_get_their_own_folder(run_id: str) -> None:
    """D13: coll/x, coll_x, and their look-alikes map to different folders."""
    others = {"coll/x", "coll_x", "coll%2Fx", "coll\\x"} - {run_id}
    mine = log_path("d", run_id, "t", 1)
    assert all(log_path("d", other, "t", 1) != mine for other in others)


LONG_IDS_DAG = """\
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

with DAG("long_ids", schedule=None) as dag:
    PythonOperator(task_id="t" * 250, python_callable=lambda run_id: print("ran", run_id))
"""


def test_long_and_colliding_ids_run_under_the_scheduler_with_separate_logs(
    taskloom_home: Path,
) -> None:
    """S4/D13: a 250-char task id, a 300-char run id and coll/x vs coll_x all run; each log is its own."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "long_ids.py").write_text(LONG_IDS_DAG)
    run_ids = ["r" * 300, "coll/x", "coll_x"]
    for run_id in run_ids:
        triggered = run_taskloom("dags", "trigger", "long_ids", "-r", run_id)
        assert triggered.returncode == 0, triggered.stderr
    scheduler = run_taskloom("scheduler", "--once", "-x", "local", timeout=120)
    assert scheduler.returncode == 0, scheduler.stdout + scheduler.stderr
    assert "File name too long" not in scheduler.stderr
    for run_id in run_ids:
        assert f"long_ids {run_id}: success" in scheduler.stdout
        logs = run_taskloom("tasks", "logs", "long_ids", "t" * 250, run_id)
        assert logs.returncode == 0, logs.stderr
        assert f"ran {run_id}\n" in logs.stdout
        assert all(f"ran {other}\n" not in logs.stdout for other in set(run_ids) - {run_id})
