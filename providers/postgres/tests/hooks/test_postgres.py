"""Tests of ``hooks/postgres.py``: PostgresHook against a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from taskloom.providers.postgres.hooks.conninfo import PostgresExtraError
from taskloom.providers.postgres.hooks.postgres import PostgresHook
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.postgres import PostgresSslServer
from tests.conftest import ConnectionSetter
from tests.conftest import RunSql

# --- connecting ----------------------------------------------------------------------------


def test_get_conn_logs_in_with_the_connection_password(postgres_default: PostgresServer) -> None:
    """The hook logs in as the connection's user, to its database, checked by scram-sha-256."""
    with PostgresHook().get_conn() as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
    assert row == (postgres_default.user, postgres_default.database)


def test_conn_id_argument_and_positional_form(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """``postgres_conn_id=`` and the positional connection id pick the connection."""
    set_connection("warehouse")
    assert PostgresHook(postgres_conn_id="warehouse").get_first("SELECT 1") == (1,)
    assert PostgresHook("warehouse").get_first("SELECT 2") == (2,)


def test_get_conn_autocommit(postgres_default: PostgresServer) -> None:
    """``get_conn(autocommit=True)`` runs statements that refuse a transaction; the default is a transaction."""
    hook = PostgresHook()
    with hook.get_conn() as conn:
        assert conn.autocommit is False
    with hook.get_conn(autocommit=True) as conn:
        conn.execute("CREATE DATABASE from_autocommit")
        conn.execute("DROP DATABASE from_autocommit")


def test_run_with_autocommit(postgres_default: PostgresServer, run_sql: RunSql) -> None:
    """``run(..., autocommit=True)`` (core's DbApiHook) switches psycopg's autocommit on."""
    PostgresHook().run("CREATE TABLE t (x int)")
    PostgresHook().run("VACUUM t", autocommit=True)
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):
        PostgresHook().run("VACUUM t")


def test_database_argument_overrides_the_schema(
    postgres_default: PostgresServer, postgres_server: PostgresServer
) -> None:
    """``database=`` (Airflow's name) and ``schema=`` (DbApiHook's) both pick another database."""
    assert PostgresHook(database=postgres_server.database).get_first(
        "SELECT current_database()"
    ) == (postgres_server.database,)
    assert PostgresHook(schema=postgres_server.database).get_first("SELECT current_database()") == (
        postgres_server.database,
    )


def test_extras_reach_the_session(
    pg: PostgresServer, set_connection: ConnectionSetter, run_sql: RunSql
) -> None:
    """application_name, options, connect_timeout and sslmode=disable from the extra reach libpq."""
    run_sql("CREATE SCHEMA sales")
    set_connection(
        extra={
            "application_name": "nightly-etl",
            "options": "-c search_path=sales -c statement_timeout=12345",
            "connect_timeout": 5,
            "sslmode": "disable",
        }
    )
    row = PostgresHook().get_first(
        "SELECT current_setting('application_name'), current_schema(), current_setting('statement_timeout')"
    )
    assert row == ("nightly-etl", "sales", "12345ms")


