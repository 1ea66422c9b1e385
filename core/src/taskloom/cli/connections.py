"""``taskloom connections``: define, inspect, move and test connections.

``add``, ``delete`` and ``import`` write the metadata DB; ``get``, ``list`` and ``test``
read every place of the lookup chain (secrets backend, ``TASKLOOM_CONN_*``, the
connections file, the DB; see :mod:`taskloom.secrets`).  Passwords and secret extras
print as ``***`` unless ``--reveal`` is given; ``export`` writes them in clear, since
its file is meant to be imported again (it is created readable by its owner only).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
import yaml

from taskloom.cli import ExitCode
from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.cli.output import render_one
from taskloom.exceptions import ConnectionNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import NotFoundError
from taskloom.exceptions import ProviderError
from taskloom.models.connection import Connection
from taskloom.providers_manager import connection_type_info
from taskloom.utils.secrets_masker import redact

#: Columns of ``connections list``.
LIST_COLUMNS = ("conn_id", "conn_type", "host", "port", "schema", "login", "password", "source")
#: Fields of ``connections get``.
GET_FIELDS = (
    "conn_id",
    "conn_type",
    "description",
    "host",
    "port",
    "schema",
    "login",
    "password",
    "extra",
    "source",
)
#: The fields ``--conn-*`` options set.
_FIELD_OPTIONS = (
    "conn_type",
    "description",
    "host",
    "login",
    "password",
    "schema",
    "port",
    "extra",
)


class ConnectionUsageError(click.UsageError):
    """A connections command was given a connection that is missing or malformed."""


def _failed(exc: Exception) -> click.ClickException:
    """Exit 1 with the error's message: the command was well formed, the connection is not."""
    return click.ClickException(str(exc))


def _usage(exc: Exception) -> ConnectionUsageError:
    # Our errors never hold a secret (see taskloom.exceptions); pass their message through.
    return ConnectionUsageError(str(exc))


def _record(conn: Connection, source: str, *, reveal: bool) -> dict[str, Any]:
    fields = conn.to_dict(prune_empty=False) if reveal else conn.masked_fields()
    return {**fields, "source": source}


@click.group("connections")
def connections_group() -> None:
    """Manage connections: where outside systems are and how to log in to them."""


# --- add ------------------------------------------------------------------------------------


def _build_connection(
    conn_id: str, uri: str | None, as_json: str | None, fields: dict[str, Any]
) -> Connection:
    given = {k: v for k, v in fields.items() if v is not None}
    # --conn-description goes with any form (a URI has no place for it).
    field_options = set(given) - {"description"}
    if sum(x is not None for x in (uri, as_json)) + bool(field_options and (uri or as_json)) > 1:
        raise ConnectionUsageError(
            "give the connection one way: --conn-uri, --conn-json, or --conn-type with other --conn-* options"
        )
    try:
        if uri is not None:
            conn = Connection.from_uri(uri, conn_id=conn_id)
        elif as_json is not None:
            conn = Connection.from_json(as_json, conn_id=conn_id)
        else:
            conn = Connection(conn_id=conn_id, **given)
    except InvalidConnectionError as exc:
        raise _usage(exc) from None
    if fields.get("description") and conn.description is None:
        conn.description = fields["description"]
    if not conn.conn_type:
        raise ConnectionUsageError(
            f"connection {conn_id!r} needs a conn_type: pass --conn-type (e.g. http, sqlite) or a --conn-uri "
            "starting with <conn_type>://"
        )
    return conn


def _validate(conn: Connection) -> list[str]:
    """Check against the provider metadata, apply field defaults; return warnings."""
    try:
        conn.validate()
    except InvalidConnectionError as exc:
        raise ConnectionUsageError(f"{exc}; or pass --skip-validation to store it anyway") from None
    info = connection_type_info(conn.conn_type)
    assert info is not None  # validate() raised otherwise
    warnings = []
    for name in info.hidden_fields:
        if getattr(conn, name, None) not in (None, {}):
            warnings.append(
                f"{info.display_name} connections do not use {name!r}; it is stored but ignored"
            )
    for name, field in info.fields.items():
        if (
            field.default is not None
            and name in ("host", "schema", "login", "port")
            and getattr(conn, name) is None
        ):
            setattr(conn, name, int(field.default) if name == "port" else str(field.default))
    return warnings


