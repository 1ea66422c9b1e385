"""The Celery application shared by the executor (which sends workloads) and the workers.

One task, :data:`TASK_NAME`, carries a workload (DAG id, run id, task id, DAG file): a
worker runs it the way every taskloom executor does, through
:func:`taskloom.execution.worker.execute_workload`, and returns the outcome the task
runner already committed to the metadata DB.  The worker starts the try only if the
task instance is still ``queued`` (one conditional update), so a message delivered twice
(broker restart, a re-sent workload) never runs a try twice: the extra delivery is
ignored and stores no result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from celery import Celery

from taskloom.providers.celery import redis_transport
from taskloom.providers.celery.settings import CelerySettings

if TYPE_CHECKING:
    from taskloom.models.dag import DAG

#: The Celery task that runs a workload.
TASK_NAME = "taskloom.execute_workload"

#: DAGs a worker process parsed, by id (kept for the next workloads of that process).
_DAGS: dict[str, DAG] = {}


def outcome(result: Any) -> dict[str, Any]:
    """A :class:`~taskloom.execution.task_runner.TaskRunResult` as the JSON the task returns."""
    return {
        "state": result.state,
        "try_number": result.try_number,
        "skipped": list(result.skipped),
        "next_try_at": result.next_try_at.isoformat() if result.next_try_at else None,
        "error": result.error,
    }


def _execute(dag_id: str, run_id: str, task_id: str, fileloc: str) -> dict[str, Any]:
    """Body of :data:`TASK_NAME`, in a worker's task process."""
    from celery.exceptions import Ignore

    from taskloom.execution.worker import execute_workload
    from taskloom.execution.worker import process_connection
    from taskloom.execution.workload import Workload
    from taskloom.store import tries

    workload = Workload(dag_id, run_id, task_id, fileloc)
    # Only a queued task instance is this message's to start: a copy delivered after its
    # try ran, failed or was retried (a broker restart, a re-sent workload) is ignored.
    # The runner's start is fenced too: of two copies that both see it queued, one starts.
    found = tries.current(process_connection(), (dag_id, run_id, task_id))
    if found is None or found[0] != "queued":
        raise Ignore()
    result = execute_workload(workload, _DAGS, cache_runs=True)
    if result.state == "running":
        # Another delivery started this try first; its result is the one the executor reads.
        raise Ignore()
    return outcome(result)


def create_app(settings: CelerySettings) -> Celery:
    """The Celery app for ``settings``, with :data:`TASK_NAME` registered."""
    app = Celery("taskloom", broker=settings.broker_url, backend=settings.result_backend)
    transport = {"visibility_timeout": int(settings.visibility_timeout)}
    if urlsplit(settings.broker_url).scheme == "redis":
        app.conf.broker_transport = redis_transport.TRANSPORT
    app.conf.update(
        task_default_queue=settings.default_queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A worker acknowledges a message when it starts the task: a worker killed mid-task
        # leaves no message to run it again; the scheduler sees the try's process dead and
        # retries or fails it, as its retries say.
        task_acks_late=False,
        # No STARTED state: the metadata DB says when a try started (one write less per task).
        task_track_started=False,
        # Celery's default: a few messages reserved per task process keep them busy; what a
        # dying worker had reserved is delivered again after visibility_timeout, or re-sent.
        worker_prefetch_multiplier=4,
        worker_concurrency=settings.worker_concurrency,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        result_expires=24 * 3600,
        result_extended=False,
        worker_redirect_stdouts=False,
        enable_utc=True,
    )
    app.task(name=TASK_NAME)(_execute)
    return app