def test_sslmode_require_fails_clearly_without_ssl(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """sslmode=require is really applied: the test server has no SSL, so libpq refuses to log in."""
    set_connection(extra={"sslmode": "require"})
    with pytest.raises(psycopg.OperationalError, match="server does not support SSL"):
        PostgresHook().get_conn()


def test_bad_extra_fails_before_connecting(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """A misspelt extra is refused with a PostgresExtraError naming the connection and the field."""
    set_connection(extra={"ssl_mode": "require"})
    with pytest.raises(
        PostgresExtraError, match="connection 'postgres_default', extra field 'ssl_mode'"
    ):
        PostgresHook().get_conn()


def test_wrong_password_is_a_clear_error_without_the_secret(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """A wrong password raises libpq's message plus a note naming the connection; no password in either."""
    wrong = "Wr0ng-p@ssw0rd-zz"
    set_connection(password=wrong)
    with pytest.raises(psycopg.OperationalError) as info:
        PostgresHook().get_conn()
    text = "\n".join([str(info.value), *getattr(info.value, "__notes__", [])])
    assert 'password authentication failed for user "taskloom"' in text
    assert (
        "check host, port, login, password and SSL settings of connection 'postgres_default'"
        in text
    )
    assert wrong not in text
    assert pg.password not in text


def test_test_connection_reports_the_server_version(postgres_default: PostgresServer) -> None:
    """test_connection() logs in and names the server version."""
    ok, message = PostgresHook().test_connection()
    assert ok, message
    assert message.startswith("Connection successfully tested: PostgreSQL 1")


def test_test_connection_failure_is_reported_not_raised(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """A wrong password makes test_connection() return False with libpq's reason and no secret."""
    wrong = "an0ther-wr0ng-secret"
    set_connection(password=wrong)
    ok, message = PostgresHook().test_connection()
    assert not ok
    assert message.startswith("OperationalError: ")
    assert "password authentication failed" in message
    assert wrong not in message


# --- SSL ------------------------------------------------------------------------------------


def test_ssl_extras_log_in_with_a_client_certificate(
    postgres_ssl_server: PostgresSslServer, set_ssl_connection: ConnectionSetter
) -> None:
    """sslmode=verify-full, sslrootcert, sslcert, sslkey and sslkey_password get through an SSL-only server."""
    set_ssl_connection()
    row = PostgresHook().get_first(
        "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    )
    assert row == (True, f"/CN={postgres_ssl_server.user}")


def test_ssl_wrong_key_password_is_clear_and_secret_free(
    postgres_ssl_server: PostgresSslServer, set_ssl_connection: ConnectionSetter
) -> None:
    """A wrong sslkey_password names the key file that could not be loaded, never a password."""
    wrong = "not-the-key-password"
    server = postgres_ssl_server
    extra = {
        "sslmode": "verify-full",
        "sslrootcert": str(server.ca_cert),
        "sslcert": str(server.client_cert),
    }
    set_ssl_connection(extra={**extra, "sslkey": str(server.client_key), "sslkey_password": wrong})
    ok, message = PostgresHook().test_connection()
    assert not ok
    assert f'could not load private key file "{postgres_ssl_server.client_key}"' in message
    for secret in (wrong, postgres_ssl_server.client_key_password, postgres_ssl_server.password):
        assert secret not in message


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"sslmode": "disable"}, "no encryption"),
        ({"sslmode": "require"}, "connection requires a valid client certificate"),
        ({"sslmode": "verify-full"}, "root certificate file"),
    ],
)
def test_ssl_settings_are_enforced(
    set_ssl_connection: ConnectionSetter, extra: dict[str, str], reason: str
) -> None:
    """Without the right SSL extras the SSL-only server (or libpq itself) refuses, saying why."""
    set_ssl_connection(extra=extra)
    with pytest.raises(psycopg.OperationalError, match=reason):
        PostgresHook().get_conn()


# --- get_uri -------------------------------------------------------------------------------


def test_get_uri_percent_encodes_and_connects(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """The URI encodes the password's special characters and psycopg logs in with it as it is."""
    set_connection(extra={"application_name": "uri test", "sslmode": "disable"})
    uri = PostgresHook().get_uri()
    assert uri.startswith(f"postgresql://{pg.user}:{quote(pg.password, safe='')}@")
    assert uri.endswith(
        f"@{pg.host}:{pg.port}/{pg.database}?application_name=uri%20test&sslmode=disable"
    )
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "SELECT current_database(), current_setting('application_name')"
        ).fetchone()
    assert row == (pg.database, "uri test")


def test_get_uri_uses_libpq_names_and_the_database_override(
    pg: PostgresServer, set_connection: ConnectionSetter
) -> None:
    """sslkey_password is written as libpq's sslpassword; ``database=`` replaces the path."""
    set_connection(extra={"sslkey_password": "k3y/pass"})
    assert (
        PostgresHook(database="other db")
        .get_uri()
        .endswith(f":{pg.port}/other%20db?sslpassword=k3y%2Fpass")
    )


def test_get_uri_without_credentials_or_port(set_connection: ConnectionSetter) -> None:
    """Empty login, password and port are left out; an IPv6 host gets brackets."""
    set_connection(host="::1", port=None, login=None, password=None, schema="db")
    assert PostgresHook().get_uri() == "postgresql://[::1]/db"


# --- insert_rows ---------------------------------------------------------------------------


def test_insert_rows_in_committed_batches(
    postgres_default: PostgresServer, run_sql: RunSql
) -> None:
    """Rows go in batches of commit_every; a failing batch keeps the batches committed before it."""
    run_sql("CREATE TABLE items (id int PRIMARY KEY, label text)")
    hook = PostgresHook()
    assert (
        hook.insert_rows(
            "items", [(i, f"item {i}") for i in range(10)], ["id", "label"], commit_every=4
        )
        == 10
    )
    rows = [(i, "again") for i in range(100, 106)] + [(1, "duplicate")]
    with pytest.raises(psycopg.errors.UniqueViolation):
        hook.insert_rows("items", rows, ["id", "label"], commit_every=3)
    assert run_sql("SELECT count(*) FROM items") == [(16,)]


def test_insert_rows_one_execute_per_row(postgres_default: PostgresServer, run_sql: RunSql) -> None:
    """executemany=False sends one statement per row, with the same result."""
    run_sql("CREATE TABLE items (id int, label text)")
    assert (
        PostgresHook().insert_rows("items", [(1, "a"), (2, "b")], executemany=False, commit_every=0)
        == 2
    )
    assert run_sql("SELECT * FROM items ORDER BY id") == [(1, "a"), (2, "b")]


def test_insert_rows_quotes_reserved_column_names(
    postgres_default: PostgresServer, run_sql: RunSql
) -> None:
    """Columns named like SQL keywords (``order``, ``user``) are quoted; table names are taken as written."""
    run_sql('CREATE SCHEMA s; CREATE TABLE s.t ("order" int, "user" text)')
    PostgresHook().insert_rows("s.t", [(1, "ann")], target_fields=["order", "user"])
    assert run_sql('SELECT "order", "user" FROM s.t') == [(1, "ann")]


def test_insert_rows_replace_upserts(postgres_default: PostgresServer, run_sql: RunSql) -> None:
    """replace=True updates rows whose key exists and inserts the others (ON CONFLICT ... DO UPDATE)."""
    run_sql("CREATE TABLE cities (name text PRIMARY KEY, population int, country text)")
    hook = PostgresHook()
    hook.insert_rows(
        "cities", [("Porto", 1, "PT"), ("Lyon", 2, "FR")], ["name", "population", "country"]
    )
    written = hook.insert_rows(
        "cities",
        [("Porto", 232000, "PT"), ("Braga", 193000, "PT")],
        ["name", "population", "country"],
        replace=True,
        replace_index="name",
    )
    assert written == 2
    assert run_sql("SELECT * FROM cities ORDER BY name") == [
        ("Braga", 193000, "PT"),
        ("Lyon", 2, "FR"),
        ("Porto", 232000, "PT"),
    ]


def test_insert_rows_replace_on_every_key_column_does_nothing(
    postgres_default: PostgresServer, run_sql: RunSql
) -> None:
    """When every column is in the key there is nothing to update: existing rows are kept."""
    run_sql("CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b))")
    hook = PostgresHook()
    hook.insert_rows("pairs", [(1, 1)], ["a", "b"])
    hook.insert_rows("pairs", [(1, 1), (1, 2)], ["a", "b"], replace=True, replace_index=["a", "b"])
    assert run_sql("SELECT * FROM pairs ORDER BY b") == [(1, 1), (1, 2)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replace": True}, "needs target_fields .* and replace_index"),
        (
            {"replace": True, "target_fields": ["a"], "use_copy": True},
            "replace=True cannot use COPY",
        ),
        ({"commit_every": -1}, "commit_every must be 0 or more"),
    ],
)
def test_insert_rows_bad_arguments(
    postgres_default: PostgresServer, kwargs: dict[str, Any], message: str
) -> None:
    """Argument combinations that cannot work are refused before anything is written."""
    with pytest.raises(ValueError, match=message):
        PostgresHook().insert_rows("t", [(1,)], **kwargs)