@connections_group.command("add")
@click.argument("conn_id")
@click.option(
    "--conn-uri",
    "uri",
    help="The whole connection as a URI: <conn_type>://login:password@host:port/schema?k=v",
)
@click.option(
    "--conn-json",
    "as_json",
    help='The connection as a JSON object: {"conn_type": "http", "host": ...}',
)
@click.option(
    "--conn-type",
    "conn_type",
    help="The connection type (see `taskloom providers connection-types`).",
)
@click.option("--conn-host", "host")
@click.option("--conn-login", "login")
@click.option(
    "--conn-password",
    "password",
    help="Prefer --conn-uri from a file or TASKLOOM_CONN_*: shell history keeps this.",
)
@click.option("--conn-schema", "schema")
@click.option("--conn-port", "port")
@click.option("--conn-extra", "extra", help="A JSON object of extra settings.")
@click.option("--conn-description", "description")
@click.option("--overwrite", is_flag=True, help="Replace a connection with the same id.")
@click.option(
    "--skip-validation", is_flag=True, help="Store a conn_type no installed provider declares."
)
def add_command(
    conn_id: str,
    uri: str | None,
    as_json: str | None,
    overwrite: bool,
    skip_validation: bool,
    **fields: Any,
) -> None:
    """Store connection CONN_ID in the metadata DB, checked against its type's metadata."""
    from taskloom.secrets.metastore import MetastoreBackend

    conn = _build_connection(conn_id, uri, as_json, fields)
    if not skip_validation:
        for warning in _validate(conn):
            click.echo(f"warning: {warning}", err=True)
    try:
        stored = MetastoreBackend().set_connection(conn, overwrite=overwrite)
    except InvalidConnectionError as exc:
        raise _usage(exc) from None
    if not stored:
        raise ConnectionUsageError(
            f"connection {conn_id!r} already exists in the metadata DB; pass --overwrite to replace it"
        )
    click.echo(f"Connection {conn_id} ({conn.conn_type}) stored in the metadata DB.")


# --- get / list -----------------------------------------------------------------------------


@connections_group.command("get")
@click.argument("conn_id")
@click.option("--reveal", is_flag=True, help="Show the password and secret extras instead of ***.")
@output_option
def get_command(conn_id: str, reveal: bool, output: str) -> None:
    """Show connection CONN_ID, from wherever the lookup chain finds it."""
    from taskloom.secrets import find_connection

    try:
        conn, source = find_connection(conn_id)
    except (ConnectionNotFoundError, InvalidConnectionError) as exc:
        raise _failed(exc) from None
    record = _record(conn, source, reveal=reveal)
    render_one({field: record[field] for field in GET_FIELDS}, output)


def _listable() -> Iterable[tuple[Connection | InvalidConnectionError, str]]:
    """Every listable connection and where it is; a malformed one from the environment is
    its error, so it is listed as broken while the others still list."""
    from taskloom.secrets.environment_variables import EnvironmentVariablesBackend
    from taskloom.secrets.local_filesystem import LocalFilesystemBackend
    from taskloom.secrets.metastore import MetastoreBackend

    file_backend = LocalFilesystemBackend()
    for entry in EnvironmentVariablesBackend().iter_entries():
        yield entry, "env"
    for conn in file_backend.iter_connections():
        yield conn, "file"
    for conn in MetastoreBackend().iter_connections():
        yield conn, "db"


@connections_group.command("list")
@click.option("--reveal", is_flag=True, help="Show passwords instead of ***.")
@click.option("--conn-type", "conn_type", help="Only connections of this type.")
@output_option
def list_command(reveal: bool, conn_type: str | None, output: str) -> None:
    """List the connections in TASKLOOM_CONN_* (env), the connections file (file) and the DB (db).

    A connection defined in several places is listed once, from the place the lookup
    chain reads first.  A configured secrets backend cannot be listed.
    """
    seen: set[str] = set()
    rows = []
    broken: list[str] = []
    try:
        for conn, source in _listable():
            if isinstance(conn, InvalidConnectionError):
                seen.add(str(conn.conn_id))
                rows.append({"conn_id": conn.conn_id, "conn_type": "(broken)", "source": source})
                broken.append(f"broken: {conn}")
                continue
            if conn.conn_id in seen or (conn_type and conn.conn_type != conn_type):
                continue
            seen.add(str(conn.conn_id))
            rows.append(_record(conn, source, reveal=reveal))
    except InvalidConnectionError as exc:
        raise _failed(exc) from None
    rows.sort(key=lambda row: str(row["conn_id"]))
    render(rows, LIST_COLUMNS, output)
    for line in broken:
        click.echo(line, err=True)


