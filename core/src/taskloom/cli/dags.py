"""``taskloom dags``: list, show, test, trigger, backfill, pause and inspect DAGs.

DAG files are read from the configured DAG folder, or from ``-S/--subdir PATH`` (a
folder or one file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

import click

from taskloom import configuration
from taskloom import store
from taskloom.cli import ExitCode
from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.cli.progress import progress_bar
from taskloom.exceptions import DagNotFoundError
from taskloom.exceptions import DagRunNotFoundError

if TYPE_CHECKING:
    from taskloom.dag_processing import DagBag
    from taskloom.execution.task_runner import TaskRunResult
    from taskloom.jobs.run_state import RunState
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun

F = TypeVar("F", bound=Callable[..., Any])


class BadDateError(click.BadParameter):
    """A date argument is not ISO 8601."""


def subdir_option(func: F) -> F:
    """Add ``-S/--subdir PATH``: the DAG folder or file to read instead of the configured one."""
    return click.option(
        "-S",
        "--subdir",
        type=click.Path(path_type=Path),
        default=None,
        help="DAG folder or file (default: $TASKLOOM_DAGS_FOLDER).",
    )(func)


def parse_date(value: str | None, name: str = "date") -> datetime | None:
    """Parse an ISO 8601 date given on the command line (``None`` stays ``None``)."""
    if value is None:
        return None
    from taskloom.utils.dates import parse_datetime

    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise BadDateError(str(exc), param_hint=name) from None


def parse_conf(value: str | None) -> dict[str, Any]:
    """Parse ``--conf`` (a JSON object)."""
    if not value:
        return {}
    try:
        conf = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"not valid JSON ({exc.msg} at position {exc.pos})", param_hint="--conf"
        ) from None
    if not isinstance(conf, dict):
        raise click.BadParameter(
            'must be a JSON object, e.g. {"key": "value"}', param_hint="--conf"
        )
    return conf


def read_dagbag(path: Path | None) -> DagBag:
    """The DAGs of ``path`` (default: the DAG folder), each file imported first in a child
    process under ``[core] dagbag_import_timeout`` (a file that exits or hangs is reported
    as broken instead of stopping the command)."""
    from taskloom.dag_file_processor import DagFileProcessorPool
    from taskloom.dag_processing import DagBag

    with DagFileProcessorPool() as pool:
        return DagBag(path, processor=pool)


def load_dag(dag_id: str, subdir: Path | None) -> tuple[DagBag, DAG]:
    """Find DAG ``dag_id``: first in the files that spell its id in quotes, else in every file.

    Reading only the file that defines the DAG keeps ``dags test`` fast in a big DAG
    folder; a DAG whose id is computed (not written literally) is still found by the
    full read.

    :raises DagNotFoundError: naming the DAGs that were found.
    """
    folder = Path(subdir) if subdir is not None else configuration.dags_folder()
    if folder.is_dir():
        pattern = re.compile(rb"""['"]""" + re.escape(dag_id.encode()) + rb"""['"]""")
        for path in sorted(folder.rglob("*.py")):
            if any(
                part.startswith((".", "__pycache__")) for part in path.relative_to(folder).parts
            ):
                continue
            try:
                mentions = pattern.search(path.read_bytes()) is not None
            except OSError:
                continue
            if mentions:
                bag = read_dagbag(path)
                dag = bag.get_dag(dag_id)
                if dag is not None:
                    return bag, dag
    dagbag = read_dagbag(folder)
    return dagbag, get_dag(dagbag, dag_id)