def test_insert_rows_with_copy(postgres_default: PostgresServer, run_sql: RunSql) -> None:
    """use_copy=True streams the rows with COPY, in committed batches, values adapted by psycopg."""
    run_sql("CREATE TABLE measures (id int, note text, value numeric, tags text[])")
    rows = [(i, "tab\tand\nnewline" if i == 0 else None, i / 4, ["a", "b"]) for i in range(2500)]
    hook = PostgresHook()
    assert (
        hook.insert_rows("measures", rows, ["id", "note", "value", "tags"], use_copy=True) == 2500
    )
    assert run_sql("SELECT count(*), sum(value) FROM measures")[0][0] == 2500
    assert run_sql("SELECT note, tags FROM measures WHERE id = 0") == [
        ("tab\tand\nnewline", ["a", "b"])
    ]


def test_insert_rows_with_copy_reaches_the_server_as_copy(
    postgres_default: PostgresServer, run_sql: RunSql
) -> None:
    """COPY really is used: a table that refuses COPY (a view) makes the load fail, INSERT works."""
    run_sql("CREATE TABLE base (x int); CREATE VIEW v AS SELECT x FROM base")
    hook = PostgresHook()
    hook.insert_rows("v", [(1,)])
    with pytest.raises(psycopg.errors.WrongObjectType, match="cannot copy to view"):
        hook.insert_rows("v", [(2,)], use_copy=True)
    assert run_sql("SELECT x FROM base") == [(1,)]


