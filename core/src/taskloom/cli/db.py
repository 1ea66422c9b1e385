"""``taskloom db``: create, upgrade, check, back up and reset the metadata DB."""

from __future__ import annotations

from pathlib import Path

import click

from taskloom.cli import ExitCode


@click.group("db")
def db_group() -> None:
    """Manage the metadata DB (SQLite under $TASKLOOM_HOME, or [database] url)."""


def _refuse_damaged() -> None:
    from taskloom import store

    problems = store.quick_check()
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise store.explain(RuntimeError(f"database disk image is malformed: {shown}"))


@db_group.command("migrate")
def migrate_command() -> None:
    """Create the DB or bring its schema up to date (never a damaged one), one line per migration applied."""
    from taskloom import store
    from taskloom.cli.progress import progress_bar

    url = store.configured_url()
    _refuse_damaged()
    current, head = store.check()
    with progress_bar("migrations", total=max(head - current, 0)) as advance:

        def on_applied(name: str, left: int) -> None:
            click.echo(f"applied {name} ({left} to go)", err=True)
            advance()

        applied = store.migrate(on_applied=on_applied)
    current, head = store.check()
    if applied:
        click.echo(f"Applied {', '.join(applied)}; {url} is at schema version {current}.")
    else:
        click.echo(f"{url} is up to date (schema version {head}).")


@db_group.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Exit 1 if the DB is damaged (SQLite's quick_check), unreachable, or its schema is not
    the one this taskloom expects; say what is pending and how to fix it."""
    from taskloom import store
    from taskloom.store import schema

    url = store.configured_url()
    try:
        _refuse_damaged()
    except Exception as exc:  # noqa: BLE001 -- shown as one line, exit 1
        click.echo(str(exc), err=True)
        ctx.exit(ExitCode.FAILED)
    current, head = store.check()
    if current == head:
        click.echo(f"{url} is up to date (schema version {head}).")
        return
    if current < head:
        pending = [m.name for m in schema.migrations(url.dialect) if m.version > current]
        click.echo(
            f"{url} is at schema version {current}, behind this taskloom ({head}); "
            f"pending: {', '.join(pending)}; run `taskloom db migrate`.",
            err=True,
        )
    else:
        click.echo(
            f"{url} is at schema version {current}, ahead of this taskloom ({head}); upgrade taskloom "
            "or run `taskloom db reset --yes` (deletes all state).",
            err=True,
        )
    ctx.exit(ExitCode.FAILED)


@db_group.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the SQLite metadata DB to PATH, consistently, even while the scheduler runs
    (PostgreSQL: use pg_dump)."""
    from taskloom import store

    try:
        url = store.backup(path)
    except FileExistsError:
        raise click.ClickException(
            f"{path} exists; choose a new file name (a backup never overwrites)"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    click.echo(f"Backed up {url} to {path}.")


@db_group.command("reset")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_command(yes: bool) -> None:
    """Delete every run, task instance, variable and connection, and start with an empty DB."""
    from taskloom import store

    url = store.configured_url()
    if not yes:
        click.confirm(f"Delete all state in {url}?", abort=True)
    store.reset()
    click.echo(f"Reset {url}.")
