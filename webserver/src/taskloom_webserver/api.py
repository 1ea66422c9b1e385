"""The REST API, ``/api/v1``: JSON in and out, every list paginated (``limit``/``offset``,
answered with ``items`` and ``total``), described at ``/api/v1/openapi.json``."""

from __future__ import annotations

import time
from contextlib import closing
from typing import Annotated
from typing import Any
from typing import Literal

from fastapi import APIRouter
from fastapi import Depends
from fastapi import HTTPException
from fastapi import Query
from fastapi import Request
from fastapi import Response
from pydantic import BaseModel
from pydantic import Field

from taskloom import store
from taskloom.exceptions import DagRunNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.jobs.job import health_threshold
from taskloom.models import dagrun as dagrun_model
from taskloom.models import taskinstance as ti_model
from taskloom.models.connection import Connection
from taskloom.models.variable import Variable
from taskloom.secrets.metastore import MetastoreBackend
from taskloom.store import dags as dag_store
from taskloom.store import pools as pool_store
from taskloom.store import web as web_store
from taskloom.utils.dates import utcnow
from taskloom_webserver import views
from taskloom_webserver.auth import Role
from taskloom_webserver.auth import User
from taskloom_webserver.dags import dag_or_404
from taskloom_webserver.dags import dags_of
from taskloom_webserver.security import require

router = APIRouter(prefix="/api/v1")

