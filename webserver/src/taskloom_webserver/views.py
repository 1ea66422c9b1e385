"""What the API and the pages show, built from the store and the parsed DAGs.

Both the REST API and the HTML pages call these functions, so a page never shows
something the API would hide (a password, an unmasked secret) or the other way round.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskloom import store
from taskloom.exceptions import ParamValidationError
from taskloom.exceptions import ProviderNotFoundError
from taskloom.exceptions import TaskloomError
from taskloom.models.connection import Connection
from taskloom.models.connection import secret_extra_keys
from taskloom.models.dag import DAG
from taskloom.models.dagrun import DagRun
from taskloom.models.param import NOTSET
from taskloom.models.taskinstance import TaskInstance
from taskloom.models.variable import Variable
from taskloom.registry.status import ProviderStatus
from taskloom.store import web as web_store
from taskloom.utils.dates import utcnow
from taskloom.utils.log import task_log
from taskloom.utils.secrets_masker import REDACTED
from taskloom.utils.secrets_masker import is_sensitive_key
from taskloom.utils.secrets_masker import mask_secret
from taskloom.utils.secrets_masker import redact

log = logging.getLogger(__name__)

#: Largest piece of a log one request returns; a client reads on from ``next_offset``.
LOG_CHUNK_BYTES = 256 * 1024
#: Seconds the known secrets are cached before the connections and variables are re-read.
SECRETS_REFRESH_SECONDS = 30.0


class BadRequest(ValueError):
    """The request asks for something impossible; the message says what and how to fix it."""


class NotFound(LookupError):
    """What the request names does not exist; the message names it."""


# --- secrets -----------------------------------------------------------------------------

_secrets_loaded_at = 0.0


def load_known_secrets(*, force: bool = False) -> None:
    """Register every stored connection's password and secret extras, and every variable
    named like a secret, with core's masker, so logs, XComs and rendered fields that
    echo them show ``***`` (core masks them when the task writes its log; this covers
    what was written without the masker, and values set after)."""
    global _secrets_loaded_at
    now = time.monotonic()
    if not force and now - _secrets_loaded_at < SECRETS_REFRESH_SECONDS:
        return
    _secrets_loaded_at = now
    from taskloom.secrets.metastore import MetastoreBackend

    try:
        for conn in MetastoreBackend().iter_connections():
            mask_secret(conn.password, name=f"password of connection {conn.conn_id!r}")
            extra = conn.extra_dejson
            for key in secret_extra_keys(conn.conn_type, extra):
                mask_secret(str(extra[key]), name=f"extra {key!r} of connection {conn.conn_id!r}")
        for row in Variable.list():
            if is_sensitive_key(row["key"]):
                mask_secret(row["val"], name=f"variable {row['key']!r}")
    except TaskloomError as exc:
        # A secret this server cannot decrypt (another [core] fernet_key) cannot be shown
        # either: the pages still work, with what core masked when the task wrote its log.
        log.warning("cannot read the stored secrets to mask them: %s", exc)


def masked(value: Any) -> Any:
    """``value`` with every known secret replaced by ``***``."""
    load_known_secrets()
    return redact(value)


# --- DAGs --------------------------------------------------------------------------------


def recent_runs(
    conn: store.Connection, dag_ids: Sequence[str], per_dag: int
) -> dict[str, list[DagRun]]:
    """The ``per_dag`` newest runs of each DAG, newest first."""
    found = web_store.recent_runs(conn, dag_ids, per_dag)
    return {dag_id: [DagRun.from_row(row) for row in rows] for dag_id, rows in found.items()}


def list_runs(
    conn: store.Connection, dag_id: str, *, limit: int, offset: int, states: Sequence[str] = ()
) -> list[DagRun]:
    """Runs of one DAG, newest first."""
    rows = web_store.list_runs(conn, dag_id, limit=limit, offset=offset, states=states)
    return [DagRun.from_row(row) for row in rows]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def next_run(dag: DAG, last: DagRun | None) -> str | None:
    """When the scheduler will create the DAG's next run (its logical date), or ``None``."""
    from taskloom.timetables import DagRunInfo

    info = None
    if last is not None:
        info = DagRunInfo(
            last.logical_date,
            last.data_interval_start or last.logical_date,
            last.data_interval_end or last.logical_date,
        )
    try:
        upcoming = dag.next_dagrun_info(info, now=utcnow())
    except Exception:  # noqa: BLE001 -- a broken custom timetable must not break the page
        return None
    return _iso(upcoming.logical_date) if upcoming is not None else None


def dag_summary(
    dag: DAG, paused: bool, recent: Sequence[DagRun], *, with_next: bool = True
) -> dict[str, Any]:
    scheduled = [r for r in recent if r.run_type in ("scheduled", "backfill")]
    return {
        "dag_id": dag.dag_id,
        "description": dag.description,
        "is_paused": paused,
        "tags": sorted(dag.tags),
        "schedule": _schedule_text(dag),
        "fileloc": dag.fileloc,
        "task_count": len(dag.task_dict),
        "next_run": next_run(dag, scheduled[0] if scheduled else None) if with_next else None,
        "recent_runs": [{"run_id": r.run_id, "state": r.state} for r in recent],
    }


