"""``taskloom variables``: read and write variables in the metadata DB."""

from __future__ import annotations

import json

import click

from taskloom.cli import ExitCode
from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.exceptions import NotFoundError


@click.group("variables")
def variables_group() -> None:
    """Manage variables (TASKLOOM_VAR_<KEY> environment variables override the DB)."""


@variables_group.command("get")
@click.argument("key")
@click.option(
    "-j",
    "--json",
    "as_json",
    is_flag=True,
    help="Parse the value as JSON and print it re-indented.",
)
@click.option(
    "-d", "--default", default=None, help="Print this instead of failing when the key is missing."
)
def get_command(key: str, as_json: bool, default: str | None) -> None:
    """Print the value of KEY."""
    from taskloom.models.variable import Variable

    try:
        value = Variable.get(key, deserialize_json=as_json)
    except KeyError as exc:
        if default is not None:
            click.echo(default)
            return
        raise NotFoundError(str(exc.args[0])) from None
    except ValueError as exc:
        raise click.ClickException(f"{exc}; read it without --json") from None
    click.echo(json.dumps(value, indent=2) if as_json else value)


@variables_group.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--description", default=None, help="What the variable is for.")
@click.option(
    "-j",
    "--json",
    "as_json",
    is_flag=True,
    help="Check that VALUE is valid JSON before storing it.",
)
def set_command(key: str, value: str, description: str | None, as_json: bool) -> None:
    """Create or replace KEY with VALUE."""
    from taskloom.models.variable import Variable

    if as_json:
        try:
            json.loads(value)
        except json.JSONDecodeError as exc:
            raise click.UsageError(
                f"VALUE is not valid JSON ({exc.msg} at position {exc.pos})"
            ) from None
    Variable.set(key, value, description=description)
    click.echo(f"Variable {key} set.")


@variables_group.command("list")
@output_option
def list_command(output: str) -> None:
    """List the variables stored in the DB (values of keys named like secrets show as ***)."""
    from taskloom.models.variable import Variable
    from taskloom.utils.secrets_masker import REDACTED
    from taskloom.utils.secrets_masker import is_sensitive_key

    rows = [
        dict(row, val=REDACTED if is_sensitive_key(row["key"]) else row["val"])
        for row in Variable.list()
    ]
    render(rows, ["key", "val", "description"], output)


@variables_group.command("delete")
@click.argument("key")
@click.pass_context
def delete_command(ctx: click.Context, key: str) -> None:
    """Delete KEY from the DB."""
    from taskloom.models.variable import Variable

    if not Variable.delete(key):
        click.echo(f"Variable {key} does not exist.", err=True)
        ctx.exit(ExitCode.FAILED)
    click.echo(f"Variable {key} deleted.")
