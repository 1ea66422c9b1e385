"""``taskloom celery``: start a worker, or show the workers and what they run.

Added to the ``taskloom`` command line through the ``taskloom.cli`` entry point.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
from types import FrameType
from typing import TYPE_CHECKING

import click

from taskloom.providers.celery.settings import CelerySettings
from taskloom.providers.celery.settings import redacted

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess


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
    settings = CelerySettings.from_config()
    served = _queues(queues) or [settings.default_queue]
    click.echo(
        f"taskloom celery worker: queues {', '.join(served)}, broker {redacted(settings.broker_url)}",
        err=True,
    )
    argv = [
        "worker",
        f"--queues={','.join(served)}",
        f"--concurrency={concurrency or settings.worker_concurrency}",
        f"--hostname={name or f'taskloom-{os.getpid()}@{socket.gethostname()}'}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]
    raise SystemExit(_supervise(argv, settings))


#: A Celery worker that stops on an error is started again, unless it stopped this many
#: times in a row within _MIN_UPTIME_SECONDS of starting (a setting that cannot work).
_MIN_UPTIME_SECONDS = 10.0
_MAX_QUICK_FAILURES = 5


def _celery_worker(argv: list[str], settings: CelerySettings) -> None:
    """Body of the supervised process: the Celery worker itself."""
    from taskloom.providers.celery.app import create_app

    code = create_app(settings).start(argv)
    os._exit(int(code or 0))


def _supervise(argv: list[str], settings: CelerySettings) -> int:
    """Run the Celery worker in a child process; start it again when it stops on an error.

    Celery's worker exits on some broker connection errors it does not survive (kombu's
    Redis transport can fail while it restores unacknowledged messages after the broker
    restarted); it is then started again, as a service manager's ``Restart=on-failure``
    would, waiting longer after each quick failure. SIGTERM, SIGINT and SIGQUIT go to the worker
    (SIGTERM: a warm shutdown, running tasks finish) and stop the supervision.
    """
    context = multiprocessing.get_context("fork")
    stopping: list[int] = []
    child: BaseProcess | None = None

    def forward(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        if child is not None and child.pid is not None and child.is_alive():
            # Ctrl-C reached the worker too (same process group): a second SIGINT would
            # be Celery's cold shutdown, so the worker gets a SIGTERM (warm) instead.
            os.kill(child.pid, signal.SIGTERM if signum == signal.SIGINT else signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, forward)
    quick_failures = 0
    while True:
        started = time.monotonic()
        child = context.Process(target=_celery_worker, args=(argv, settings), name="celery")
        child.start()
        child.join()
        code = child.exitcode if child.exitcode is not None else 1
        if stopping or code == 0:
            return code if code >= 0 else 128 - code
        ran = time.monotonic() - started
        quick_failures = quick_failures + 1 if ran < _MIN_UPTIME_SECONDS else 0
        if quick_failures >= _MAX_QUICK_FAILURES:
            click.echo(
                f"the Celery worker stopped with status {code} {quick_failures} times in a row "
                f"within {_MIN_UPTIME_SECONDS:g} s of starting (see its log above); giving up",
                err=True,
            )
            return code if code > 0 else 1
        pause = min(2.0**quick_failures, 30.0)
        click.echo(
            f"the Celery worker stopped with status {code} after {ran:.0f} s; "
            f"starting it again in {pause:g} s",
            err=True,
        )
        time.sleep(pause)


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
