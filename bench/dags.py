"""Generate the benchmark DAG files, the same shapes for taskloom and for Airflow.

- ``chain``: N PythonOperators, each downstream of the previous one;
- ``fan``: one start task, N-2 parallel PythonOperators, one end task;

Every task calls a function that does nothing, so what is measured is the engine.
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