# --- delete -----------------------------------------------------------------------------------


@connections_group.command("delete")
@click.argument("conn_id")
def delete_command(conn_id: str) -> None:
    """Delete connection CONN_ID from the metadata DB."""
    from taskloom.secrets.environment_variables import EnvironmentVariablesBackend
    from taskloom.secrets.environment_variables import conn_env_name
    from taskloom.secrets.metastore import MetastoreBackend

    if MetastoreBackend().delete_connection(conn_id):
        click.echo(f"Connection {conn_id} deleted from the metadata DB.")
        return
    hint = ""
    if EnvironmentVariablesBackend().get_conn_value(conn_id) is not None:
        hint = f"; it is defined by the environment variable {conn_env_name(conn_id)}: unset that instead"
    raise NotFoundError(f"connection {conn_id!r} is not in the metadata DB{hint}")


# --- export / import ------------------------------------------------------------------------


def _format_for(path: str, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".env":
        return "env"
    raise ConnectionUsageError(
        f"cannot tell the format of {path!r} from its name; pass --format json, yaml or env"
    )


@connections_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml", "env"]),
    help="Default: from FILE's extension.",
)
def export_command(file: str, fmt: str | None) -> None:
    """Write the metadata DB's connections to FILE ("-" for stdout), passwords included.

    json and yaml files can be read back by `connections import` and by
    TASKLOOM_CONNECTIONS_FILE; env files hold TASKLOOM_CONN_<ID>=<uri> lines.
    """
    from taskloom.secrets.environment_variables import conn_env_name
    from taskloom.secrets.metastore import MetastoreBackend

    fmt = _format_for(file, fmt) if file != "-" else (fmt or "json")
    connections = list(MetastoreBackend().iter_connections())
    if fmt == "env":
        try:
            text = "".join(f"{conn_env_name(str(c.conn_id))}={c.get_uri()}\n" for c in connections)
        except InvalidConnectionError as exc:
            raise _usage(exc) from None
    else:
        data = {str(c.conn_id): c.to_dict(include_conn_id=False) for c in connections}
        text = (
            json.dumps(data, indent=2) + "\n"
            if fmt == "json"
            else yaml.safe_dump(data, sort_keys=True)
        )
    if file == "-":
        click.echo(text, nl=False)
        return
    # The file holds passwords: create it readable by its owner only.
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when FILE already existed with a wider mode
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(
        f"Exported {len(connections)} connection(s) to {file} ({fmt}); it holds passwords in clear.",
        err=True,
    )


@connections_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace connections that already exist in the DB.")
@click.option(
    "--skip-validation", is_flag=True, help="Store conn_types no installed provider declares."
)
def import_command(file: str, overwrite: bool, skip_validation: bool) -> None:
    """Store the connections of a YAML or JSON FILE (the connections-file format) in the DB."""
    from taskloom.secrets.local_filesystem import load_connections_file
    from taskloom.secrets.metastore import MetastoreBackend

    try:
        connections = load_connections_file(Path(file))
    except InvalidConnectionError as exc:
        raise _usage(exc) from None
    if not skip_validation:
        for conn in connections.values():
            for warning in _validate(conn):
                click.echo(f"warning: {conn.conn_id}: {warning}", err=True)
    store = MetastoreBackend()
    added: list[str] = []
    skipped: list[str] = []
    for conn_id, conn in connections.items():
        (added if store.set_connection(conn, overwrite=overwrite) else skipped).append(conn_id)
    click.echo(f"Imported {len(added)} connection(s) from {file}.")
    if skipped:
        click.echo(
            f"Skipped {len(skipped)} that already exist ({', '.join(skipped)}); pass --overwrite to replace them.",
            err=True,
        )


# --- test ---------------------------------------------------------------------------------------


@connections_group.command("test")
@click.argument("conn_id")
@click.pass_context
def test_command(ctx: click.Context, conn_id: str) -> None:
    """Check that connection CONN_ID works, with its hook's test_connection()."""
    from taskloom.secrets import find_connection

    try:
        conn, source = find_connection(conn_id)
        hook = conn.get_hook()
    except (ConnectionNotFoundError, InvalidConnectionError, ProviderError) as exc:
        raise _failed(exc) from None
    ok, message = hook.test_connection()
    click.echo(
        f"{'OK' if ok else 'FAILED'}: {conn_id} ({conn.conn_type}, from {source}): {redact(message)}"
    )
    if not ok:
        ctx.exit(ExitCode.FAILED)
