"""The ``taskloom`` command line.

Command groups are imported only when invoked, so ``taskloom version`` and
``taskloom --help`` stay fast.  Core's groups are listed in :data:`CORE_COMMANDS`;
other distributions (``taskloom-compat``, providers, anyone) add groups through the
``taskloom.cli`` entry-point group::

    [project.entry-points."taskloom.cli"]
    compat = "taskloom_compat.cli:compat_group"

The entry point must name a :class:`click.Command`.  A plugin that fails to load is
reported as a one-line warning when it is invoked or listed; it never breaks other
commands.
"""

from __future__ import annotations

import enum
import importlib
import sys
from collections.abc import Sequence

import click

from taskloom._version import __version__
from taskloom.exceptions import NotFoundError
from taskloom.exceptions import TaskloomError
from taskloom.utils.entry_points import entry_points

#: Entry-point group through which other distributions add top-level commands.
CLI_ENTRY_POINT_GROUP = "taskloom.cli"

#: Core's own command groups: name -> ``module:attribute``, imported on first use.
CORE_COMMANDS: dict[str, str] = {
    "connections": "taskloom.cli.connections:connections_group",
    "dags": "taskloom.cli.dags:dags_group",
    "db": "taskloom.cli.db:db_group",
    "pools": "taskloom.cli.pools:pools_group",
    "providers": "taskloom.cli.providers:providers_group",
    "rotate-fernet-key": "taskloom.cli.crypto:rotate_fernet_key_command",
    "scheduler": "taskloom.cli.scheduler:scheduler_command",
    "tasks": "taskloom.cli.tasks:tasks_group",
    "variables": "taskloom.cli.variables:variables_group",
}


class ExitCode(enum.IntEnum):
    """Exit statuses of the ``taskloom`` command."""

    #: Everything worked.
    OK = 0
    #: The command ran and found a failure (a failed DAG run, a check that found problems).
    FAILED = 1
    #: The command line was wrong (unknown option, bad value, missing argument).
    USAGE_ERROR = 2
    #: Interrupted by the user (Ctrl-C).
    INTERRUPTED = 130


class LazyGroup(click.Group):
    """A group whose subcommands are imported from ``module:attribute`` strings on first use."""

    def __init__(
        self, *args: object, lazy_commands: dict[str, str] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = dict(lazy_commands or {})
        self._plugins_loaded = False

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(CLI_ENTRY_POINT_GROUP):
            self._lazy.setdefault(ep.name, ep.value)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; what it names but does not exist becomes click's one-line error.

        Commands raise :class:`taskloom.exceptions.NotFoundError` (a DAG, run, task,
        connection, variable, provider): exit status 1 (:attr:`ExitCode.FAILED`) and
        ``Error: ...``, as the command line was well formed -- not a usage error (2), no usage
        text.  Converted here, the one place, so it holds under :func:`main` and under click's
        standalone mode (``CliRunner``) alike.
        """
        try:
            return super().invoke(ctx)
        except NotFoundError as exc:
            raise click.ClickException(str(exc)) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        self._load_plugins()
        target = self._lazy.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        try:
            command = getattr(importlib.import_module(module_name), attr)
        except Exception as exc:  # noqa: BLE001 -- one broken plugin must not break the CLI
            click.echo(
                f"warning: command {cmd_name!r} from {target} failed to load: "
                f"{type(exc).__name__}: {exc}",
                err=True,
            )
            return None
        if not isinstance(command, click.Command):
            click.echo(f"warning: {target} (command {cmd_name!r}) is not a click command", err=True)
            return None
        self.add_command(command, cmd_name)
        return command


@click.group(
    cls=LazyGroup,
    lazy_commands=CORE_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__, "--version", prog_name="taskloom", message="%(prog)s %(version)s"
)
def cli() -> None:
    """taskloom: author, run and inspect workflows (DAGs of tasks)."""


@cli.command("version")
def version_command() -> None:
    """Print the installed core version."""
    click.echo(__version__)


def _store_errors() -> tuple[type[Exception], ...]:
    from taskloom import store

    return store.driver_errors()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line in this process and return its exit status."""
    try:
        # Without standalone mode click returns the code of ``ctx.exit(code)`` / ``Exit(code)``.
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="taskloom",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return ExitCode.INTERRUPTED
    except TaskloomError as exc:
        # Errors taskloom raises on purpose carry their fix (an unusable metadata DB, a
        # secret that cannot be decrypted, a bad setting): one line, no traceback.
        click.echo(f"Error: {exc}", err=True)
        return ExitCode.FAILED
    except _store_errors() as exc:
        # Damage or a lost server found while reading (not when opening): one line naming
        # the DB and the fix, never its password.
        from taskloom import store

        click.echo(f"Error: {store.explain(exc)}", err=True)
        return ExitCode.FAILED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    return result if isinstance(result, int) else ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
