"""``taskloom scheduler``: create runs from schedules and run their tasks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from taskloom.cli.dags import subdir_option

if TYPE_CHECKING:
    from taskloom.jobs.run_state import RunState


def _report(rs: RunState) -> None:
    click.echo(f"{rs.run.dag_id} {rs.run.run_id}: {rs.run.state}")


@click.command("scheduler")
@click.option(
    "-n",
    "--num-runs",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after N loop iterations.",
)
@click.option(
    "--once", is_flag=True, help="Run what is due now, wait until those runs finish, then stop."
)
@click.option(
    "-x",
    "--executor",
    "executor_name",
    default=None,
    help="Default: setting [core] executor (local).",
)
@subdir_option
def scheduler_command(
    num_runs: int | None, once: bool, executor_name: str | None, subdir: Path | None
) -> None:
    """Run the scheduler (until Ctrl-C / SIGTERM, --num-runs or --once)."""
    import logging

    from taskloom.exceptions import TaskloomError
    from taskloom.executors import load_executor
    from taskloom.jobs.scheduler import SchedulerJob

    logging.basicConfig(
        level=logging.INFO, format="[%(asctime)s] %(levelname)s %(name)s: %(message)s"
    )
    try:
        job = SchedulerJob(
            subdir,
            executor=load_executor(executor_name),
            num_runs=num_runs or -1,
            once=once,
            on_run_done=_report,
        )
        job.run()
    except TaskloomError as exc:
        raise click.ClickException(str(exc)) from None
