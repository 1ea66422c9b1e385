"""``taskloom db``: create, upgrade, check and reset the metadata DB."""

from __future__ import annotations

import click

from taskloom.cli import ExitCode


@click.group("db")
def db_group() -> None:
    """Manage the metadata DB (SQLite under $TASKLOOM_HOME by default)."""


@db_group.command("migrate")
def migrate_command() -> None:
    """Create the DB or bring its schema up to date, one line per migration applied."""
    from taskloom import db
    from taskloom.cli.progress import progress_bar

    current, _ = db.check()
    pending = sum(1 for version, _, _ in db.migrations() if version > current)
    with progress_bar("migrations", total=pending) as advance:

        def on_applied(name: str, left: int) -> None:
            click.echo(f"applied {name} ({left} to go)", err=True)
            advance()

        applied = db.migrate(on_applied=on_applied)
    current, head = db.check()
    if applied:
        click.echo(f"Applied {', '.join(applied)}; {db.db_path()} is at schema version {current}.")
    else:
        click.echo(f"{db.db_path()} is up to date (schema version {head}).")


@db_group.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Exit 1 if the DB schema is not the one this taskloom expects (and say how to fix it)."""
    from taskloom import db

    current, head = db.check()
    path = db.db_path()
    if current == head:
        click.echo(f"{path} is up to date (schema version {head}).")
        return
    if current < head:
        click.echo(
            f"{path} is at schema version {current}, behind this taskloom ({head}); run `taskloom db migrate`.",
            err=True,
        )
    else:
        click.echo(
            f"{path} is at schema version {current}, ahead of this taskloom ({head}); upgrade taskloom "
            "or run `taskloom db reset` (deletes all state).",
            err=True,
        )
    ctx.exit(ExitCode.FAILED)


@db_group.command("reset")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_command(yes: bool) -> None:
    """Delete every run, task instance, variable and connection, and start with an empty DB."""
    from taskloom import db

    path = db.db_path()
    if not yes:
        click.confirm(f"Delete all state in {path}?", abort=True)
    db.reset()
    click.echo(f"Reset {path}.")
