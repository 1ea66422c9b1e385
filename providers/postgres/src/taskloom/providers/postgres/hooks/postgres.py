"""The PostgreSQL hook: SQL, COPY and server-side cursors through psycopg 3."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import Final
from urllib.parse import quote
from urllib.parse import urlencode

import psycopg
from psycopg import sql as pgsql

from taskloom.hooks.dbapi import DbApiHook
from taskloom.providers.postgres.hooks.conninfo import libpq_params
from taskloom.providers.postgres.hooks.conninfo import row_factory

#: Rows a server-side cursor fetches per round trip unless told otherwise.
DEFAULT_CHUNK_SIZE: Final = 2000
#: Bytes read from a file per COPY ... FROM STDIN message.
COPY_BLOCK_SIZE: Final = 1 << 16


class PostgresHook(DbApiHook):
    """Run SQL on PostgreSQL through psycopg 3, with COPY and server-side cursors.

    Host, port, login, password and schema (the database) come from the connection; its
    extra adds libpq parameters such as ``sslmode``, ``sslcert``, ``sslkey``,
    ``sslrootcert``, ``connect_timeout``, ``application_name`` and ``options``, plus
    ``sslkey_password`` (libpq's ``sslpassword``, masked as a secret) and ``cursor``
    (``tuple``, ``dict`` or ``namedtuple`` rows).

    :param postgres_conn_id: id of the connection to use, default ``postgres_default``.
    :param database: a database to use instead of the connection's schema.
    """

    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "PostgreSQL"
    supports_autocommit = True
    placeholder = "%s"

    def __init__(self, *args: Any, database: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Overrides the connection's schema when set.
        self.database = database

    # --- connecting --------------------------------------------------------------------

    def _connect_params(self) -> dict[str, Any]:
        """Keyword arguments for :func:`psycopg.connect` (they hold the password)."""
        conn_id = self.get_conn_id()
        conn = self.get_connection(conn_id)
        extra = conn.extra_dejson
        params: dict[str, Any] = {
            "host": conn.host,
            "port": conn.port,
            "user": conn.login,
            "password": conn.password,
            "dbname": self.database or conn.schema,
        }
        params = {key: value for key, value in params.items() if value is not None}
        params.update(libpq_params(conn_id, extra))
        params["row_factory"] = row_factory(conn_id, extra)
        return params

    def get_conn(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        """Open a new connection; the caller closes it (``with hook.get_conn() as conn:``).

        :param autocommit: commit every statement as it runs (needed for statements such
            as ``CREATE DATABASE`` or ``VACUUM`` that refuse to run in a transaction).
        :raises psycopg.OperationalError: the server is unreachable or refused the login;
            a note on the error names the connection to fix.
        """
        params = self._connect_params()
        try:
            return psycopg.connect(autocommit=autocommit, **params)
        except psycopg.OperationalError as exc:
            # libpq's message names host, port and user, never the password.
            exc.add_note(
                f"taskloom: check host, port, login, password and SSL settings of "
                f"connection {self.get_conn_id()!r}."
            )
            raise

    def get_uri(self) -> str:
        """A SQLAlchemy-style ``postgresql://`` URI, every part percent-encoded.

        libpq parameters from the extra (``sslmode``, ...) become query parameters; the
        ``cursor`` extra, which only the hook understands, is left out.
        """
        conn_id = self.get_conn_id()
        conn = self.get_connection(conn_id)
        userinfo = ""
        if conn.login is not None:
            userinfo = quote(conn.login, safe="")
            if conn.password is not None:
                userinfo += ":" + quote(conn.password, safe="")
            userinfo += "@"
        host = conn.host or ""
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        port = f":{conn.port}" if conn.port else ""
        database = quote(self.database or conn.schema or "", safe="")
        query = urlencode(libpq_params(conn_id, conn.extra_dejson), quote_via=quote)
        return f"postgresql://{userinfo}{host}{port}/{database}" + (f"?{query}" if query else "")

    # --- rows in -----------------------------------------------------------------------

    def insert_rows(  # type: ignore[override]
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
        *,
        replace_index: str | Sequence[str] | None = None,
        use_copy: bool = False,
        **kwargs: Any,
    ) -> int:
        """Insert ``rows`` into ``table``: batched ``executemany`` (pipelined), or COPY.

        ``table`` is ``name`` or ``schema.name``; each part is quoted as an identifier,
        so it is taken exactly as written (case included).

        :param target_fields: column names, in the order of each row's values.
        :param commit_every: rows per batch; each batch is committed, so a failure keeps
            the batches before it. ``0`` commits once at the end.
        :param replace: upsert (``INSERT ... ON CONFLICT (replace_index) DO UPDATE``);
            needs ``target_fields`` and ``replace_index``.
        :param replace_index: the column(s) of the unique index ``replace`` conflicts on.
        :param use_copy: stream the rows with ``COPY ... FROM STDIN`` (fastest for large
            loads; not combinable with ``replace``).
        :returns: the number of rows written.
        :raises ValueError: ``replace`` without ``target_fields``/``replace_index``, or
            combined with ``use_copy``.
        """
        if kwargs:
            raise TypeError(f"insert_rows() got unexpected arguments: {', '.join(sorted(kwargs))}")
        fields = list(target_fields) if target_fields else None
        if replace and use_copy:
            raise ValueError("insert_rows: replace=True cannot use COPY; drop use_copy=True.")
        if replace and (not fields or not replace_index):
            raise ValueError(
                "insert_rows(replace=True) needs target_fields (the columns) and replace_index "
                "(the column(s) of the unique index to conflict on)."
            )
        with self.get_conn() as conn:
            if use_copy:
                return self._copy_rows(conn, table, rows, fields, commit_every)
            written = 0
            with conn.cursor() as cur:
                for batch in _batches(rows, commit_every):
                    width = len(fields) if fields else len(batch[0])
                    statement = _insert_statement(
                        table, fields, width, replace_index if replace else None
                    )
                    cur.executemany(statement, batch)
                    conn.commit()
                    written += len(batch)
                    self.log.info("insert_rows: %d rows written to %s", written, table)
            return written

    def _copy_rows(
        self,
        conn: psycopg.Connection[Any],
        table: str,
        rows: Iterable[Sequence[Any]],
        fields: list[str] | None,
        commit_every: int,
    ) -> int:
        columns = (
            pgsql.SQL(" ({})").format(pgsql.SQL(", ").join(map(pgsql.Identifier, fields)))
            if fields
            else pgsql.SQL("")
        )
        statement = pgsql.SQL("COPY {}{} FROM STDIN").format(_table_identifier(table), columns)
        written = 0
        with conn.cursor() as cur:
            for batch in _batches(rows, commit_every):
                with cur.copy(statement) as copy:
                    for row in batch:
                        copy.write_row(row)
                conn.commit()
                written += len(batch)
                self.log.info("insert_rows (COPY): %d rows written to %s", written, table)
        return written

    # --- COPY --------------------------------------------------------------------------

    def copy_expert(self, sql: str, filename: str | Path) -> None:
        """Run a ``COPY ... FROM STDIN`` or ``COPY ... TO STDOUT`` statement with a file.

        The direction comes from the statement: ``FROM STDIN`` reads ``filename`` and
        sends it; ``TO STDOUT`` writes what the server sends into ``filename`` (created or
        truncated). Options such as ``WITH (FORMAT csv, HEADER)`` are the statement's.

        :raises FileNotFoundError: ``FROM STDIN`` and ``filename`` does not exist.
        :raises ValueError: the statement is not a ``COPY`` to or from the client.
        """
        path = Path(filename)
        with self.get_conn() as conn, conn.cursor() as cur:
            with cur.copy(sql) as copy:
                status = cur.pgresult.status if cur.pgresult is not None else None
                if status == psycopg.pq.ExecStatus.COPY_OUT:
                    with path.open("wb") as out:
                        for block in copy:
                            out.write(block)
                elif status == psycopg.pq.ExecStatus.COPY_IN:
                    if not path.is_file():
                        raise FileNotFoundError(
                            f"copy_expert: {path} does not exist; COPY ... FROM STDIN reads it."
                        )
                    with path.open("rb") as source:
                        while block := source.read(COPY_BLOCK_SIZE):
                            copy.write(block)
                else:
                    raise ValueError(
                        "copy_expert needs COPY ... FROM STDIN or COPY ... TO STDOUT; "
                        "for other statements use run()."
                    )
            conn.commit()

    def bulk_load(self, table: str, tmp_file: str | Path) -> None:
        """Load a tab-separated file (PostgreSQL's COPY text format) into ``table``."""
        statement = pgsql.SQL("COPY {} FROM STDIN").format(_table_identifier(table))
        self.copy_expert(statement.as_string(None), tmp_file)

    def bulk_dump(self, table: str, tmp_file: str | Path) -> None:
        """Write ``table`` to a tab-separated file (PostgreSQL's COPY text format)."""
        statement = pgsql.SQL("COPY {} TO STDOUT").format(_table_identifier(table))
        self.copy_expert(statement.as_string(None), tmp_file)

    # --- rows out ----------------------------------------------------------------------

    def iter_records(
        self,
        sql: str,
        parameters: Sequence[Any] | dict[str, Any] | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[Any]:
        """Yield the rows of a query through a server-side (named) cursor.

        The server keeps the result and sends ``chunk_size`` rows per round trip, so a
        result far larger than memory can be walked row by row. The connection stays
        open until the iteration ends (or the generator is closed).

        :param chunk_size: rows fetched per round trip.
        """
        for chunk in self.get_records_chunked(sql, parameters, chunk_size=chunk_size):
            yield from chunk

    def get_records_chunked(
        self,
        sql: str,
        parameters: Sequence[Any] | dict[str, Any] | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[list[Any]]:
        """Yield the rows of a query in lists of at most ``chunk_size`` (server-side cursor)."""
        if chunk_size < 1:
            raise ValueError(
                f"get_records_chunked: chunk_size must be at least 1, got {chunk_size}."
            )
        name = f"taskloom_{uuid.uuid4().hex}"
        with self.get_conn() as conn, conn.cursor(name=name) as cur:
            cur.execute(sql, parameters)
            while chunk := cur.fetchmany(chunk_size):
                yield chunk

    # --- checks ------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """Log in and ask the server's version; never raises.

        :returns: ``(True, "Connection successfully tested: PostgreSQL <version>")`` or
            ``(False, <why>)``; the message never holds the password.
        """
        try:
            with self.get_conn() as conn:
                version = conn.execute("SHOW server_version").fetchone()
        except (psycopg.Error, ValueError) as exc:
            return False, str(exc)
        return True, f"Connection successfully tested: PostgreSQL {_first(version)}"


def _first(row: Any) -> Any:
    """The first value of a row, whatever the ``cursor`` extra made it."""
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]


def _insert_statement(
    table: str,
    fields: list[str] | None,
    width: int,
    replace_index: str | Sequence[str] | None,
) -> pgsql.Composed:
    """``INSERT INTO table (fields) VALUES (%s, ...)``, an upsert when ``replace_index`` is set."""
    values = pgsql.SQL(", ").join(pgsql.Placeholder() * width)
    target = _table_identifier(table)
    if fields:
        columns = pgsql.SQL(", ").join(map(pgsql.Identifier, fields))
        target = pgsql.SQL("{} ({})").format(target, columns)
    statement = pgsql.SQL("INSERT INTO {} VALUES ({})").format(target, values)
    if not replace_index or not fields:
        return statement
    keys = [replace_index] if isinstance(replace_index, str) else list(replace_index)
    updates = [
        pgsql.SQL("{0} = EXCLUDED.{0}").format(pgsql.Identifier(f)) for f in fields if f not in keys
    ]
    action = (
        pgsql.SQL("DO UPDATE SET {}").format(pgsql.SQL(", ").join(updates))
        if updates
        else pgsql.SQL("DO NOTHING")
    )
    conflict = pgsql.SQL(", ").join(map(pgsql.Identifier, keys))
    return pgsql.SQL("{} ON CONFLICT ({}) {}").format(statement, conflict, action)


def _table_identifier(table: str) -> pgsql.Identifier:
    """``schema.name`` -> ``"schema"."name"``: each part quoted, case kept."""
    parts = table.split(".")
    if not table or any(not part for part in parts):
        raise ValueError(f"table name {table!r} is not 'name' or 'schema.name'.")
    return pgsql.Identifier(*parts)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    """Split ``rows`` into lists of ``size`` (all in one list when ``size`` is 0)."""
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if size and len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