def _error_summary(path: str, error: str) -> str:
    """``file:line: the error`` for a broken DAG file, at the innermost frame of that file."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', error)
    lines = [line for line in error.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else error
    own = [line for file, line in frames if file == path]
    return f"{path}:{own[-1]}: {last}" if own else f"{path}: {last}"


def get_dag(dagbag: DagBag, dag_id: str) -> DAG:
    """The DAG ``dag_id`` from ``dagbag``, or a usage error naming what was found."""
    dag = dagbag.get_dag(dag_id)
    if dag is not None:
        return dag
    broken = "".join(
        f"\n  broken file: {_error_summary(path, error)}"
        for path, error in sorted(dagbag.import_errors.items())
    )
    known = ", ".join(dagbag.dag_ids) or "none"
    # Advice only where it can help: a broken file is the likely cause, and -S already
    # pointing at a file cannot be pointed anywhere better.
    if broken:
        advice = "; fix the broken file above, then run the command again"
    elif Path(dagbag.dag_folder).is_file():
        advice = "; check the DAG id"
    else:
        advice = "; check the id, or point -S/--subdir at the DAG file"
    raise DagNotFoundError(
        f"DAG {dag_id!r} not found in {dagbag.dag_folder} (DAGs found: {known}){broken}{advice}"
    )


def find_run(conn: store.Connection, dag_id: str, run: str | None) -> DagRun:
    """The run named by a run id or a logical date; the latest run when ``run`` is ``None``."""
    from taskloom.models import dagrun
    from taskloom.store import dag_runs

    if run is None:
        row = dag_runs.latest(conn, dag_id)
        if row is None:
            raise DagRunNotFoundError(
                f"DAG {dag_id!r} has no runs yet; start one with `taskloom dags test {dag_id}`"
            )
        return dagrun.DagRun.from_row(row)
    row = dag_runs.get(conn, dag_id, run)
    if row is None:
        try:
            date = parse_date(run, "RUN")
        except click.BadParameter:
            date = None
        found = dagrun.find(conn, dag_id, logical_date=date) if date is not None else []
        if not found:
            raise DagRunNotFoundError(
                f"DAG {dag_id!r} has no run with run id or logical date {run!r}; "
                f"list its runs with `taskloom dags state {dag_id}`"
            )
        return found[0]
    return dagrun.DagRun.from_row(row)


def echo_warnings(dagbag: DagBag, fileloc: str | None = None) -> None:
    """Print the warnings raised while importing DAG files (only ``fileloc``'s if given)."""
    for warning in dagbag.warnings:
        if fileloc is None or warning.filename == fileloc:
            click.echo(str(warning), err=True)


@click.group("dags")
def dags_group() -> None:
    """List, run and inspect DAGs."""


@dags_group.command("list")
@subdir_option
@output_option
def list_command(subdir: Path | None, output: str) -> None:
    """List DAGs; report broken DAG files (with their traceback) and warnings on stderr."""
    from taskloom import store
    from taskloom.store import dags

    dagbag = read_dagbag(subdir)
    conn = store.connect()
    paused = dags.paused(conn)
    conn.close()
    rows = [
        {
            "dag_id": dag.dag_id,
            "fileloc": dag.fileloc,
            # schedule=None (manual runs only) shows as None, not as an empty cell; JSON keeps null.
            "schedule": dag.timetable.summary
            if dag.schedule is not None
            else ("None" if output == "table" else None),
            "paused": paused.get(dag.dag_id, False),
            "tags": ", ".join(dag.tags) if output == "table" else dag.tags,
        }
        for dag in sorted(dagbag.dags.values(), key=lambda d: d.dag_id)
    ]
    render(rows, ["dag_id", "fileloc", "schedule", "paused", "tags"], output)
    for path, error in sorted(dagbag.import_errors.items()):
        click.echo(f"\nBroken DAG file {path}:\n{error.rstrip()}", err=True)
    if dagbag.import_errors:
        count = len(dagbag.import_errors)
        click.echo(
            f"\n{count} broken DAG file{'s' if count > 1 else ''}: "
            "`taskloom dags list-import-errors` lists them (exit 1 when there are any)",
            err=True,
        )
    echo_warnings(dagbag)


@dags_group.command("list-import-errors")
@subdir_option
@output_option
@click.pass_context
def list_import_errors_command(ctx: click.Context, subdir: Path | None, output: str) -> None:
    """List the DAG files that could not be loaded, with the reason; exit 1 when there are any."""
    dagbag = read_dagbag(subdir)
    errors = sorted(dagbag.import_errors.items())
    if output == "json":
        render(
            [{"filepath": path, "error": error} for path, error in errors],
            ["filepath", "error"],
            output,
        )
    elif not errors:
        click.echo(f"No import errors in {dagbag.dag_folder}.")
    for path, error in errors if output == "table" else ():
        click.echo(f"{path}:\n{error.rstrip()}\n")
    if errors:
        ctx.exit(ExitCode.FAILED)


#: Indentation stops growing at this depth (a 10,000-task chain would print lines of 40,000
#: characters); deeper lines say their depth instead.
_MAX_INDENT_DEPTH = 32


def _graph_lines(dag: DAG) -> list[str]:
    """The DAG as an indented tree from its roots; a task reached twice is shown once, then referenced.

    Walked with an explicit stack, never recursion: any DAG size works.
    """
    lines: list[str] = []
    shown: set[str] = set()
    # (task_id, prefix, last child of its parent, a root, depth); popped in display order.
    stack = [
        (root, "", True, True, 0) for root in sorted((t.task_id for t in dag.roots), reverse=True)
    ]
    while stack:
        task_id, prefix, last, top, depth = stack.pop()
        task = dag.task_dict[task_id]
        connector = "" if top else ("└── " if last else "├── ")
        if depth > _MAX_INDENT_DEPTH:
            connector += f"[depth {depth}] "
        label = f"{task_id} ({type(task).__name__})"
        if task.trigger_rule != "all_success":
            label += f" [{task.trigger_rule}]"
        if task_id in shown:
            lines.append(f"{prefix}{connector}{task_id} ↑ (see above)")
            continue
        lines.append(f"{prefix}{connector}{label}")
        shown.add(task_id)
        children = sorted(task.downstream_task_ids)
        child_prefix = prefix
        if not top and depth < _MAX_INDENT_DEPTH:
            child_prefix += "    " if last else "│   "
        for index in range(len(children) - 1, -1, -1):
            stack.append(
                (children[index], child_prefix, index == len(children) - 1, False, depth + 1)
            )
    return lines


@dags_group.command("show")
@click.argument("dag_id")
@subdir_option
def show_command(dag_id: str, subdir: Path | None) -> None:
    """Print the task graph of DAG_ID as text."""
    _, dag = load_dag(dag_id, subdir)
    schedule = dag.timetable.summary if dag.schedule is not None else "None (manual runs only)"
    click.echo(f"{dag.dag_id}  schedule: {schedule}  tasks: {len(dag.task_dict)}")
    for line in _graph_lines(dag):
        click.echo(line)


#: Task states after which a task runs no more in this run (a retry is not one).
DONE_TASK_STATES = frozenset({"success", "failed", "skipped", "upstream_failed"})


def _nothing() -> None:
    """The progress callback when no bar is shown."""


def _print_task_event(rs: RunState, task_id: str, state: str, result: TaskRunResult | None) -> None:
    colour = {
        "success": "green",
        "failed": "red",
        "upstream_failed": "red",
        "up_for_retry": "yellow",
        "skipped": "magenta",
    }
    try_info = f"  try {result.try_number}" if result is not None else ""
    click.echo(f"  {task_id:<40} " + click.style(state, fg=colour.get(state)) + try_info)
    if result is not None and result.error:
        for line in result.error.splitlines():
            click.echo(f"      {line}")


@dags_group.command("test")
@click.argument("dag_id")
@click.argument("logical_date", required=False)
@subdir_option
@click.option("-c", "--conf", default=None, help="JSON object passed to the run as dag_run.conf.")
@click.option(
    "-x",
    "--executor",
    "executor_name",
    default="sequential",
    show_default=True,
    help="sequential (in this process), local, or an executor class path.",
)
@output_option
@click.pass_context
def test_command(
    ctx: click.Context,
    dag_id: str,
    logical_date: str | None,
    subdir: Path | None,
    conf: str | None,
    executor_name: str,
    output: str,
) -> None:
    """Run one run of DAG_ID now (replacing an earlier run with that date) and print each task's state.

    Exits 1 if the run failed.  State and logs are kept: inspect them with
    `taskloom tasks state` and `taskloom tasks logs`.  With ``--output json`` the
    task states are printed once, at the end, as JSON.
    """
    from taskloom import store
    from taskloom.executors import load_executor
    from taskloom.jobs.dagrun_loop import DagRunLoop
    from taskloom.jobs.dagrun_loop import DeadlockError
    from taskloom.models import dagrun
    from taskloom.utils.dates import utcnow

    dagbag, dag = load_dag(dag_id, subdir)
    echo_warnings(dagbag, dag.fileloc)
    date = parse_date(logical_date, "LOGICAL_DATE") or utcnow()
    conf_dict = parse_conf(conf)
    conn = store.connect()
    executor = load_executor(executor_name)
    loop = DagRunLoop(conn, executor, on_task_done=lambda *event: on_task(*event))
    run = dagrun.create(
        conn,
        dag,
        logical_date=date,
        run_type="manual",
        conf=conf_dict,
        replace=True,
        state="running",  # this process's job drives it: no scheduler may take it meanwhile
        job_id=loop.job.id,
    )
    as_table = output == "table"
    if as_table:
        click.echo(f"Running {dag.dag_id} run {run.run_id}")
    advance: Callable[[], None] = _nothing  # the progress bar's, once it is shown

    def on_task(rs: RunState, task_id: str, state: str, result: TaskRunResult | None) -> None:
        if as_table:
            _print_task_event(rs, task_id, state, result)
        if state in DONE_TASK_STATES:
            advance()

    loop.add_run(dag, run)
    executor.start()
    try:
        with progress_bar(f"{dag.dag_id}: tasks", total=len(dag.task_dict)) as advance:
            loop.run_until_done(poll=0.05)
    except DeadlockError as exc:
        executor.end(terminate=True)
        with conn.transaction():  # nothing will ever move it: finish it as failed
            dagrun.set_state(conn, run, "failed")
        loop.close()
        conn.close()
        click.echo(click.style(f"Run {run.run_id} is stuck: {exc}", fg="red"), err=True)
        ctx.exit(ExitCode.FAILED)
    except BaseException:
        executor.end(terminate=True)
        loop.close()
        conn.close()
        raise
    executor.end()
    loop.close()
    run = dagrun.get(conn, dag.dag_id, run.run_id)
    if as_table:
        colour = "green" if run.state == "success" else "red"
        click.echo(f"Run {run.run_id}: " + click.style(str(run.state), fg=colour, bold=True))
    else:
        from taskloom.store import task_instances

        tasks = [
            {name: row[name] for name in ("task_id", "state", "try_number", "duration")}
            for row in task_instances.summaries(conn, run.dag_id, run.run_id)
        ]
        click.echo(
            json.dumps(
                {"dag_id": run.dag_id, "run_id": run.run_id, "state": run.state, "tasks": tasks},
                indent=2,
            )
        )
    conn.close()
    if run.state != "success":
        ctx.exit(ExitCode.FAILED)


@dags_group.command("trigger")
@click.argument("dag_id")
@subdir_option
@click.option("-r", "--run-id", default=None, help="Run id (default: manual__<logical date>).")
@click.option("-c", "--conf", default=None, help="JSON object passed to the run as dag_run.conf.")
@click.option("-e", "--logical-date", default=None, help="Logical date (default: now).")
@output_option
def trigger_command(
    dag_id: str,
    subdir: Path | None,
    run_id: str | None,
    conf: str | None,
    logical_date: str | None,
    output: str,
) -> None:
    """Queue a manual run of DAG_ID; the scheduler runs it."""
    from taskloom import store
    from taskloom.jobs.scheduler import sync_dags
    from taskloom.models import dagrun
    from taskloom.utils.dates import utcnow

    dagbag, dag = load_dag(dag_id, subdir)
    date = parse_date(logical_date, "--logical-date") or utcnow()
    conn = store.connect()
    sync_dags(conn, dagbag)
    try:
        run = dagrun.create(
            conn,
            dag,
            logical_date=date,
            run_type="manual",
            run_id=run_id,
            conf=parse_conf(conf),
        )
    except ValueError as exc:  # the run exists already: a failure, not a usage mistake
        raise click.ClickException(str(exc)) from None
    finally:
        conn.close()
    render([_run_row(run)], ["dag_id", "run_id", "logical_date", "run_type", "state"], output)


def _run_row(run: DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "logical_date": run.logical_date.isoformat(),
        "run_type": run.run_type,
        "state": run.state,
        "start_date": run.start_date.isoformat() if run.start_date else None,
        "end_date": run.end_date.isoformat() if run.end_date else None,
    }


@dags_group.command("backfill")
@click.argument("dag_id")
@click.option("-s", "--start-date", required=True, help="First logical date (ISO 8601).")
@click.option("-e", "--end-date", required=True, help="Last logical date (ISO 8601).")
@subdir_option
@click.option(
    "--rerun-failed-tasks", is_flag=True, help="Clear and re-run runs that failed before."
)
@click.option("-c", "--conf", default=None, help="JSON object passed to each run as dag_run.conf.")
@click.option(
    "-x", "--executor", "executor_name", default=None, help="Default: setting [core] executor."
)
@output_option
@click.pass_context
def backfill_command(
    ctx: click.Context,
    dag_id: str,
    start_date: str,
    end_date: str,
    subdir: Path | None,
    rerun_failed_tasks: bool,
    conf: str | None,
    executor_name: str | None,
    output: str,
) -> None:
    """Run DAG_ID for every schedule interval between START and END, showing progress.

    Finished runs are kept (failed ones re-run with --rerun-failed-tasks).  Exits 1 if a
    run of the range is failed.
    """
    from taskloom import store
    from taskloom.executors import load_executor
    from taskloom.jobs.backfill import FINISHED_RUN_STATES
    from taskloom.jobs.backfill import plan_runs
    from taskloom.jobs.backfill import run_backfill
    from taskloom.jobs.dagrun_loop import DeadlockError

    _, dag = load_dag(dag_id, subdir)
    start = parse_date(start_date, "--start-date")
    end = parse_date(end_date, "--end-date")
    assert start is not None
    assert end is not None
    if start > end:
        raise click.BadParameter("must not be after --end-date", param_hint="--start-date")
    conn = store.connect()
    try:
        runs = plan_runs(
            conn, dag, start, end, rerun_failed=rerun_failed_tasks, conf=parse_conf(conf)
        )
    except ValueError as exc:
        conn.close()
        raise click.UsageError(str(exc)) from None
    to_run = [run for run in runs if run.state not in FINISHED_RUN_STATES]
    total_tasks = len(to_run) * len(dag.task_dict)
    progress = {"tasks": 0, "runs": 0}
    # Progress goes to stderr so that --output json on stdout stays parseable.
    kept = f" ({len(runs) - len(to_run)} already finished, kept)" if len(runs) > len(to_run) else ""
    click.echo(
        f"Backfilling {dag.dag_id}: {len(to_run)} run(s), {total_tasks} task(s){kept}", err=True
    )

    advance: Callable[[], None] = _nothing  # the progress bar's, once it is shown

    def on_task(rs: RunState, task_id: str, state: str, result: TaskRunResult | None) -> None:
        if state in DONE_TASK_STATES:
            progress["tasks"] += 1
            advance()
        if result is not None and result.error:
            click.echo(
                f"  {rs.run.run_id} {task_id}: {state}\n      "
                + result.error.replace("\n", "\n      "),
                err=True,
            )

    def on_run(rs: RunState) -> None:
        progress["runs"] += 1
        click.echo(
            f"[{progress['runs']}/{len(to_run)} runs, {progress['tasks']}/{total_tasks} tasks] "
            f"{rs.run.run_id}: {rs.run.state}",
            err=True,
        )

    executor = load_executor(executor_name)
    try:
        with progress_bar(f"{dag.dag_id}: backfill tasks", total=total_tasks) as advance:
            run_backfill(conn, dag, runs, executor, on_task_done=on_task, on_run_done=on_run)
    except DeadlockError as exc:
        conn.close()
        click.echo(click.style(f"Backfill of {dag.dag_id} is stuck: {exc}", fg="red"), err=True)
        ctx.exit(ExitCode.FAILED)
    except BaseException:
        conn.close()
        raise
    from taskloom.models import dagrun

    finished = [dagrun.get(conn, r.dag_id, r.run_id) for r in runs]
    conn.close()
    render([_run_row(r) for r in finished], ["run_id", "logical_date", "state"], output)
    if any(r.state != "success" for r in finished):
        ctx.exit(ExitCode.FAILED)


def _set_paused(dag_id: str, subdir: Path | None, paused: bool) -> None:
    from taskloom import store
    from taskloom.jobs.scheduler import sync_dags
    from taskloom.store import dags

    dagbag, _ = load_dag(dag_id, subdir)
    conn = store.connect()
    sync_dags(conn, dagbag)
    with conn.transaction():
        dags.set_paused(conn, dag_id, paused)
    conn.close()
    click.echo(f"DAG {dag_id} {'paused' if paused else 'unpaused'}.")


@dags_group.command("pause")
@click.argument("dag_id")
@subdir_option
def pause_command(dag_id: str, subdir: Path | None) -> None:
    """Pause DAG_ID: the scheduler creates and starts no runs for it."""
    _set_paused(dag_id, subdir, True)


@dags_group.command("unpause")
@click.argument("dag_id")
@subdir_option
def unpause_command(dag_id: str, subdir: Path | None) -> None:
    """Unpause DAG_ID."""
    _set_paused(dag_id, subdir, False)


@dags_group.command("state")
@click.argument("dag_id")
@click.argument("run", required=False)
@output_option
def state_command(dag_id: str, run: str | None, output: str) -> None:
    """Without RUN: list the runs of DAG_ID.  With RUN (run id or logical date): its tasks' states."""
    from taskloom import store
    from taskloom.models import dagrun
    from taskloom.store import dags
    from taskloom.store import task_instances

    conn = store.connect()
    try:
        if run is None:
            runs = dagrun.find(conn, dag_id)
            if not runs and not dags.exists(conn, dag_id):
                load_dag(dag_id, None)  # not in the DB: exit 1 unless a DAG file defines it
            render(
                [_run_row(r) for r in runs],
                ["run_id", "logical_date", "run_type", "state", "start_date", "end_date"],
                output,
            )
            return
        found = find_run(conn, dag_id, run)
        rows = [dict(row) for row in task_instances.summaries(conn, dag_id, found.run_id)]
    finally:
        conn.close()
    if output == "table":
        click.echo(f"{found.run_id}: {found.state}")
    render(rows, ["task_id", "state", "try_number", "start_date", "end_date", "duration"], output)
