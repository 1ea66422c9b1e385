"""Inside the webserver benchmark environment: fill a metadata DB, serve it, time the pages.

Usage: ``python webserver.py HOME DAGS RUNS REQUESTS``.  Writes DAGS small DAGs and one DAG
of 200 tasks into ``HOME/dags``, makes RUNS runs of the 200-task DAG by running it
(``taskloom dags test``, one task of each run failing, so its log page has a traceback),
records every DAG in the store (``taskloom scheduler --num-runs 1``; the small DAGs have no
schedule, so nothing else runs), starts ``taskloom webserver`` and logs in.  Then it asks
REQUESTS times for each page, after a warm-up, and prints JSON: per page the server's own
time (its ``Server-Timing`` header) and the client's, p50 and p99 in ms; and the server
process's RSS (now and peak) in MiB.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlencode

home, n_dags, n_runs, n_requests = (
    Path(sys.argv[1]),
    int(sys.argv[2]),
    int(sys.argv[3]),
    int(sys.argv[4]),
)
dags = home / "dags"
dags.mkdir(parents=True, exist_ok=True)
(dags / "bench_many.py").write_text(
    "from datetime import datetime\n"
    "from taskloom.models.dag import DAG\n"
    "from taskloom.operators.empty import EmptyOperator\n"
    f"for i in range({n_dags}):\n"
    "    with DAG(f'bench_dag_{i:04d}', schedule=None, start_date=datetime(2026, 1, 1),\n"
    "             tags=['bench', f'group{i % 10}']) as dag:\n"
    "        EmptyOperator(task_id='a') >> EmptyOperator(task_id='b')\n"
    "    globals()[f'dag_{i}'] = dag\n"
)
(dags / "bench_wide.py").write_text(
    "from datetime import datetime\n"
    "from taskloom.models.dag import DAG\n"
    "from taskloom.operators.empty import EmptyOperator\n"
    "from taskloom.operators.python import PythonOperator\n"
    "def fail():\n"
    "    for i in range(200):\n"
    "        print(f'line {i} of the log before the failure')\n"
    "    raise RuntimeError('the benchmark task fails on purpose')\n"
    "with DAG('bench_wide', schedule=None, start_date=datetime(2026, 1, 1)) as dag:\n"
    "    tasks = [EmptyOperator(task_id=f't{i:03d}') for i in range(199)]\n"
    "    for up, down in zip(tasks, tasks[1:]):\n"
    "        up >> down\n"
    "    tasks[-1] >> PythonOperator(task_id='last', python_callable=fail)\n"
)
env = {**os.environ, "TASKLOOM_HOME": str(home), "TASKLOOM_DAGS_FOLDER": str(dags)}


def taskloom(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "taskloom", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 1):  # 1: the run failed, as the DAG means it to
        raise SystemExit(f"taskloom {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


started = time.perf_counter()
first = datetime(2026, 1, 1)
run_ids = []
for i in range(n_runs):
    out = taskloom("dags", "test", "bench_wide", (first + timedelta(hours=i)).isoformat())
    run_ids.append(re.findall(r"^Run (\S+): \w+$", out, re.MULTILINE)[-1])
taskloom("scheduler", "--num-runs", "1")
taskloom(
    "users", "create", "bench", "--role", "viewer", "--password-stdin", stdin="bench-password-123\n"
)
fill_s = time.perf_counter() - started

with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
server = subprocess.Popen(
    [sys.executable, "-m", "taskloom", "webserver", "--port", str(port)],
    env=env,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
try:
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the webserver did not start") from None
            time.sleep(0.1)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(path: str, cookie: str = "") -> http.client.HTTPResponse:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return response

    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    login_cookie = page.getheader("set-cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    body = urlencode(
        {"username": "bench", "password": "bench-password-123", "csrf_token": token, "next": "/"}
    )
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie},
    )
    answer = conn.getresponse()
    answer.read()
    session = answer.getheader("set-cookie", "").split(";")[0]
    assert session.startswith("taskloom_session="), "login failed"
    run = quote(run_ids[-1], safe="")
    pages = {
        "dag_list": "/",
        "grid": "/dags/bench_wide",
        "task_log": f"/dags/bench_wide/runs/{run}/tasks/last",
    }
    results: dict[str, dict[str, float]] = {}
    for name, path in pages.items():
        for _ in range(10):  # warm-up (the first request parses the DAG folder)
            assert get(path, session).status == 200, path
        server_ms, client_ms = [], []
        for _ in range(n_requests):
            t0 = time.perf_counter()
            response = get(path, session)
            client_ms.append((time.perf_counter() - t0) * 1000)
            assert response.status == 200, (path, response.status)
            timing = response.getheader("Server-Timing", "")
            server_ms.append(float(timing.split("dur=")[1]))

        def pct(values: list[float], q: int) -> float:
            return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

        results[name] = {
            "server_p50_ms": statistics.median(server_ms),
            "server_p99_ms": pct(server_ms, 99),
            "client_p50_ms": statistics.median(client_ms),
            "client_p99_ms": pct(client_ms, 99),
        }
    status = Path(f"/proc/{server.pid}/status").read_text()
    kib = {
        k: int(v.split()[0])
        for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.+)$", status, re.MULTILINE)
    }
finally:
    server.terminate()
    server.wait()
print(
    json.dumps(
        {
            "dags": n_dags + 1,
            "runs": n_runs,
            "tasks_per_run": 200,
            "requests": n_requests,
            "fill_s": fill_s,
            "pages": results,
            "rss_mib": kib["VmRSS"] / 1024,
            "peak_rss_mib": kib["VmHWM"] / 1024,
        }
    )
)
