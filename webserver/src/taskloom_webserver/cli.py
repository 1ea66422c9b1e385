"""``taskloom webserver`` and ``taskloom users``, added to core's CLI through the
``taskloom.cli`` entry point."""

from __future__ import annotations

import os
import sys
from contextlib import closing

import click

#: Where the server listens unless told otherwise: this machine only.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080
#: Environment variable a script can give a new user's password in (never on the command
#: line, where other users of the machine can read it in the process list).
PASSWORD_ENV = "TASKLOOM_WEBSERVER_PASSWORD"


@click.command("webserver")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes."
)
def webserver_command(host: str, port: int, workers: int) -> None:
    """Serve the web UI and the REST API (/api/v1) of this deployment's metadata DB."""
    import uvicorn

    from taskloom import store
    from taskloom.store import web as web_store

    with closing(store.connect()) as conn:
        has_users = bool(web_store.list_users(conn))
    if not has_users:
        click.echo(
            "warning: no users yet, so nobody can log in; add one with "
            "`taskloom users create NAME --role admin`",
            err=True,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"note: listening on {host}: reachable from other machines; serve it behind "
            "HTTPS (a reverse proxy) so passwords and session cookies are not sent in clear",
            err=True,
        )
    uvicorn.run(
        "taskloom_webserver.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )


@click.group("users")
def users_group() -> None:
    """Manage the users who may log in to the webserver."""


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["viewer", "operator", "admin"]),
    required=True,
    help="viewer: read; operator: also trigger, clear, mark, pause; admin: also connections, variables.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help=f"Read the password from standard input (else ${PASSWORD_ENV}, else a prompt).",
)
def create_command(username: str, role: str, password_stdin: bool) -> None:
    """Add USERNAME with ROLE; the password is hashed with Argon2id."""
    from taskloom import store
    from taskloom_webserver import auth

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with closing(store.connect()) as conn:
        try:
            auth.create_user(conn, username, password, role)
        except auth.UserError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"User {username} created with role {role}.")


@users_group.command("list")
def list_command() -> None:
    """List the users and their roles."""
    from taskloom import store
    from taskloom.store import web as web_store

    with closing(store.connect()) as conn:
        rows = web_store.list_users(conn)
    if not rows:
        click.echo("No users; add one with `taskloom users create NAME --role admin`.")
        return
    width = max(len(r.username) for r in rows)
    for row in rows:
        click.echo(f"{row.username:<{width}}  {row.role:<8}  created {row.created_at}")


@users_group.command("delete")
@click.argument("username")
def delete_command(username: str) -> None:
    """Delete USERNAME, their sessions and their API tokens."""
    from taskloom import store
    from taskloom.store import web as web_store

    with closing(store.connect()) as conn:
        if not web_store.delete_user(conn, username):
            raise click.ClickException(f"there is no user {username!r}; see `taskloom users list`")
    click.echo(f"User {username} deleted.")


@users_group.command("token")
@click.argument("username")
def token_command(username: str) -> None:
    """Print a new API token for USERNAME (send it as 'Authorization: Bearer <token>')."""
    from taskloom import store
    from taskloom_webserver import auth

    with closing(store.connect()) as conn:
        try:
            token = auth.create_token(conn, username)
        except auth.UserError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(token)
