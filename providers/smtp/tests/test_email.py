"""send_email, and core's failure e-mails that resolve to it, against a real SMTP server."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SENDER

from taskloom.providers.smtp.utils.email import send_email
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.smtp import SMTP_PASSWORD
from taskloom_testing.smtp import SmtpServer


def test_send_email(
    smtp_server: SmtpServer, smtp_conn: Callable[..., None], tmp_path: Path
) -> None:
    """send_email sends through the named connection with the given options."""
    smtp_conn(smtp_server, "smtp_alerts")
    report = tmp_path / "r.txt"
    report.write_text("hello")
    message_id = send_email(
        "ops@example.com; dev@example.com",
        "Alert",
        "<p>disk full</p>",
        files=[str(report)],
        cc="lead@example.com",
        conn_id="smtp_alerts",
        from_email="alerts@example.com",
        custom_headers={"X-Priority": "1"},
    )
    [received] = smtp_server.wait_for_messages(1)
    assert received.message["Message-ID"] == message_id
    assert received.mail_from == "alerts@example.com"
    assert received.message["To"] == "ops@example.com, dev@example.com"
    assert received.message["X-Priority"] == "1"
    assert [p.get_filename() for p in received.message.iter_attachments()] == ["r.txt"]


def test_send_email_unknown_argument() -> None:
    """An argument the hook does not take is named, with the ones it does."""
    with pytest.raises(
        TypeError, match=r"unknown argument.*dryrun; it takes custom_headers, from_email"
    ):
        send_email("a@example.com", "s", "h", dryrun=True)


def test_core_send_email_uses_this_provider(
    smtp_server: SmtpServer, smtp_conn: Callable[..., None]
) -> None:
    """Core's default e-mail backend is this provider's send_email, on smtp_default."""
    from taskloom.utils.email import send_email as core_send_email

    smtp_conn(smtp_server)
    core_send_email(["ops@example.com"], "from core", "<p>x</p>", bcc="audit@example.com")
    [received] = smtp_server.wait_for_messages(1)
    assert received.message["Subject"] == "from core"
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == ["audit@example.com", "ops@example.com"]


def test_failure_email_of_a_task(
    smtp_server: SmtpServer,
    smtp_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """A failing task with email= sends its failure e-mail through this provider; no password in logs."""
    smtp_conn(smtp_server)
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "failing.py").write_text(
        textwrap.dedent(
            """
            import datetime
            from taskloom.models.dag import DAG
            from taskloom.operators.python import PythonOperator

            def boom():
                raise RuntimeError("the load broke")

            with DAG(dag_id="failing", schedule=None, start_date=datetime.datetime(2026, 1, 1)):
                PythonOperator(task_id="load", python_callable=boom, email="oncall@example.com")
            """
        )
    )
    result = run_dag("failing", dags)
    assert result.returncode == 1
    [received] = smtp_server.wait_for_messages(1)
    assert received.rcpt_tos == ["oncall@example.com"]
    assert "load" in received.message["Subject"]
    body = received.message.get_body(preferencelist=("html",))
    assert body is not None
    assert "the load broke" in body.get_content()
    assert SMTP_PASSWORD not in result.logs()
