"""The example_email DAG, run end to end against a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.smtp import SMTP_PASSWORD
from taskloom_testing.smtp import SmtpServer


def test_example_email(
    smtp_starttls_server: SmtpServer,
    smtp_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
) -> None:
    """The report is built, attached and mailed over STARTTLS with a rendered subject and table."""
    smtp_conn(smtp_starttls_server, starttls=True, ca_file=smtp_starttls_server.ca_file)
    result = run_dag("example_email", None, "2026-01-05")
    assert result.returncode == 0, result.logs()
    assert result.task_states() == {"build_report": "success", "send_report": "success"}
    [received] = smtp_starttls_server.wait_for_messages(1)
    assert received.login == smtp_starttls_server.login
    message = received.message
    assert message["Subject"] == "Sales report for 2026-01-05"
    assert (message["To"], message["Cc"]) == ("ops@example.com", "lead@example.com")
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    html = body.get_content()
    assert "<h1>Sales on 2026-01-05</h1>" in html
    assert "<tr><td>gadget</td><td>6</td><td>119.94</td></tr>" in html
    assert result.run_id in html
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "sales-2026-01-05.csv"
    assert part.get_content().decode().splitlines() == [
        "product,items,revenue",
        "widget,31,77.5",
        "gadget,6,119.94",
        "gizmo,15,108.75",
    ]
    assert result.xcoms()["send_report"] == message["Message-ID"]
    assert SMTP_PASSWORD not in result.logs()
