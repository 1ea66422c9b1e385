"""``taskloom celery``: start a worker, or show the workers and what they run.

Added to the ``taskloom`` command line through the ``taskloom.cli`` entry point.
"""

from __future__ import annotations

import os
import socket

import click

from taskloom.providers.celery.settings import CelerySettings
from taskloom.providers.celery.settings import redacted


@click.group("celery")
def celery_group() -> None:
    """Run tasks on Celery workers ([core] executor = celery)."""


def _queues(value: str | None) -> list[str]:
    queues = [q.strip() for q in (value or "").split(",") if q.strip()]
    for queue in queues:
        if not all(c.isalnum() or c in "_.:-" for c in queue):
            raise click.BadParameter(
                f"{queue!r} is not a queue name (letters, digits, '_', '.', ':' and '-')",
                param_hint="--queues",
            )
    return queues


@celery_group.command("worker")
@click.option(
    "-q",
    "--queues",
    default=None,
    help="Comma-separated queues to serve (default: [celery] default_queue).",
)
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Task processes (default: [celery] worker_concurrency).",
)
@click.option(
    "-n",
    "--name",
    default=None,
    help="Worker name, unique per broker (default: taskloom-<pid>@<host>).",
)
@click.option("--loglevel", default="INFO", show_default=True, help="Celery's log level.")
def worker_command(
    queues: str | None, concurrency: int | None, name: str | None, loglevel: str
) -> None:
    """Start a Celery worker that runs taskloom tasks.

    It needs the metadata DB ([database] settings), the broker ([celery] broker_url) and
    the providers of the tasks it runs; it reads each task's DAG file from the path the
    scheduler recorded.
    """
    from taskloom.providers.celery.app import create_app

    settings = CelerySettings.from_config()
    served = _queues(queues) or [settings.default_queue]
    app = create_app(settings)
    click.echo(
        f"taskloom celery worker: queues {', '.join(served)}, broker {redacted(settings.broker_url)}",
        err=True,
    )
    app.worker_main(
        [
            "worker",
            f"--queues={','.join(served)}",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--hostname={name or f'taskloom-{os.getpid()}@{socket.gethostname()}'}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@celery_group.command("status")
@click.option(
    "--timeout", type=float, default=2.0, show_default=True, help="Seconds to wait for answers."
)
def status_command(timeout: float) -> None:
    """Show the workers that answer, their queues, and the tasks they run now.

    Exits 1 when no worker answers.
    """
    from taskloom.providers.celery.app import TASK_NAME
    from taskloom.providers.celery.app import create_app

    settings = CelerySettings.from_config()
    app = create_app(settings)
    try:
        inspect = app.control.inspect(timeout=timeout)
        queues = inspect.active_queues() or {}
        active = inspect.active() or {}
        stats = inspect.stats() or {}
    finally:
        app.close()
    if not queues:
        raise click.ClickException(
            f"no Celery worker answered within {timeout:g} s (broker {redacted(settings.broker_url)}); "
            "start one: taskloom celery worker --queues <queue>"
        )
    for worker in sorted(queues):
        pool = stats.get(worker, {}).get("pool", {})
        names = ", ".join(sorted(q["name"] for q in queues[worker]))
        tasks = [t for t in active.get(worker, []) if t.get("name") == TASK_NAME]
        click.echo(
            f"{worker}: queues {names}; concurrency {pool.get('max-concurrency', '?')}; "
            f"running {len(tasks)}"
        )
        for task in tasks:
            dag_id, run_id, task_id = task["args"][:3]
            click.echo(f"  {dag_id}.{task_id} {run_id} (pid {task.get('worker_pid', '?')})")