# --- COPY files ----------------------------------------------------------------------------


def test_bulk_dump_and_bulk_load_round_trip(
    postgres_default: PostgresServer, run_sql: RunSql, tmp_path: Path
) -> None:
    """bulk_dump writes COPY's tab-separated text; bulk_load reads it back unchanged."""
    run_sql("CREATE TABLE src (id int, label text); CREATE TABLE dst (id int, label text)")
    run_sql("INSERT INTO src VALUES (1, 'one'), (2, E'two\\twith tab'), (3, NULL)")
    dump = tmp_path / "src.tsv"
    hook = PostgresHook()
    hook.bulk_dump("src", dump)
    assert dump.read_text() == "1\tone\n2\ttwo\\twith tab\n3\t\\N\n"
    hook.bulk_load("dst", dump)
    assert run_sql("SELECT * FROM dst ORDER BY id") == [(1, "one"), (2, "two\twith tab"), (3, None)]


def test_copy_expert_with_csv_options(
    postgres_default: PostgresServer, run_sql: RunSql, tmp_path: Path
) -> None:
    """copy_expert writes COPY ... TO STDOUT output to the file and sends the file to COPY ... FROM STDIN."""
    run_sql("CREATE TABLE people (name text, city text)")
    csv_in = tmp_path / "in.csv"
    csv_in.write_text('name,city\nAna,"Lisbon, PT"\nBo,Oslo\n')
    hook = PostgresHook()
    hook.copy_expert("COPY people FROM STDIN WITH (FORMAT csv, HEADER)", csv_in)
    assert run_sql("SELECT * FROM people ORDER BY name") == [("Ana", "Lisbon, PT"), ("Bo", "Oslo")]
    csv_out = tmp_path / "out" / "people.csv"
    csv_out.parent.mkdir()
    csv_out.write_text("stale content that must be replaced, longer than the export itself\n" * 3)
    hook.copy_expert(
        "COPY (SELECT * FROM people ORDER BY name) TO STDOUT WITH (FORMAT csv, HEADER)", csv_out
    )
    assert csv_out.read_text() == 'name,city\nAna,"Lisbon, PT"\nBo,Oslo\n'


