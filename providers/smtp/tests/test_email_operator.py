"""EmailOperator in DAG runs against a real SMTP server: templating, attachments, masked logs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.providers.smtp.operators.smtp import EmailOperator
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.smtp import SMTP_PASSWORD
from taskloom_testing.smtp import SmtpServer

DAG_FILE = """
import datetime

from taskloom.models.dag import DAG
from taskloom.providers.smtp.operators.smtp import EmailOperator

with DAG(dag_id="mail", schedule=None, start_date=datetime.datetime(2026, 1, 1),
         params={"team": "data"}) as dag:
    EmailOperator(
        task_id="send",
        to="{{ params.team }}@example.com",
        cc="lead@example.com",
        bcc=["audit@example.com"],
        subject="Load for {{ ds }} done",
        html_content="body.html",
        files=["{{ params.team }}.csv"],
        custom_headers={"X-Run": "{{ run_id }}"},
    )
"""


def test_templated_email_from_a_dag(
    smtp_server: SmtpServer,
    smtp_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Subject, recipients, the .html body file, attachments and headers are rendered, then sent."""
    smtp_conn(smtp_server)
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "mail.py").write_text(DAG_FILE)
    (dags / "body.html").write_text("<p>Run <b>{{ run_id }}</b> for team {{ params.team }}.</p>")
    attachment = tmp_path / "data.csv"
    attachment.write_text("a,b\n1,2\n")
    monkeypatch.chdir(tmp_path)  # the attachment path is relative to the working directory
    result = run_dag("mail", dags, "2026-03-04")
    assert result.returncode == 0, result.logs()
    [received] = smtp_server.wait_for_messages(1)
    message = received.message
    assert message["Subject"] == "Load for 2026-03-04 done"
    assert message["To"] == "data@example.com"
    assert message["Cc"] == "lead@example.com"
    assert message["X-Run"] == result.run_id
    assert sorted(received.rcpt_tos) == [
        "audit@example.com",
        "data@example.com",
        "lead@example.com",
    ]
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    assert body.get_content() == f"<p>Run <b>{result.run_id}</b> for team data.</p>"
    [part] = list(message.iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("data.csv", b"a,b\n1,2\n")
    assert result.xcoms()["send"] == message["Message-ID"]
    assert SMTP_PASSWORD not in result.logs()


def test_wrong_password_fails_the_task_without_leaking_it(
    smtp_server: SmtpServer,
    smtp_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """A refused login fails the task with a clear error; the task log never holds the password."""
    wrong = "Wr0ng-" + SMTP_PASSWORD
    smtp_conn(smtp_server, password=wrong)
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "mail.py").write_text(
        textwrap.dedent(
            """
            import datetime
            from taskloom.models.dag import DAG
            from taskloom.providers.smtp.operators.smtp import EmailOperator

            with DAG(dag_id="mail", schedule=None, start_date=datetime.datetime(2026, 1, 1)):
                EmailOperator(task_id="send", to="ops@example.com", subject="s", html_content="h")
            """
        )
    )
    result = run_dag("mail", dags)
    assert result.returncode == 1
    assert result.task_states() == {"send": "failed"}
    assert (
        "refused the login 'mailer' (535); check the connection's login and password"
        in result.logs()
    )
    assert wrong not in result.logs()
    assert smtp_server.messages == []


def test_operator_defaults() -> None:
    """The operator keeps Airflow's argument names and defaults."""
    op = EmailOperator(task_id="t", to="a@example.com", subject="s", html_content="h")
    assert (op.conn_id, op.mime_subtype, op.mime_charset, op.files, op.from_email) == (
        "smtp_default",
        "mixed",
        "utf-8",
        [],
        None,
    )
    assert ".html" in op.template_ext
    assert {"to", "subject", "html_content", "files", "cc", "bcc"} <= set(op.template_fields)
