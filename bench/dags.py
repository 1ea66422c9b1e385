"""Generate the benchmark DAG files, the same shapes for taskloom and for Airflow.

- ``chain``: N PythonOperators, each downstream of the previous one;
- ``fan``: one start task, N-2 parallel PythonOperators, one end task;
- ``chains`` (:func:`write_recorded` only): N tasks in W parallel chains.

Every task calls a function that does nothing, so what is measured is the engine; in the
DAGs of :func:`write_recorded` it appends one line to a file (the exactly-once count).
"""

from __future__ import annotations

from pathlib import Path

HEADERS = {
    "taskloom": (
        "from taskloom import DAG\nfrom taskloom.operators.python import PythonOperator\n"
    ),
    "airflow": (
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.python import PythonOperator\n"
    ),
}

BODY = """import datetime


def noop():
    return None


with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_tasks={width},
):
    tasks = [PythonOperator(task_id=f"t{{i}}", python_callable=noop) for i in range({n})]
{wiring}
"""

WIRING = {
    "chain": "    for upstream, downstream in zip(tasks, tasks[1:]):\n        upstream >> downstream\n",
    "fan": "    tasks[0] >> tasks[1:-1]\n    for t in tasks[1:-1]:\n        t >> tasks[-1]\n",
}


def dag_id(shape: str, n: int) -> str:
    return f"bench_{shape}_{n}"


def write(folder: Path, system: str, shape: str, n: int) -> str:
    """Write the DAG file into ``folder``; return its dag_id."""
    folder.mkdir(parents=True, exist_ok=True)
    did = dag_id(shape, n)
    text = HEADERS[system] + BODY.format(dag_id=did, n=n, width=max(n, 16), wiring=WIRING[shape])
    (folder / f"{did}.py").write_text(text)
    return did


def write_many(folder: Path, system: str, count: int, tasks: int) -> list[str]:
    """Write ``count`` chain DAG files of ``tasks`` tasks each (ids ``bench_parse_<i>``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(count):
        did = f"bench_parse_{i}"
        body = BODY.format(dag_id=did, n=tasks, width=16, wiring=WIRING["chain"])
        (folder / f"{did}.py").write_text(HEADERS[system] + body)
        ids.append(did)
    return ids


RECORDED_BODY = """import datetime
import os

from taskloom import DAG
from taskloom.operators.python import PythonOperator

RAN_FILE = os.environ.get("BENCH_RAN_FILE", os.devnull)


def record(run_id, ti):
    # One write() of a short line to an O_APPEND file: never interleaved with another's.
    fd = os.open(RAN_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{{run_id}} {{ti.task_id}}\\n".encode())
    finally:
        os.close(fd)


with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_tasks={n},
):
    tasks = [PythonOperator(task_id=f"t{{i}}", python_callable=record) for i in range({n})]
{wiring}
"""

RECORDED_WIRING = {
    "fan": WIRING["fan"],
    "chains": (
        "    for i in range({width}, len(tasks)):\n        tasks[i - {width}] >> tasks[i]\n"
    ),
}


def write_recorded(folder: Path, shape: str, n: int, width: int = 1) -> str:
    """Write a ``fan`` or ``chains`` (``width`` chains) DAG of ``n`` tasks that record each
    run of a task in ``$BENCH_RAN_FILE``; return its dag_id."""
    folder.mkdir(parents=True, exist_ok=True)
    did = f"bench_{shape}_{n}" + (f"x{width}" if shape == "chains" else "") + "_recorded"
    wiring = RECORDED_WIRING[shape].format(width=width)
    (folder / f"{did}.py").write_text(RECORDED_BODY.format(dag_id=did, n=n, wiring=wiring))
    return did


RECORDING_BODY = """import datetime
import os


def record(ti):
    fd = os.open({record!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (ti.task_id + "\\n").encode())
    finally:
        os.close(fd)


with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    max_active_tasks={n},
):
    tasks = [PythonOperator(task_id=f"t{{i}}", python_callable=record) for i in range({n})]
    tasks[0] >> tasks[1:-1]
    for t in tasks[1:-1]:
        t >> tasks[-1]
"""


def write_recording_fan(folder: Path, n: int, record: Path) -> str:
    """A taskloom ``fan`` DAG of ``n`` tasks that each append their task id to ``record``
    (to count executions: lost and duplicated tasks); return its dag_id."""
    folder.mkdir(parents=True, exist_ok=True)
    did = f"bench_recorded_fan_{n}"
    text = HEADERS["taskloom"] + RECORDING_BODY.format(dag_id=did, n=n, record=str(record))
    (folder / f"{did}.py").write_text(text)
    return did