def _schedule_text(dag: DAG) -> str | None:
    summary = getattr(dag.timetable, "summary", None)
    return str(summary) if summary is not None else None


def filter_dags(
    dags: Sequence[DAG],
    paused: dict[str, bool],
    search: str | None,
    tag: str | None,
    only_paused: bool | None,
) -> list[DAG]:
    found = []
    needle = (search or "").lower()
    for dag in dags:
        if (
            needle
            and needle not in dag.dag_id.lower()
            and not any(needle in t.lower() for t in dag.tags)
        ):
            continue
        if tag and tag not in dag.tags:
            continue
        if only_paused is not None and paused.get(dag.dag_id, False) != only_paused:
            continue
        found.append(dag)
    return found


def param_specs(dag: DAG) -> list[dict[str, Any]]:
    """The DAG's params as the trigger form and the API describe them."""
    specs = []
    for key in dag.params:
        param = dag.params.get_param(key)
        value = param.value
        specs.append(
            {
                "name": key,
                "default": value if _jsonable(value) else None,
                "has_default": value is not NOTSET,
                "description": param.description,
                "schema": dict(param.schema),
            }
        )
    return specs


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, list, dict))


def validate_conf(dag: DAG, conf: Any) -> dict[str, Any]:
    """``conf`` checked against the DAG's params.

    :raises BadRequest: if it is not an object or a param refuses its value.
    """
    if not isinstance(conf, dict):
        raise BadRequest('conf must be a JSON object, e.g. {"n": 3}')
    try:
        dag.params.resolve(conf)
    except ParamValidationError as exc:
        raise BadRequest(str(exc)) from None
    return conf


