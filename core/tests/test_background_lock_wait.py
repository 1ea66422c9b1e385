"""A heartbeat thread never stalls a transaction of its own process.

Every call into the DB driver holds the process's driver lock (fork safety).  A
heartbeat that waited inside the driver for a lock held by its process's open
transaction would keep that transaction from reaching the driver to finish: both would
wait until SQLite's 30 s busy timeout ran out, or forever on PostgreSQL.  Background
connections wait at most ``BACKGROUND_LOCK_WAIT`` instead, and retry their beat later.
"""

from __future__ import annotations

import time

import pytest

from taskloom import store
from taskloom.jobs.job import Job
from taskloom.store.connection import BACKGROUND_LOCK_WAIT


def test_a_transaction_holding_the_job_row_is_not_stalled_by_the_job_heartbeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKLOOM__SCHEDULER__JOB_HEARTBEAT_SEC", "0.01")
    conn = store.connect()
    try:
        with Job("test") as job:
            started = time.monotonic()
            with conn.transaction():
                # Lock the job's row (and, on SQLite, the whole DB) while its heartbeat
                # thread keeps trying to write it.
                conn.execute("UPDATE job SET state = state WHERE id = ?", (job.id,))
                time.sleep(0.5)
                conn.execute("UPDATE job SET state = state WHERE id = ?", (job.id,))
            elapsed = time.monotonic() - started
            time.sleep(0.1)  # a beat after the transaction goes through
        row = conn.execute("SELECT state FROM job WHERE id = ?", (job.id,)).fetchone()
    finally:
        conn.close()
    assert elapsed < 0.5 + 10 * BACKGROUND_LOCK_WAIT, f"the transaction waited {elapsed:.1f} s"
    assert row[0] == "success"
