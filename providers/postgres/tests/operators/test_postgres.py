"""Tests of ``operators/postgres.py``: PostgresOperator, run through ``taskloom dags test``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from taskloom.operators.sql import SQLExecuteQueryOperator
from taskloom.providers.postgres.operators.postgres import PostgresOperator
from taskloom_testing.postgres import PostgresServer
from tests.conftest import ConnectionSetter
from tests.conftest import DagRunner
from tests.conftest import RunSql

DAG_HEADER = """
import datetime

from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.providers.postgres.hooks.postgres import PostgresHook
from taskloom.providers.postgres.operators.postgres import PostgresOperator

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
"""


def _dag_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "dags" / "postgres_dag.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(DAG_HEADER + body)
    return path


def test_familiar_arguments_map_to_sql_execute_query_operator() -> None:
    """postgres_conn_id and database land where SQLExecuteQueryOperator reads them; sql stays templated."""
    op = PostgresOperator(
        task_id="q", sql="SELECT 1", postgres_conn_id="warehouse", database="sales"
    )
    assert isinstance(op, SQLExecuteQueryOperator)
    assert (op.conn_id, op.database) == ("warehouse", "sales")
    assert {"sql", "parameters"} <= set(op.template_fields)
    assert ".sql" in op.template_ext
    assert PostgresOperator(task_id="d", sql="SELECT 1").conn_id == "postgres_default"


def test_operator_runs_templated_sql_with_parameters_and_pushes_rows(
    postgres_default: PostgresServer,
    postgres_server: PostgresServer,
    dags_test: DagRunner,
    run_sql: RunSql,
    tmp_path: Path,
) -> None:
    """Templated SQL, parameters, scripts, autocommit and database= all work in a real DAG run."""
    dag_file = _dag_file(
        tmp_path,
        f"""
with DAG("postgres_operator", schedule=None, start_date=START):
    chain(
        PostgresOperator(task_id="create", sql="CREATE TABLE runs (day date PRIMARY KEY, note text)"),
        PostgresOperator(
            task_id="record",
            postgres_conn_id="postgres_default",
            sql="INSERT INTO runs VALUES ('{{{{ ds }}}}', %(note)s)",
            parameters={{"note": "by {{{{ dag.dag_id }}}}"}},
        ),
        PostgresOperator(task_id="script", sql="UPDATE runs SET note = note || '!'; SELECT day::text, note FROM runs"),
        PostgresOperator(task_id="vacuum", sql="VACUUM ANALYZE runs", autocommit=True),
        PostgresOperator(task_id="other_db", database={postgres_server.database!r}, sql="SELECT current_database()"),
    )
""",
    )
    outcome = dags_test(dag_file, "postgres_operator")
    assert outcome.returncode == 0, outcome.output
    assert run_sql("SELECT day::text, note FROM runs") == [("2026-01-02", "by postgres_operator!")]
    assert outcome.xcom("script") == [["2026-01-02", "by postgres_operator!"]]
    assert outcome.xcom("other_db") == [[postgres_server.database]]


def test_operator_without_autocommit_cannot_vacuum(
    postgres_default: PostgresServer, dags_test: DagRunner, tmp_path: Path
) -> None:
    """autocommit matters: VACUUM inside a transaction fails the task with PostgreSQL's reason."""
    dag_file = _dag_file(
        tmp_path,
        """
with DAG("postgres_vacuum", schedule=None, start_date=START):
    PostgresOperator(task_id="vacuum", sql="VACUUM", retries=0)
""",
    )
    outcome = dags_test(dag_file, "postgres_vacuum")
    assert outcome.returncode == 1
    assert "VACUUM cannot run inside a transaction block" in outcome.logs()


def test_secrets_are_masked_in_task_logs(
    pg: PostgresServer, set_connection: ConnectionSetter, dags_test: DagRunner, tmp_path: Path
) -> None:
    """A task that prints the hook's URI shows *** for the password and sslkey_password in its log."""
    key_password = "k3y-p@ss/w0rd-42"
    set_connection(extra={"sslkey_password": key_password, "application_name": "masked"})
    dag_file = _dag_file(
        tmp_path,
        """
def show_uri():
    print("connecting to", PostgresHook().get_uri())

with DAG("postgres_masking", schedule=None, start_date=START):
    PythonOperator(task_id="show_uri", python_callable=show_uri)
""",
    )
    outcome = dags_test(dag_file, "postgres_masking")
    assert outcome.returncode == 0, outcome.output
    logs = outcome.logs()
    assert f"connecting to postgresql://{pg.user}:***@{pg.host}:{pg.port}/{pg.database}?" in logs
    assert "sslpassword=***" in logs
    for secret in (pg.password, key_password):
        for form in (secret, quote(secret, safe="")):
            assert form not in logs
            assert form not in outcome.output


def test_wrong_password_fails_the_task_clearly_without_the_secret(
    pg: PostgresServer, set_connection: ConnectionSetter, dags_test: DagRunner, tmp_path: Path
) -> None:
    """A wrong password fails the task; its log has libpq's reason and the connection to fix, no password."""
    wrong = "Wr0ng-Secret-For-Logs"
    set_connection(password=wrong)
    dag_file = _dag_file(
        tmp_path,
        """
with DAG("postgres_wrong_password", schedule=None, start_date=START):
    PostgresOperator(task_id="query", sql="SELECT 1", retries=0)
""",
    )
    outcome = dags_test(dag_file, "postgres_wrong_password")
    assert outcome.returncode == 1
    logs = outcome.logs()
    assert f'password authentication failed for user "{pg.user}"' in logs
    assert (
        "check host, port, login, password and SSL settings of connection 'postgres_default'"
        in logs
    )
    for form in (wrong, quote(wrong, safe=""), pg.password):
        assert form not in logs
        assert form not in outcome.output
