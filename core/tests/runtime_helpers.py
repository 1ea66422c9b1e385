"""Helpers shared by the runtime tests: the test DAG folder and an in-process CLI runner."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from taskloom import store
from taskloom.cli import main

#: DAG files the runtime tests run.
DAGS = Path(__file__).parent / "dags"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``taskloom ARGS`` in this process; return (exit code, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return int(code), captured.out, captured.err


def task_states(dag_id: str, run_id: str | None = None) -> dict[str, str | None]:
    """Task states of a run (the latest run of the DAG when ``run_id`` is None)."""
    conn = store.connect()
    try:
        if run_id is None:
            run_id = conn.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY logical_date DESC LIMIT 1",
                (dag_id,),
            ).fetchone()[0]
        rows = conn.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: row[1] for row in rows}


def query(sql: str, *args: object) -> list[sqlite3.Row]:
    """Run one read query on the metadata DB."""
    conn = store.connect()
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


#: Mails "sent" through :func:`record_mail` (the email backend the runtime tests configure).
SENT_MAILS: list[dict[str, object]] = []


def record_mail(to: list[str], subject: str, html_content: str, **kwargs: object) -> str:
    """An email backend that records what it is asked to send."""
    SENT_MAILS.append({"to": to, "subject": subject, "html_content": html_content, **kwargs})
    return "<recorded>"
