"""The pages: server-rendered Jinja2 templates, every value escaped (autoescape on).

Forms post back here with the session's CSRF token; each write needs the role the API
needs for the same action.
"""

from __future__ import annotations

import json
import secrets
from contextlib import closing
from pathlib import Path
from typing import Annotated
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter
from fastapi import Depends
from fastapi import Form
from fastapi import HTTPException
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from taskloom import store
from taskloom.exceptions import DagRunNotFoundError
from taskloom.exceptions import InvalidConnectionError
from taskloom.models import dagrun as dagrun_model
from taskloom.models import taskinstance as ti_model
from taskloom.models.connection import Connection
from taskloom.models.variable import Variable
from taskloom.secrets.metastore import MetastoreBackend
from taskloom.store import dags as dag_store
from taskloom.store import pools as pool_store
from taskloom.store import web as web_store
from taskloom_webserver import auth
from taskloom_webserver import graph
from taskloom_webserver import views
from taskloom_webserver.auth import Role
from taskloom_webserver.auth import User
from taskloom_webserver.dags import dag_or_404
from taskloom_webserver.dags import dags_of
from taskloom_webserver.security import LOGIN_CSRF_COOKIE
from taskloom_webserver.security import SESSION_COOKIE
from taskloom_webserver.security import cookies_secure
from taskloom_webserver.security import require
from taskloom_webserver.security import set_session_cookie
from taskloom_webserver.throttle import LoginThrottle

router = APIRouter(include_in_schema=False)

Viewer = Annotated[User, Depends(require(Role.VIEWER))]
Operator = Annotated[User, Depends(require(Role.OPERATOR))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]

#: Runs shown in a DAG's grid and DAGs per page of the list.
GRID_RUNS, DAGS_PER_PAGE = 25, 50

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
)
_env.filters["q"] = lambda value: quote(str(value), safe="")
# Links from provider metadata: only web addresses (never ``javascript:``).
_env.filters["url"] = lambda value: value if str(value).startswith(("https://", "http://")) else "#"


