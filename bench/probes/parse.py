"""Inside a benchmark environment: parse a folder of DAG files in this process (no isolation,
as before issue 21) and through the pool of child processes (the scheduler's and the CLI's way).

Usage: ``python parse.py FOLDER ROUNDS``.  Prints JSON, medians over ROUNDS rounds, in seconds:
``inprocess_s`` (DagBag alone), ``cold_s`` (a new pool: children started and every file
checked, what each CLI command pays) and ``warm_s`` (the scheduler's re-read with its pool:
unchanged files are not checked again); and how many DAGs each way found.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from taskloom.dag_file_processor import DagFileProcessorPool
from taskloom.dag_processing import DagBag

folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
DagBag(folder)  # warm-up: imports taskloom's operator modules once, as any long-lived process has
times: dict[str, list[float]] = {"inprocess_s": [], "cold_s": [], "warm_s": []}
found = {}
for _ in range(rounds):
    t0 = time.perf_counter()
    found["inprocess"] = len(DagBag(folder))
    t1 = time.perf_counter()
    with DagFileProcessorPool() as pool:
        found["cold"] = len(DagBag(folder, processor=pool))
        t2 = time.perf_counter()
        found["warm"] = len(DagBag(folder, processor=pool))
        t3 = time.perf_counter()
    times["inprocess_s"].append(t1 - t0)
    times["cold_s"].append(t2 - t1)
    times["warm_s"].append(t3 - t2)
print(json.dumps({**{k: statistics.median(v) for k, v in times.items()}, "dags": found}))
