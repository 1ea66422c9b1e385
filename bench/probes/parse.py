"""Inside a benchmark environment: parse a folder of DAG files in this process (no isolation,
as before issue 21) and through the pool of child processes (the scheduler's and the CLI's way).

Usage: ``python parse.py FOLDER ROUNDS``.  Prints JSON, medians over ROUNDS rounds, in seconds:
``inprocess_s`` (DagBag alone), ``cold_s`` (a new pool and no kept verdicts: children started
and every file checked, what the first CLI command after the files changed pays) and
``warm_s`` (a new pool reading the verdicts the cold one kept, as the next CLI command on
unchanged files does: no file is checked in a child); and how many DAGs each way found.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from taskloom.dag_file_processor import DagFileProcessorPool
from taskloom.dag_file_processor import import_timeout
from taskloom.dag_file_verdicts import RACY_SECONDS
from taskloom.dag_file_verdicts import PassedFiles
from taskloom.dag_processing import DagBag

folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
# Verdicts are kept only for files not changed in the last RACY_SECONDS: wait that out, as
# any DAG file not being edited right now is.
newest = max(max(p.stat().st_mtime, p.stat().st_ctime) for p in folder.rglob("*.py"))
time.sleep(max(0.0, newest + RACY_SECONDS + 0.1 - time.time()))
DagBag(folder)  # warm-up: imports taskloom's operator modules once, as any long-lived process has
cache = os.path.join(tempfile.mkdtemp(), "dag-files.json")
times: dict[str, list[float]] = {"inprocess_s": [], "cold_s": [], "warm_s": []}
found = {}
for _ in range(rounds):
    t0 = time.perf_counter()
    found["inprocess"] = len(DagBag(folder))
    t1 = time.perf_counter()
    if os.path.exists(cache):
        os.unlink(cache)
    with DagFileProcessorPool(passed=PassedFiles(cache, import_timeout())) as pool:
        found["cold"] = len(DagBag(folder, processor=pool))
    t2 = time.perf_counter()
    with DagFileProcessorPool(passed=PassedFiles(cache, import_timeout())) as pool:
        found["warm"] = len(DagBag(folder, processor=pool))
    t3 = time.perf_counter()
    times["inprocess_s"].append(t1 - t0)
    times["cold_s"].append(t2 - t1)
    times["warm_s"].append(t3 - t2)
print(json.dumps({**{k: statistics.median(v) for k, v in times.items()}, "dags": found}))