def _render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    html = _env.get_template(template).render(request=request, user=user, Role=Role, **values)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status=status, status_code=status, message=message)


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this server (never ``//host`` or ``https://host``): no open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


# --- login -------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next: str = "/", error: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = _render(request, "login.html", next=_safe_next(next), csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookies_secure(request),
        path="/login",
    )
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise HTTPException(403, "the login form expired; reload it and log in again")
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client is not None else ""
    wait = throttle.wait_seconds(address, username)
    if wait > 0:
        raise HTTPException(
            429, f"too many wrong passwords for {username!r}; try again in {wait:.0f} seconds"
        )
    with closing(store.connect()) as conn:
        user = auth.authenticate(conn, username, password)
        if user is None:
            throttle.failed(address, username)
            return _back(f"/login?error=1&next={quote(_safe_next(next), safe='')}")
        throttle.succeeded(address, username)
        session_id = auth.start_session(conn, user)
    response = _back(_safe_next(next))
    set_session_cookie(response, session_id, secure=cookies_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: Viewer) -> Response:
    with closing(store.connect()) as conn:
        auth.end_session(conn, request.cookies.get(SESSION_COOKIE, ""))
    response = _back("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- DAGs --------------------------------------------------------------------------------


@router.get("/")
def dag_list(
    request: Request,
    user: Viewer,
    search: str = "",
    tag: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    dags = list(dags_of(request))
    with closing(store.connect()) as conn:
        paused = dag_store.paused(conn)
        chosen = views.filter_dags(dags, paused, search, tag or None, None)
        window = chosen[(page - 1) * DAGS_PER_PAGE : page * DAGS_PER_PAGE]
        recent = views.recent_runs(conn, [d.dag_id for d in window], 5)
    rows = [views.dag_summary(d, paused.get(d.dag_id, False), recent[d.dag_id]) for d in window]
    return _render(
        request,
        "dags.html",
        rows=rows,
        search=search,
        tag=tag,
        page=page,
        pages=max(1, -(-len(chosen) // DAGS_PER_PAGE)),
        total=len(chosen),
        import_errors=dags_of(request).import_errors(),
    )


@router.get("/dags/{dag_id}")
def dag_grid(request: Request, user: Viewer, dag_id: str) -> Response:
    dag = dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        paused = dag_store.paused(conn).get(dag_id, False)
        runs = views.list_runs(conn, dag_id, limit=GRID_RUNS, offset=0)
        runs.reverse()  # oldest on the left, as in Airflow's grid
        states = web_store.grid_states(conn, dag_id, [r.run_id for r in runs])
    tasks = [t.task_id for t in dag.topological_sort()]
    return _render(
        request,
        "grid.html",
        dag=dag,
        paused=paused,
        runs=runs,
        rows=_grid_rows(dag_id, runs, tasks, states),
    )


def _grid_rows(
    dag_id: str, runs: list[Any], tasks: list[str], states: dict[tuple[str, str], str | None]
) -> list[tuple[str, Markup]]:
    """Each task's id and its row of cells, built here rather than in the template: a grid
    holds up to 25 x (tasks) cells, and each id is quoted and escaped once, not once a cell."""
    base = f"/dags/{quote(dag_id, safe='')}/runs/"
    run_urls = [(run.run_id, base + quote(run.run_id, safe="")) for run in runs]
    state_class: dict[str | None, str] = {}
    rows = []
    for task_id in tasks:
        tail = "/tasks/" + quote(task_id, safe="")
        cells = []
        for run_id, url in run_urls:
            state = states.get((run_id, task_id))
            css = state_class.get(state)
            if css is None:
                css = state_class[state] = str(escape(state or "none"))
            cells.append(
                f'<td><a class="cell state-{css}" data-state="{css}" href="{url}{tail}"></a></td>'
            )
        rows.append((task_id, Markup("".join(cells))))
    return rows


@router.get("/dags/{dag_id}/graph")
def dag_graph(request: Request, user: Viewer, dag_id: str, run_id: str | None = None) -> Response:
    dag = dag_or_404(request, dag_id)
    states: dict[str, str | None] = {}
    if run_id:
        with closing(store.connect()) as conn:
            states = {t: s for (_, t), s in web_store.grid_states(conn, dag_id, [run_id]).items()}
    return _render(request, "graph.html", dag=dag, layout=graph.layout(dag, states), run_id=run_id)


@router.post("/dags/{dag_id}/pause")
def toggle_pause(
    request: Request, user: Operator, dag_id: str, paused: Annotated[str, Form()]
) -> Response:
    dag = dag_or_404(request, dag_id)
    with closing(store.connect()) as conn:
        views.set_paused(conn, dag, paused == "1")
    return _back(f"/dags/{quote(dag_id, safe='')}")


@router.get("/dags/{dag_id}/trigger")
def trigger_form(
    request: Request, user: Operator, dag_id: str, error: str | None = None
) -> Response:
    dag = dag_or_404(request, dag_id)
    return _render(
        request, "trigger.html", dag=dag, params=views.param_specs(dag), error=error, json=json
    )


@router.post("/dags/{dag_id}/trigger")
async def trigger(request: Request, user: Operator, dag_id: str) -> Response:
    dag = dag_or_404(request, dag_id)
    form = await request.form()
    conf: dict[str, Any] = {}
    try:
        for spec in views.param_specs(dag):
            raw = form.get(f"param.{spec['name']}")
            if not isinstance(raw, str):
                continue
            conf[spec["name"]] = _parse_param(raw, spec)

        def create() -> Any:
            with closing(store.connect()) as conn:
                return views.trigger(conn, dag, conf, None)

        run = await run_in_threadpool(create)
    except views.BadRequest as exc:
        return _render(
            request,
            "trigger.html",
            status=400,
            dag=dag,
            params=views.param_specs(dag),
            error=str(exc),
            json=json,
        )
    return _back(f"/dags/{quote(dag_id, safe='')}?triggered={quote(run.run_id, safe='')}")


def _parse_param(raw: str, spec: dict[str, Any]) -> Any:
    """A form field's text as the param's value: text for a string param (by its schema
    type, or by its default when it has no type), else JSON (``3``, ``true``, ``[1, 2]``)."""
    kind = spec["schema"].get("type")
    if kind == "string" or (
        kind is None and (isinstance(spec["default"], str) or not spec["has_default"])
    ):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise views.BadRequest(
            f"param {spec['name']!r}: {raw!r} is not a JSON value of type {kind or 'the default'}; "
            "write numbers as 3, booleans as true, lists as [1, 2]"
        ) from None


# --- runs and task instances -------------------------------------------------------------


def _run(conn: Any, dag_id: str, run_id: str) -> Any:
    try:
        return dagrun_model.get(conn, dag_id, run_id)
    except DagRunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.post("/dags/{dag_id}/runs/{run_id}/mark")
def mark_run(user: Operator, dag_id: str, run_id: str, state: Annotated[str, Form()]) -> Response:
    if state not in ("success", "failed"):
        raise HTTPException(400, "state must be success or failed")
    with closing(store.connect()) as conn:
        _run(conn, dag_id, run_id)
        web_store.mark_run(conn, dag_id, run_id, state)
    return _back(f"/dags/{quote(dag_id, safe='')}")


def _ti_url(dag_id: str, run_id: str, task_id: str) -> str:
    return f"/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"


@router.get("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}")
def task_instance(
    request: Request,
    user: Viewer,
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int | None = None,
) -> Response:
    dag = dags_of(request).get(dag_id)
    with closing(store.connect()) as conn:
        run = _run(conn, dag_id, run_id)
        ti = ti_model.get(conn, dag_id, run_id, task_id)
        if ti is None:
            raise HTTPException(404, f"run {run_id!r} has no task {task_id!r}")
        xcoms = views.xcoms(conn, dag_id, run_id, task_id)
        # The context of a template reads the DB (previous runs): render while it is open.
        rendered = views.rendered_fields(dag, run, ti) if dag is not None else {}
    record = views.ti_record(ti, dag)
    tries = record["log_tries"]
    chosen = try_number or (tries[-1] if tries else None)
    log = views.read_log(dag_id, run_id, task_id, chosen, 0) if chosen else None
    provider = views.provider_of_task(dag, task_id) if dag is not None else None
    task = dag.task_dict.get(task_id) if dag is not None else None
    return _render(
        request,
        "task_instance.html",
        dag_id=dag_id,
        run=run,
        ti=record,
        task_doc=getattr(task, "doc_md", None),
        rendered=rendered,
        xcoms=xcoms,
        json=json,
        try_number=chosen,
        log=log,
        provider=views.provider_record(provider) if provider is not None else None,
        url=_ti_url(dag_id, run_id, task_id),
    )


@router.post("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/clear")
def clear_task(
    request: Request,
    user: Operator,
    dag_id: str,
    run_id: str,
    task_id: str,
    downstream: Annotated[str, Form()] = "",
) -> Response:
    with closing(store.connect()) as conn:
        _run(conn, dag_id, run_id)
        ids = views.tasks_to_change(dags_of(request).get(dag_id), task_id, downstream == "1")
        views.clear(conn, dag_id, run_id, ids)
    return _back(_ti_url(dag_id, run_id, task_id))


@router.post("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/mark")
def mark_task(
    request: Request,
    user: Operator,
    dag_id: str,
    run_id: str,
    task_id: str,
    state: Annotated[str, Form()],
) -> Response:
    if state not in ("success", "failed"):
        raise HTTPException(400, "state must be success or failed")
    with closing(store.connect()) as conn:
        _run(conn, dag_id, run_id)
        web_store.mark_task_instances(conn, dag_id, run_id, [task_id], state)
    return _back(_ti_url(dag_id, run_id, task_id))


# --- connections, variables, providers ----------------------------------------------------


@router.get("/connections")
def connections(request: Request, user: Operator, error: str | None = None) -> Response:
    rows = [views.connection_record(c) for c in MetastoreBackend().iter_connections()]
    return _render(request, "connections.html", rows=rows, error=error)


@router.post("/connections")
def add_connection(
    request: Request,
    user: Admin,
    conn_id: Annotated[str, Form()],
    conn_type: Annotated[str, Form()],
    host: Annotated[str, Form()] = "",
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    port: Annotated[str, Form()] = "",
    schema_: Annotated[str, Form(alias="schema")] = "",
    extra: Annotated[str, Form()] = "",
) -> Response:
    try:
        conn = Connection(
            conn_id=conn_id,
            conn_type=conn_type,
            host=host,
            login=login,
            password=password,
            port=port or None,
            schema=schema_,
            extra=extra or None,
        )
        if not MetastoreBackend().set_connection(conn, overwrite=True):
            raise InvalidConnectionError("was not stored", conn_id=conn_id)
    except InvalidConnectionError as exc:
        return _render(
            request,
            "connections.html",
            status=400,
            rows=[views.connection_record(c) for c in MetastoreBackend().iter_connections()],
            error=str(views.masked(str(exc))),
        )
    views.load_known_secrets(force=True)
    return _back("/connections")


@router.post("/connections/{conn_id}/delete")
def delete_connection(user: Admin, conn_id: str) -> Response:
    MetastoreBackend().delete_connection(conn_id)
    return _back("/connections")


@router.get("/variables")
def variables(request: Request, user: Operator) -> Response:
    rows = [views.variable_record(r) for r in Variable.list()]
    return _render(request, "variables.html", rows=rows)


@router.post("/variables")
def set_variable(
    user: Admin,
    key: Annotated[str, Form()],
    value: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> Response:
    Variable.set(key, value, description=description or None)
    views.load_known_secrets(force=True)
    return _back("/variables")


@router.post("/variables/{key}/delete")
def delete_variable(user: Admin, key: str) -> Response:
    Variable.delete(key)
    return _back("/variables")


@router.get("/pools")
def pools(request: Request, user: Viewer) -> Response:
    with closing(store.connect()) as conn:
        rows = pool_store.list_pools(conn)
    return _render(request, "pools.html", rows=rows, error=None)


@router.post("/pools")
def set_pool(
    request: Request,
    user: Admin,
    pool: Annotated[str, Form()],
    slots: Annotated[int, Form()],
    description: Annotated[str, Form()] = "",
) -> Response:
    with closing(store.connect()) as conn:
        try:
            pool_store.set_pool(conn, pool, slots, description or None)
        except ValueError as exc:
            return _render(
                request, "pools.html", status=400, rows=pool_store.list_pools(conn), error=str(exc)
            )
    return _back("/pools")


@router.get("/providers")
def providers(request: Request, user: Viewer) -> Response:
    return _render(request, "providers.html", rows=views.providers())