Viewer = Annotated[User, Depends(require(Role.VIEWER))]
Operator = Annotated[User, Depends(require(Role.OPERATOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]


class DagPatch(BaseModel):
    is_paused: bool


class TriggerBody(BaseModel):
    conf: dict[str, Any] = Field(
        default_factory=dict, description="Checked against the DAG's params."
    )
    run_id: str | None = None


class StatePatch(BaseModel):
    state: Literal["success", "failed"]


class TaskPatch(BaseModel):
    state: Literal["success", "failed"]
    downstream: bool = False


class ClearBody(BaseModel):
    downstream: bool = False


class ConnectionBody(BaseModel):
    conn_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra: dict[str, Any] | None = None


class VariableBody(BaseModel):
    key: str
    value: str
    description: str | None = None


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(400, str(exc))


# --- health ------------------------------------------------------------------------------


@router.get("/health", tags=["health"])
def health() -> dict[str, Any]:
    """Whether the store answers and how old the newest scheduler heartbeat is (no login
    needed: it reveals nothing else)."""
    started = time.perf_counter()
    try:
        with closing(store.connect()) as conn:
            web_store.ping(conn)
            latency = round((time.perf_counter() - started) * 1000, 2)
            beat = web_store.latest_scheduler_heartbeat(conn)
    except Exception as exc:  # noqa: BLE001 -- reported, not raised: this is the health check
        return {
            "store": {"status": "unhealthy", "error": type(exc).__name__},
            "scheduler": {
                "status": "unknown",
                "latest_heartbeat": None,
                "heartbeat_age_seconds": None,
            },
        }
    age = (utcnow() - beat).total_seconds() if beat is not None else None
    healthy = age is not None and age <= health_threshold()
    return {
        "store": {"status": "healthy", "latency_ms": latency},
        "scheduler": {
            "status": "healthy" if healthy else "unhealthy",
            "latest_heartbeat": beat.isoformat() if beat is not None else None,
            "heartbeat_age_seconds": round(age, 3) if age is not None else None,
        },
    }


# --- DAGs --------------------------------------------------------------------------------


@router.get("/dags", tags=["dags"])
def list_dags(
    request: Request,
    user: Viewer,
    limit: Limit = 100,
    offset: Offset = 0,
    search: str | None = None,
    tag: str | None = None,
    paused: bool | None = None,
) -> dict[str, Any]:
    with closing(store.connect()) as conn:
        states = dag_store.paused(conn)
        chosen = views.filter_dags(list(dags_of(request)), states, search, tag, paused)
        window = chosen[offset : offset + limit]
        recent = views.recent_runs(conn, [d.dag_id for d in window], 5)
    items = [views.dag_summary(d, states.get(d.dag_id, False), recent[d.dag_id]) for d in window]
    return {"items": items, "total": len(chosen), "limit": limit, "offset": offset}


@router.get("/dags/{dag_id}", tags=["dags"])
def get_dag(request: Request, user: Viewer, dag_id: str) -> dict[str, Any]:
    dag = dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        paused = dag_store.paused(conn).get(dag_id, False)
        recent = views.recent_runs(conn, [dag_id], 5)[dag_id]
    return {
        **views.dag_summary(dag, paused, recent),
        "doc_md": dag.doc_md,
        "params": views.param_specs(dag),
        "tasks": [
            {
                "task_id": t.task_id,
                "operator": type(t).__name__,
                "downstream": sorted(t.downstream_task_ids),
            }
            for t in dag.tasks
        ],
    }


@router.patch("/dags/{dag_id}", tags=["dags"])
def patch_dag(request: Request, user: Operator, dag_id: str, body: DagPatch) -> dict[str, Any]:
    """Pause or unpause."""
    dag = dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        views.set_paused(conn, dag, body.is_paused)
    return {"dag_id": dag_id, "is_paused": body.is_paused}


# --- DAG runs ----------------------------------------------------------------------------


@router.get("/dags/{dag_id}/dagRuns", tags=["dag runs"])
def list_runs(
    request: Request,
    user: Viewer,
    dag_id: str,
    limit: Limit = 100,
    offset: Offset = 0,
    state: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        total = web_store.count_runs(conn, dag_id, state or ())
        runs = views.list_runs(conn, dag_id, limit=limit, offset=offset, states=state or ())
    return {
        "items": [views.run_record(r) for r in runs],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.post("/dags/{dag_id}/dagRuns", tags=["dag runs"], status_code=201)
def trigger_run(request: Request, user: Operator, dag_id: str, body: TriggerBody) -> dict[str, Any]:
    """Queue a manual run; ``conf`` is checked against the DAG's params first."""
    dag = dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        try:
            run = views.trigger(conn, dag, body.conf, body.run_id)
        except views.BadRequest as exc:
            raise _bad(exc) from None
    return views.run_record(run)


def _run(conn: Any, dag_id: str, run_id: str) -> Any:
    try:
        return dagrun_model.get(conn, dag_id, run_id)
    except DagRunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/dags/{dag_id}/dagRuns/{run_id}", tags=["dag runs"])
def get_run(user: Viewer, dag_id: str, run_id: str) -> dict[str, Any]:
    with closing(store.connect()) as conn:
        return views.run_record(_run(conn, dag_id, run_id))


@router.patch("/dags/{dag_id}/dagRuns/{run_id}", tags=["dag runs"])
def mark_run(user: Operator, dag_id: str, run_id: str, body: StatePatch) -> dict[str, Any]:
    """Mark a run success or failed (its unfinished tasks follow, as in Airflow)."""
    with closing(store.connect()) as conn:
        _run(conn, dag_id, run_id)
        web_store.mark_run(conn, dag_id, run_id, body.state)
        return views.run_record(dagrun_model.get(conn, dag_id, run_id))


# --- task instances ----------------------------------------------------------------------


@router.get("/dags/{dag_id}/dagRuns/{run_id}/taskInstances", tags=["task instances"])
def list_task_instances(
    request: Request, user: Viewer, dag_id: str, run_id: str, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    dag = dags_of(request).get(dag_id)
    with closing(store.connect()) as conn:
        _run(conn, dag_id, run_id)
        tis = ti_model.for_run(conn, dag_id, run_id)
    return views.page([views.ti_record(ti, dag) for ti in tis], limit, offset)


def _ti(conn: Any, dag_id: str, run_id: str, task_id: str) -> Any:
    ti = ti_model.get(conn, dag_id, run_id, task_id)
    if ti is None:
        raise HTTPException(404, f"run {run_id!r} of DAG {dag_id!r} has no task {task_id!r}")
    return ti


@router.get("/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", tags=["task instances"])
def get_task_instance(
    request: Request, user: Viewer, dag_id: str, run_id: str, task_id: str
) -> dict[str, Any]:
    with closing(store.connect()) as conn:
        return views.ti_record(_ti(conn, dag_id, run_id, task_id), dags_of(request).get(dag_id))


@router.patch("/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", tags=["task instances"])
def mark_task_instance(
    request: Request, user: Operator, dag_id: str, run_id: str, task_id: str, body: TaskPatch
) -> dict[str, Any]:
    """Mark success or failed (with ``downstream``, its downstream tasks too)."""
    with closing(store.connect()) as conn:
        _ti(conn, dag_id, run_id, task_id)
        ids = views.tasks_to_change(dags_of(request).get(dag_id), task_id, body.downstream)
        changed = web_store.mark_task_instances(conn, dag_id, run_id, ids, body.state)
    return {"task_ids": ids, "changed": changed}


@router.post(
    "/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/clear", tags=["task instances"]
)
def clear_task_instance(
    request: Request, user: Operator, dag_id: str, run_id: str, task_id: str, body: ClearBody
) -> dict[str, Any]:
    """Reset the task (with ``downstream``, its downstream tasks too) so the scheduler runs it again."""
    with closing(store.connect()) as conn:
        _ti(conn, dag_id, run_id, task_id)
        ids = views.tasks_to_change(dags_of(request).get(dag_id), task_id, body.downstream)
        cleared = views.clear(conn, dag_id, run_id, ids)
    return {"task_ids": cleared}


@router.get(
    "/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
    tags=["task instances"],
)
def get_log(
    user: Viewer,
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int,
    offset: Annotated[
        int, Query(ge=0, description="Byte offset to read from (a previous next_offset).")
    ] = 0,
) -> dict[str, Any]:
    """A piece of one try's log, whole lines, from ``offset``; read on from ``next_offset``."""
    with closing(store.connect()) as conn:
        ti = _ti(conn, dag_id, run_id, task_id)
    try:
        chunk = views.read_log(dag_id, run_id, task_id, try_number, offset)
    except views.BadRequest as exc:
        raise _bad(exc) from None
    return {**chunk.to_dict(), "task_state": ti.state, "task_try_number": ti.try_number}


@router.get(
    "/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcoms", tags=["task instances"]
)
def list_xcoms(
    user: Viewer, dag_id: str, run_id: str, task_id: str, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    with closing(store.connect()) as conn:
        _ti(conn, dag_id, run_id, task_id)
        rows = views.xcoms(conn, dag_id, run_id, task_id)
    return views.page(rows, limit, offset)


# --- connections -------------------------------------------------------------------------


def _connections() -> list[Connection]:
    return list(MetastoreBackend().iter_connections())


@router.get("/connections", tags=["connections"])
def list_connections(user: Operator, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Stored connections; passwords are never returned (``has_password`` says if one is set)."""
    return views.page([views.connection_record(c) for c in _connections()], limit, offset)


@router.get("/connections/{conn_id}", tags=["connections"])
def get_connection(user: Operator, conn_id: str) -> dict[str, Any]:
    found = MetastoreBackend().get_connection(conn_id)
    if found is None:
        raise HTTPException(404, f"no stored connection {conn_id!r}")
    return views.connection_record(found)


def _store_connection(
    body: ConnectionBody, *, overwrite: bool, keep_password: str | None
) -> Connection:
    try:
        conn = Connection(
            conn_id=body.conn_id,
            conn_type=body.conn_type,
            description=body.description,
            host=body.host,
            schema=body.schema_,
            login=body.login,
            password=body.password if body.password is not None else keep_password,
            port=body.port,
            extra=body.extra,
        )
        stored = MetastoreBackend().set_connection(conn, overwrite=overwrite)
    except InvalidConnectionError as exc:
        raise _bad(exc) from None
    if not stored:
        raise HTTPException(
            409, f"connection {body.conn_id!r} exists already; PUT it to replace it"
        )
    views.load_known_secrets(force=True)
    return conn


@router.post("/connections", tags=["connections"], status_code=201)
def create_connection(user: Admin, body: ConnectionBody) -> dict[str, Any]:
    return views.connection_record(_store_connection(body, overwrite=False, keep_password=None))


@router.put("/connections/{conn_id}", tags=["connections"])
def replace_connection(user: Admin, conn_id: str, body: ConnectionBody) -> dict[str, Any]:
    """Replace a connection; a body without ``password`` keeps the stored one."""
    if body.conn_id != conn_id:
        raise HTTPException(
            400, f"the body's conn_id {body.conn_id!r} is not the path's {conn_id!r}"
        )
    old = MetastoreBackend().get_connection(conn_id)
    keep = old.password if old is not None else None
    return views.connection_record(_store_connection(body, overwrite=True, keep_password=keep))


@router.delete("/connections/{conn_id}", tags=["connections"], status_code=204)
def delete_connection(user: Admin, conn_id: str) -> Response:
    if not MetastoreBackend().delete_connection(conn_id):
        raise HTTPException(404, f"no stored connection {conn_id!r}")
    return Response(status_code=204)


# --- variables ---------------------------------------------------------------------------


@router.get("/variables", tags=["variables"])
def list_variables(user: Operator, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Variables; the value of one named like a secret (``*password*``, ``*token*``...) is ``***``."""
    return views.page([views.variable_record(r) for r in Variable.list()], limit, offset)


@router.get("/variables/{key}", tags=["variables"])
def get_variable(user: Operator, key: str) -> dict[str, Any]:
    for row in Variable.list():
        if row["key"] == key:
            return views.variable_record(row)
    raise HTTPException(404, f"no stored variable {key!r}")


@router.put("/variables/{key}", tags=["variables"])
def set_variable(user: Admin, key: str, body: VariableBody) -> dict[str, Any]:
    """Create or replace a variable."""
    if body.key != key:
        raise HTTPException(400, f"the body's key {body.key!r} is not the path's {key!r}")
    Variable.set(key, body.value, description=body.description)
    views.load_known_secrets(force=True)
    return get_variable(user, key)


@router.delete("/variables/{key}", tags=["variables"], status_code=204)
def delete_variable(user: Admin, key: str) -> Response:
    if not Variable.delete(key):
        raise HTTPException(404, f"no stored variable {key!r}")
    return Response(status_code=204)


# --- pools -------------------------------------------------------------------------------


class PoolBody(BaseModel):
    pool: str
    slots: int
    description: str | None = None


@router.get("/pools", tags=["pools"])
def list_pools(user: Viewer, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Pools with their slots and the slots their queued and running tasks occupy."""
    with closing(store.connect()) as conn:
        return views.page(pool_store.list_pools(conn), limit, offset)


@router.put("/pools/{name}", tags=["pools"])
def set_pool(user: Admin, name: str, body: PoolBody) -> dict[str, Any]:
    """Create or change a pool (as ``taskloom pools set`` does)."""
    if body.pool != name:
        raise HTTPException(400, f"the body's pool {body.pool!r} is not the path's {name!r}")
    with closing(store.connect()) as conn:
        try:
            pool_store.set_pool(conn, name, body.slots, body.description)
        except ValueError as exc:
            raise _bad(exc) from None
        found = pool_store.get_pool(conn, name)
    assert found is not None
    return found


@router.delete("/pools/{name}", tags=["pools"], status_code=204)
def delete_pool(user: Admin, name: str) -> Response:
    with closing(store.connect()) as conn:
        try:
            deleted = pool_store.delete_pool(conn, name)
        except ValueError as exc:
            raise _bad(exc) from None
    if not deleted:
        raise HTTPException(404, f"no pool {name!r}")
    return Response(status_code=204)


# --- providers ---------------------------------------------------------------------------


@router.get("/providers", tags=["providers"])
def list_providers(user: Viewer, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Installed providers with their maintainers and issue tracker (where to send feedback)."""
    return views.page(views.providers(), limit, offset)


@router.get("/importErrors", tags=["dags"])
def list_import_errors(
    request: Request, user: Viewer, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    """DAG files that could not be loaded, with the error."""
    errors = [
        {"filename": name, "error": views.masked(text)}
        for name, text in sorted(dags_of(request).import_errors().items())
    ]
    return views.page(errors, limit, offset)
