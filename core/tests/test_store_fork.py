"""A process forked while another thread of its parent is inside the DB driver (the
heartbeat threads write all the time) must not inherit that thread's driver locks."""

from __future__ import annotations

import os
import threading
import time

from taskloom import store


def _wait(pid: int, seconds: float) -> int | None:
    """The child's exit status, or ``None`` if it still runs after ``seconds`` (then killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_children_forked_during_writes_of_another_thread_do_not_hang() -> None:
    stop = threading.Event()

    def write_all_the_time() -> None:
        conn = store.connect()
        try:
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO variable(key, val) VALUES ('beat', ?) "
                    "ON CONFLICT(key) DO UPDATE SET val = excluded.val",
                    (str(time.monotonic()) * 50,),
                )
        finally:
            conn.close()

    writer = threading.Thread(target=write_all_the_time, daemon=True)
    writer.start()
    try:
        for _ in range(40):
            pid = os.fork()
            if pid == 0:  # the child: its first SQLite calls, then leave without cleanup
                try:
                    conn = store.connect()
                    conn.execute("SELECT count(*) FROM variable").fetchone()
                    conn.close()
                finally:
                    os._exit(0)
            assert _wait(pid, 10) == 0
    finally:
        stop.set()
        writer.join()
