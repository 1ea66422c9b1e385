"""``taskloom db``: create, upgrade, check, back up and reset the metadata DB."""

from __future__ import annotations

from pathlib import Path

import click

from taskloom.cli import ExitCode


@click.group("db")
def db_group() -> None:
    """Manage the metadata DB (SQLite under $TASKLOOM_HOME by default)."""


@db_group.command("migrate")
def migrate_command() -> None:
    """Create the DB or bring its schema up to date (never a damaged one), one line per migration applied."""
    from taskloom import db
    from taskloom.cli.progress import progress_bar

    problems = db.quick_check() if db.db_path().exists() else []
    if problems:
        raise db.explain(RuntimeError(f"database disk image is malformed: {problems[0]}"))
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
    """Exit 1 if the DB file is damaged (SQLite's quick_check) or its schema is not the one
    this taskloom expects, and say how to fix it."""
    from taskloom import db

    path = db.db_path()
    problems = db.quick_check() if path.exists() else []
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        click.echo(f"{db.explain(RuntimeError('malformed: ' + shown), path)}", err=True)
        ctx.exit(ExitCode.FAILED)
    current, head = db.check()
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


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the metadata DB to PATH, consistently, even while the scheduler runs."""
    from taskloom import db

    try:
        db.backup(path)
    except FileExistsError:
        raise click.ClickException(
            f"{path} exists; choose a new file name (a backup never overwrites)"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"Backed up {db.db_path()} to {path}.")


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
