"""A DAG of 200 tasks across two queues, run by two workers with homes of their own (as on two machines)."""

from __future__ import annotations

from collections import Counter

from conftest import Deployment


def test_every_task_runs_once_on_a_worker_serving_its_queue(deployment: Deployment) -> None:
    """200 tasks on alpha, beta and default: each runs exactly once, on a worker serving its queue."""
    first = deployment.worker("first", queues="alpha,default")
    second = deployment.worker("second", queues="beta")
    outcome = deployment.dags_test("two_queues")
    assert outcome.returncode == 0, outcome.output
    states = outcome.task_states()
    assert len(states) == 200
    assert set(states.values()) == {"success"}
    records = deployment.records()
    assert Counter(task_id for task_id, *_ in records) == dict.fromkeys(states, 1)
    home_of = {"alpha": first, "default": first, "beta": second}
    for task_id, try_number, home, queue in records:
        assert try_number == "1"
        assert queue == (task_id.split("_")[0] if "_" in task_id else "default")
        assert home == str(deployment.root / f"home-{home_of[queue].name}"), task_id
    # The XCom each task returned (its worker's home) reached the scheduler side.
    assert outcome.xcom("beta_3") == str(deployment.root / "home-second")
