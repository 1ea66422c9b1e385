"""Who owns a DAG run or a running task instance, and whether that owner is known to be dead.

An owner is ``host:pid:start``: this machine's name, the process id and the process's start
time (clock ticks since boot, from ``/proc/<pid>/stat``).  A PID is reused by the system;
the pair (PID, start time) is not, so a new process with an old PID is never mistaken for
the owner.  An owner on another host is never *known* dead: its work is left alone.

This module is the one place that decides liveness.  When the metadata store records
heartbeats, :func:`is_known_dead` is the function to replace.
"""

from __future__ import annotations

import functools
import os
import socket

#: Stand-in start time where ``/proc`` does not exist (the PID alone then decides).
_UNKNOWN_START = "?"


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid``; ``None`` if there is no such (live) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return _pid_exists(pid)
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # a zombie has finished: dead, only not reaped yet
        return None
    return fields[19]  # field 22 of proc(5): starttime


def _pid_exists(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists, owned by another user
    return _UNKNOWN_START


def current_owner() -> str:
    """This process as an owner: ``host:pid:start`` (computed once per process, and again
    in a forked child, which has its own PID)."""
    return _owner(os.getpid())


@functools.cache
def _owner(pid: int) -> str:
    start = _start_time(pid) if os.path.exists("/proc") else _UNKNOWN_START
    return f"{socket.gethostname()}:{pid}:{start or _UNKNOWN_START}"


def is_known_dead(owner: str | None) -> bool:
    """Whether ``owner`` (a :func:`current_owner` value, or ``None`` for no owner) is dead.

    ``True`` for no owner, for a process that no longer exists on this host, and for a PID
    that now belongs to a process started at another time.  ``False`` when it may be alive:
    alive here, or on another host (which this host cannot see).
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    actual = _start_time(int(pid_text)) if os.path.exists("/proc") else _pid_exists(int(pid_text))
    if actual is None:
        return True
    return _UNKNOWN_START not in (start, actual) and actual != start