def trigger(conn: store.Connection, dag: DAG, conf: Any, run_id: str | None) -> DagRun:
    """Queue a manual run (the scheduler runs it), as ``taskloom dags trigger`` does."""
    from taskloom.models import dagrun

    checked = validate_conf(dag, conf)
    try:
        return dagrun.create(
            conn, dag, logical_date=utcnow(), run_type="manual", run_id=run_id or None, conf=checked
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def run_record(run: DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "logical_date": _iso(run.logical_date),
        "data_interval_start": _iso(run.data_interval_start),
        "data_interval_end": _iso(run.data_interval_end),
        "run_type": run.run_type,
        "state": run.state,
        "conf": masked(run.conf),
        "external_trigger": run.external_trigger,
        "start_date": _iso(run.start_date),
        "end_date": _iso(run.end_date),
    }


def ti_record(ti: TaskInstance, dag: DAG | None = None) -> dict[str, Any]:
    task = dag.task_dict.get(ti.task_id) if dag is not None else None
    return {
        "dag_id": ti.dag_id,
        "run_id": ti.run_id,
        "task_id": ti.task_id,
        "state": ti.state,
        "try_number": ti.try_number,
        "max_tries": ti.max_tries,
        "start_date": _iso(ti.start_date),
        "end_date": _iso(ti.end_date),
        "operator": type(task).__name__ if task is not None else None,
        "log_tries": task_log.attempts(ti.dag_id, ti.run_id, ti.task_id),
    }


def set_paused(conn: store.Connection, dag: DAG, paused: bool) -> None:
    """Pause or unpause, recording the DAG first (as ``taskloom dags pause`` does) if no
    scheduler has yet."""
    from taskloom.store import dags as dag_store
    from taskloom.store import scheduling

    with conn.transaction():
        if not dag_store.exists(conn, dag.dag_id):
            scheduling.sync_dags(
                conn, [(dag.dag_id, dag.fileloc, int(paused), utcnow().isoformat())]
            )
        dag_store.set_paused(conn, dag.dag_id, paused)


def clear(conn: store.Connection, dag_id: str, run_id: str, task_ids: Sequence[str]) -> list[str]:
    """Reset these task instances of one run so the scheduler runs them again, and queue
    their run if it had finished, as ``taskloom tasks clear`` does; return the ids cleared."""
    from taskloom.store import dag_runs
    from taskloom.store import task_instances

    existing = task_instances.states(conn, dag_id, run_id)
    cleared = [task_id for task_id in task_ids if task_id in existing]
    with conn.transaction():
        task_instances.clear(conn, dag_id, [(run_id, task_id) for task_id in cleared])
        dag_runs.requeue_finished(conn, dag_id, [run_id])
    return cleared


def xcoms(conn: store.Connection, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
    """The XComs one task instance pushed (``key``, ``value``), secrets masked."""
    from taskloom.models import xcom

    return [
        {"key": row["key"], "value": masked(row["value"])}
        for row in xcom.list_for_run(conn, dag_id, run_id)
        if row["task_id"] == task_id
    ]


def tasks_to_change(dag: DAG | None, task_id: str, downstream: bool) -> list[str]:
    ids = {task_id}
    if downstream and dag is not None and task_id in dag.task_dict:
        ids |= dag.task_dict[task_id].get_flat_relative_ids(upstream=False)
    return sorted(ids)


# --- logs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogChunk:
    """A piece of one try's log, from ``offset`` (bytes) to ``next_offset``."""

    try_number: int
    offset: int
    next_offset: int
    content: str
    #: Whether ``next_offset`` is the end of the file as it is now.
    at_end: bool
    exists: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "try_number": self.try_number,
            "offset": self.offset,
            "next_offset": self.next_offset,
            "content": self.content,
            "at_end": self.at_end,
            "exists": self.exists,
        }


def read_log(dag_id: str, run_id: str, task_id: str, try_number: int, offset: int) -> LogChunk:
    """Read one try's log from byte ``offset``: whole lines only, so a client that tails
    the file by ``next_offset`` never sees a line (or a secret in it) cut in two.

    :raises BadRequest: for a negative offset or try number.
    """
    if try_number < 1 or offset < 0:
        raise BadRequest("try_number starts at 1 and offset at 0")
    path = task_log.log_path(dag_id, run_id, task_id, try_number)
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            start = min(offset, size)
            handle.seek(start)
            data = handle.read(LOG_CHUNK_BYTES)
    except FileNotFoundError:
        return LogChunk(try_number, offset, offset, "", True, False)
    cut = data.rfind(b"\n") + 1
    if cut == 0 and len(data) == LOG_CHUNK_BYTES:
        cut = len(data)  # one very long line: hand it out in pieces
    data = data[:cut]
    end = start + len(data)
    text = data.decode("utf-8", errors="replace")
    return LogChunk(try_number, start, end, masked(text), end >= size, True)


# --- rendered templated fields ------------------------------------------------------------


def rendered_fields(dag: DAG, run: DagRun, ti: TaskInstance) -> dict[str, str]:
    """Each templated field of the task rendered for this run, as the task saw it (masked);
    a field that fails to render shows its error instead."""
    import warnings

    from taskloom.execution.context import build_context

    task = dag.task_dict.get(ti.task_id)
    if task is None:
        return {}
    env = dag.get_template_env()
    out: dict[str, str] = {}
    with warnings.catch_warnings():
        # The 1.x context keys warn when read: a page view is not a use by the DAG author.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            context = build_context(ti, task, run)
        except Exception as exc:  # noqa: BLE001 -- shown on the page, never raised
            return {"(context)": masked(f"cannot build the task's context: {exc}")}
        for field in task.template_fields:
            try:
                value = task.render_template(getattr(task, field), context, env, field=field)
            except Exception as exc:  # noqa: BLE001 -- shown on the page, never raised
                value = f"cannot render: {exc}"
            out[field] = masked(value if isinstance(value, str) else repr(value))
    return out


def provider_of_task(dag: DAG, task_id: str) -> ProviderStatus | None:
    """The provider whose package holds the task's operator class, if any."""
    from taskloom.providers_manager import get_registry

    task = dag.task_dict.get(task_id)
    if task is None:
        return None
    registry = get_registry(warn_unusable=False)
    try:
        found = registry.provider_for_file(inspect.getfile(type(task)))
    except TypeError:
        found = None
    module = type(task).__module__
    if (
        found is None
        and module.startswith("taskloom.")
        and not module.startswith("taskloom.providers.")
    ):
        # Core's own operators: core is registered as the provider "core".
        with contextlib.suppress(ProviderNotFoundError):
            found = registry.status("core")
    return found


# --- connections, variables, providers ----------------------------------------------------


def connection_record(conn: Connection) -> dict[str, Any]:
    """A connection for display: the password is never included, secret extras are ``***``."""
    extra = conn.extra_dejson
    hidden = secret_extra_keys(conn.conn_type, extra)
    return {
        "conn_id": conn.conn_id,
        "conn_type": conn.conn_type,
        "description": conn.description,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "port": conn.port,
        "has_password": bool(conn.password),
        "extra": masked({k: REDACTED if k in hidden else v for k, v in extra.items()}),
    }


def variable_record(row: dict[str, Any]) -> dict[str, Any]:
    secret = is_sensitive_key(row["key"])
    return {
        "key": row["key"],
        "value": REDACTED if secret else masked(row["val"]),
        "description": row["description"],
        "is_secret": secret,
    }


def provider_record(status: ProviderStatus) -> dict[str, Any]:
    info = status.info
    return {
        "id": status.provider_id,
        "distribution": status.distribution,
        "version": status.version,
        "state": str(status.state),
        "reason": status.reason,
        "name": info.name if info is not None else None,
        "description": info.description if info is not None else None,
        "maintainers": [m.to_dict() for m in info.maintainers] if info is not None else [],
        "issue_tracker": info.issue_tracker if info is not None else None,
        "documentation": info.documentation if info is not None else None,
    }


def providers() -> list[dict[str, Any]]:
    from taskloom.providers_manager import get_registry

    return [provider_record(s) for s in get_registry(warn_unusable=False).providers()]


def page(items: Sequence[Any], limit: int, offset: int) -> dict[str, Any]:
    """One page of an in-memory list, as every list endpoint answers."""
    return {
        "items": list(items[offset : offset + limit]),
        "total": len(items),
        "limit": limit,
        "offset": offset,
    }
