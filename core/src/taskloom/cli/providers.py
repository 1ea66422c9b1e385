"""``taskloom providers``: what is installed, what it offers, whether it works, and a scaffold for new ones.

Every listing reads static metadata only (no provider module is imported), except
``providers check``, whose job is to import everything each provider declares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from taskloom.cli import ExitCode
from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.cli.output import render_one
from taskloom.exceptions import NotFoundError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.providers_manager import ConnectionTypeInfo
from taskloom.providers_manager import ProviderRegistry
from taskloom.providers_manager import ProviderStatus
from taskloom.providers_manager import get_registry


def _registry() -> ProviderRegistry:
    # The commands below report unusable providers in their own output.
    return get_registry(warn_unusable=False)


def _status_row(status: ProviderStatus) -> dict[str, Any]:
    return {
        "id": status.provider_id,
        "distribution": status.distribution,
        "version": status.version,
        "state": str(status.state),
        "reason": status.reason,
        "fix": status.fix,
    }


def _conn_type_row(info: ConnectionTypeInfo, registry: ProviderRegistry) -> dict[str, Any]:
    status = registry.status(info.provider_id)
    return {
        "conn_type": info.conn_type,
        "display_name": info.display_name,
        "hook_class": info.hook_class,
        "default_conn_id": info.default_conn_id,
        "provider": info.provider_id,
        "distribution": status.distribution,
        "secret_fields": sorted(info.secret_fields),
        "secret_extra_fields": sorted(info.secret_extra_fields),
        **info.to_dict(),
    }


@click.group("providers")
def providers_group() -> None:
    """Inspect installed provider distributions, check them, or scaffold a new one."""


@providers_group.command("list")
@output_option
def list_command(output: str) -> None:
    """List providers: distribution, version, state.

    The state is ok, incompatible, broken or disabled; the fix follows the table.
    """
    statuses = _registry().providers()
    rows = [_status_row(status) for status in statuses]
    columns = ["id", "distribution", "version", "state", "reason"]
    render(rows, [*columns, "fix"] if output == "json" else columns, output)
    if output == "table":
        for status in statuses:
            if status.fix:
                click.echo(f"fix for {status.provider_id}: {status.fix}")


@providers_group.command("info")
@click.argument("provider_id")
@output_option
def info_command(provider_id: str, output: str) -> None:
    """Show a provider's metadata and where to report issues."""
    registry = _registry()
    try:
        status = registry.status(provider_id)
    except ProviderNotFoundError as exc:
        raise NotFoundError(str(exc)) from None
    record = _status_row(status)
    if status.info is not None:
        record.update(status.info.to_dict())
        record["id"] = status.provider_id
    if output == "table":
        if status.info is not None:
            record["connection_types"] = ", ".join(status.info.connection_types) or "-"
            record["maintainers"] = ", ".join(
                f"{m.name} ({m.github})" if m.github else m.name for m in status.info.maintainers
            )
            record["executors"] = [
                item if isinstance(item, str) else f"{item['name']} ({item['class']})"
                for item in record["executors"]
            ]
            for key in ("hooks", "operators", "sensors", "secrets_backends", "executors"):
                record[key] = ", ".join(record[key]) or "-"
            if "log_handlers" in record:
                record["log_handlers"] = ", ".join(
                    f"{scheme}: {path}" for scheme, path in record["log_handlers"].items()
                )
        record = {key: value for key, value in record.items() if value not in ("", None)}
    render_one(record, output)


@providers_group.command("hooks")
@output_option
def hooks_command(output: str) -> None:
    """List the hook class of every connection type."""
    registry = _registry()
    rows = [
        _conn_type_row(info, registry) for _, info in sorted(registry.connection_types().items())
    ]
    render(rows, ["conn_type", "hook_class", "provider", "distribution"], output)


@providers_group.command("connection-types")
@output_option
def connection_types_command(output: str) -> None:
    """List connection types, their defaults and secret fields."""
    registry = _registry()
    rows = [
        _conn_type_row(info, registry) for _, info in sorted(registry.connection_types().items())
    ]
    if output == "json":
        columns = [
            "conn_type",
            "display_name",
            "hook_class",
            "default_conn_id",
            "provider",
            "distribution",
            "fields",
            "hidden_fields",
            "extra_fields",
            "secret_fields",
            "secret_extra_fields",
        ]
    else:
        columns = [
            "conn_type",
            "display_name",
            "default_conn_id",
            "provider",
            "secret_extra_fields",
        ]
        for row in rows:
            row["secret_extra_fields"] = ", ".join(row["secret_extra_fields"])
    render(rows, columns, output)


@providers_group.command("check")
@output_option
@click.pass_context
def check_command(ctx: click.Context, output: str) -> None:
    """Import every provider's code; exit 1 on any problem.

    Meant for CI: each problem is printed with the provider's distribution and the fix.
    """
    registry = _registry()
    problems = registry.check()
    if output == "json":
        rows = [
            {
                "provider": p.provider_id,
                "distribution": p.distribution,
                "kind": p.kind,
                "message": p.message,
                "fix": p.fix,
            }
            for p in problems
        ]
        render(rows, ["provider", "distribution", "kind", "message", "fix"], output)
    else:
        checked = len(registry.providers())
        if problems:
            for problem in problems:
                click.echo(f"{problem.kind}: {problem}")
            click.echo(f"{len(problems)} problem(s) in {checked} provider(s).")
        else:
            click.echo(f"{checked} provider(s) checked: no problems.")
    if problems:
        ctx.exit(ExitCode.FAILED)


@providers_group.command("new")
@click.argument("provider_id")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to create the distribution (default: ./taskloom-provider-<id>).",
)
@click.option(
    "--manifest-only",
    is_flag=True,
    help="A manifest-only provider: a declarative manifest run by taskloom-declarative, no Python module.",
)
@output_option
def new_command(provider_id: str, directory: Path | None, manifest_only: bool, output: str) -> None:
    """Scaffold a new provider distribution, ready to test.

    It installs and passes its own tests as generated.
    """
    from taskloom.registry.scaffold import ScaffoldError
    from taskloom.registry.scaffold import write_provider

    try:
        written = write_provider(provider_id, directory, manifest_only=manifest_only)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    root = written.root
    if output == "json":
        render_one({"id": provider_id, "directory": str(root), "files": written.files}, output)
        return
    click.echo(f"Created {root} ({len(written.files)} files). Next:")
    click.echo(f"  cd {root}")
    click.echo("  pip install -e . pytest && pytest")
    click.echo("  taskloom providers info " + provider_id)