def test_copy_expert_missing_input_file(
    postgres_default: PostgresServer, run_sql: RunSql, tmp_path: Path
) -> None:
    """COPY ... FROM STDIN with a missing file names the file; nothing is loaded."""
    run_sql("CREATE TABLE t (x int)")
    with pytest.raises(FileNotFoundError, match=r"missing\.tsv does not exist"):
        PostgresHook().copy_expert("COPY t FROM STDIN", tmp_path / "missing.tsv")
    assert run_sql("SELECT count(*) FROM t") == [(0,)]


def test_copy_expert_refuses_other_statements(
    postgres_default: PostgresServer, tmp_path: Path
) -> None:
    """A statement that is not a COPY with the client is refused, and no file is written."""
    with pytest.raises(
        psycopg.ProgrammingError, match=r"COPY \.\.\. TO STDOUT or COPY \.\.\. FROM STDIN"
    ):
        PostgresHook().copy_expert("SELECT 1", tmp_path / "x")
    assert not (tmp_path / "x").exists()


# --- server-side cursors -------------------------------------------------------------------


def test_iter_records_walks_a_large_result(postgres_default: PostgresServer) -> None:
    """iter_records yields every row of a result in order, with parameters."""
    rows = PostgresHook().iter_records(
        "SELECT g FROM generate_series(1, %s) AS g", [25000], chunk_size=1000
    )
    total = 0
    for expected, (value,) in enumerate(rows, start=1):
        assert value == expected
        total += value
    assert total == 25000 * 25001 // 2


def test_get_records_chunked_sizes(postgres_default: PostgresServer) -> None:
    """get_records_chunked yields lists of chunk_size rows, the last one shorter."""
    chunks = list(
        PostgresHook().get_records_chunked(
            "SELECT g FROM generate_series(1, 10) AS g WHERE g > %(low)s", {"low": 0}, chunk_size=4
        )
    )
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]
    assert chunks[2] == [(9,), (10,)]


def test_iter_records_uses_a_server_side_cursor(
    postgres_default: PostgresServer, run_sql: RunSql
) -> None:
    """While iterating, the server holds a named cursor and the hook FETCHes chunk_size rows at a time."""
    rows = PostgresHook().iter_records("SELECT g FROM generate_series(1, 100) AS g", chunk_size=7)
    assert next(rows) == (1,)
    (query,) = run_sql(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend'"
    )[0]
    assert query.startswith("FETCH FORWARD 7 FROM")
    assert '"taskloom_' in query
    rows.close()


@pytest.mark.parametrize("method", ["iter_records", "get_records_chunked"])
def test_chunk_size_must_be_positive(postgres_default: PostgresServer, method: str) -> None:
    """A chunk_size below 1 is refused."""
    with pytest.raises(ValueError, match="chunk_size must be at least 1, got 0"):
        next(getattr(PostgresHook(), method)("SELECT 1", chunk_size=0))


# --- what DbApiHook adds -------------------------------------------------------------------


def test_core_sql_methods_work_on_postgres(postgres_default: PostgresServer) -> None:
    """run, get_records and get_first from core's DbApiHook work with psycopg and %s/%(name)s placeholders."""
    hook = PostgresHook()
    hook.run("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2), (3)", split_statements=True)
    assert hook.get_records("SELECT x FROM t WHERE x > %s ORDER BY x", [1]) == [(2,), (3,)]
    assert hook.get_first("SELECT count(*) FROM t WHERE x <> %(skip)s", {"skip": 2}) == (2,)
    assert hook.run(["SELECT 1", "SELECT 2"], handler=lambda cur: cur.fetchone()) == [(1,), (2,)]


def test_test_connection_reports_a_missing_connection() -> None:
    """test_connection() on an undefined connection returns False with core's lookup message."""
    ok, message = PostgresHook(postgres_conn_id="nowhere").test_connection()
    assert not ok
    assert "nowhere" in message
