"""``taskloom pools``: create, resize, show and delete pools in the metadata DB."""

from __future__ import annotations

import click

from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.cli.output import render_one
from taskloom.exceptions import NotFoundError

#: The columns ``list`` and ``get`` print: ``occupied`` counts the slots of queued and
#: running tasks, ``open`` what is left.
COLUMNS = ["pool", "slots", "occupied", "open", "description"]


@click.group("pools")
def pools_group() -> None:
    """Manage pools: named sets of slots that bound how many tasks run at once."""


@pools_group.command("set")
@click.argument("name")
@click.argument("slots", type=int)
@click.option("--description", default=None, help="What the pool is for (kept if omitted).")
def set_command(name: str, slots: int, description: str | None) -> None:
    """Create pool NAME with SLOTS slots, or resize it."""
    from taskloom import store
    from taskloom.store import pools

    conn = store.connect()
    try:
        pools.set_pool(conn, name, slots, description)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        conn.close()
    click.echo(f"Pool {name} set to {slots} slots.")


@pools_group.command("get")
@click.argument("name")
@output_option
def get_command(name: str, output: str) -> None:
    """Show pool NAME: its size, the slots in use and those open."""
    from taskloom import store
    from taskloom.store import pools

    conn = store.connect()
    try:
        found = pools.get_pool(conn, name)
    finally:
        conn.close()
    if found is None:
        raise NotFoundError(
            f"pool {name} does not exist; create it with `taskloom pools set {name} <slots>`"
        )
    render_one({col: found[col] for col in COLUMNS}, output)


@pools_group.command("list")
@output_option
def list_command(output: str) -> None:
    """List the pools, with the slots in use and those open."""
    from taskloom import store
    from taskloom.store import pools

    conn = store.connect()
    try:
        rows = pools.list_pools(conn)
    finally:
        conn.close()
    render(rows, COLUMNS, output)


@pools_group.command("delete")
@click.argument("name")
def delete_command(name: str) -> None:
    """Delete pool NAME (tasks that still name it fail when scheduled)."""
    from taskloom import store
    from taskloom.store import pools

    conn = store.connect()
    try:
        deleted = pools.delete_pool(conn, name)
    except ValueError as exc:  # default_pool: a well-formed command refused, not a usage error
        raise click.ClickException(str(exc)) from None
    finally:
        conn.close()
    if not deleted:
        raise NotFoundError(f"pool {name} does not exist; `taskloom pools list` shows the pools")
    click.echo(f"Pool {name} deleted.")
