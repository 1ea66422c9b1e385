"""``taskloom tasks``: list, run, test, inspect, read the logs of and clear task instances."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from taskloom import store
from taskloom.cli import ExitCode
from taskloom.cli.dags import find_run
from taskloom.cli.dags import load_dag
from taskloom.cli.dags import parse_date
from taskloom.cli.dags import subdir_option
from taskloom.cli.output import output_option
from taskloom.cli.output import render
from taskloom.exceptions import NotFoundError
from taskloom.exceptions import TaskNotFoundError

if TYPE_CHECKING:
    from taskloom.models.dag import DAG


class TaskNotRunnableError(click.ClickException):
    """The task instance may not run now: it runs elsewhere, or its upstream is not done."""

    exit_code = ExitCode.FAILED


#: Outcomes of ``tasks run`` that are not failures: exit status 0.
_NOT_FAILED = frozenset({"success", "skipped", "up_for_reschedule"})


@click.group("tasks")
def tasks_group() -> None:
    """Run and inspect single tasks."""


@tasks_group.command("list")
@click.argument("dag_id")
@subdir_option
@output_option
def list_command(dag_id: str, subdir: Path | None, output: str) -> None:
    """List the tasks of DAG_ID in dependency order."""
    _, dag = load_dag(dag_id, subdir)
    rows = [
        {
            "task_id": task.task_id,
            "operator": type(task).__name__,
            "trigger_rule": str(task.trigger_rule),
            "upstream": sorted(task.upstream_task_ids)
            if output == "json"
            else ", ".join(sorted(task.upstream_task_ids)),
        }
        for task in dag.topological_sort()
    ]
    render(rows, ["task_id", "operator", "trigger_rule", "upstream"], output)


@tasks_group.command("run")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run")
@click.option(
    "-i",
    "--ignore-dependencies",
    "--force",
    "ignore_dependencies",
    is_flag=True,
    help="Run even if the upstream tasks are not in states the trigger rule accepts.",
)
@subdir_option
@click.pass_context
def run_command(
    ctx: click.Context,
    dag_id: str,
    task_id: str,
    run: str,
    ignore_dependencies: bool,
    subdir: Path | None,
) -> None:
    """Run one try of TASK_ID in RUN (run id or logical date) of DAG_ID, as a worker does.

    The try is recorded in the metadata DB (state, try number, retries, callbacks, log
    file, XCom) and its log printed.  Refuses a task instance that a live process is
    running, and, unless -i/--ignore-dependencies, one whose upstream tasks are not in
    states its trigger rule accepts.  Exits 0 when the task succeeded, was skipped or
    asked to be rescheduled, 1 when the try failed.
    """
    from taskloom import store
    from taskloom.execution.worker import execute_workload
    from taskloom.execution.workload import Workload
    from taskloom.utils.log import log_path

    _, dag = load_dag(dag_id, subdir)
    if task_id not in dag.task_dict:
        raise TaskNotFoundError(
            f"DAG {dag_id!r} has no task {task_id!r}; its tasks: {', '.join(dag.task_dict)}"
        )
    conn = store.connect()
    try:
        found = find_run(conn, dag_id, run)
        _claim(conn, dag, task_id, found.run_id, check_upstream=not ignore_dependencies)
    finally:
        conn.close()
    # The one way every executor runs a task: the worker entry point and the task runner.
    result = execute_workload(Workload(dag_id, found.run_id, task_id, dag.fileloc), {dag_id: dag})
    click.echo(
        log_path(dag_id, found.run_id, task_id, result.try_number).read_text(encoding="utf-8"),
        nl=False,
    )
    click.echo(f"Task {task_id}: {result.state} (try {result.try_number})")
    if result.state not in _NOT_FAILED:
        ctx.exit(ExitCode.FAILED)


def _claim(
    conn: store.Connection, dag: DAG, task_id: str, run_id: str, *, check_upstream: bool
) -> None:
    """Mark the task instance running in this process, under the DB's write lock, so two
    ``tasks run`` (or a scheduler) never run it at once.

    :raises TaskNotRunnableError: if a live process runs it, or an upstream task is not
        in a state its trigger rule accepts (when ``check_upstream``).
    """
    from taskloom.execution.liveness import current_owner
    from taskloom.execution.liveness import is_known_dead
    from taskloom.jobs.run_state import FINISHED
    from taskloom.models import dagrun
    from taskloom.store import task_instances
    from taskloom.utils.trigger_rule import Decision
    from taskloom.utils.trigger_rule import UpstreamStates
    from taskloom.utils.trigger_rule import evaluate

    task = dag.task_dict[task_id]
    with conn.transaction():
        row = task_instances.lock(conn, dag.dag_id, run_id, task_id)
        states = task_instances.states(conn, dag.dag_id, run_id)
        if row is not None and row[0] == "running" and not is_known_dead(row[1]):
            raise TaskNotRunnableError(
                f"task {task_id!r} of run {run_id!r} of DAG {dag.dag_id!r} is already running "
                f"in process {row[1]}; wait for it to finish (a task instance never runs twice)"
            )
        if check_upstream:
            upstream = sorted(task.upstream_task_ids)
            decision = evaluate(
                task.trigger_rule, UpstreamStates.from_states([states.get(t) for t in upstream])
            )
            if decision is not Decision.RUN:
                if decision is Decision.WAIT:  # name the upstream tasks still to finish
                    upstream = [t for t in upstream if states.get(t) not in FINISHED]
                waiting = ", ".join(f"{t!r} ({states.get(t) or 'no state'})" for t in upstream)
                reason = "not done" if decision is Decision.WAIT else "in states it does not accept"
                raise TaskNotRunnableError(
                    f"task {task_id!r} of run {run_id!r} cannot run: its trigger rule "
                    f"{task.trigger_rule} finds its upstream {reason}: {waiting}; "
                    "run them first, or pass -i/--ignore-dependencies"
                )
        if row is None:  # a task added to the DAG after the run was created
            dagrun.add_task_instances(conn, dag, run_id, [task_id])
        task_instances.mark_running(conn, dag.dag_id, run_id, task_id, current_owner())


@tasks_group.command("test")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date", required=False)
@subdir_option
@click.pass_context
def test_command(
    ctx: click.Context, dag_id: str, task_id: str, logical_date: str | None, subdir: Path | None
) -> None:
    """Run one try of TASK_ID in this process, ignoring its dependencies, and print its log.

    Uses the run of DAG_ID at LOGICAL_DATE (default: now); a run created for the test
    is marked finished afterwards, so the scheduler never picks it up.  Exits 1 if the
    try did not succeed.
    """
    from taskloom import store
    from taskloom.execution.task_runner import run_task
    from taskloom.jobs.job import Job
    from taskloom.models import dagrun
    from taskloom.utils.dates import utcnow
    from taskloom.utils.log import log_path

    _, dag = load_dag(dag_id, subdir)
    if task_id not in dag.task_dict:
        raise TaskNotFoundError(
            f"DAG {dag_id!r} has no task {task_id!r}; its tasks: {', '.join(dag.task_dict)}"
        )
    date = parse_date(logical_date, "LOGICAL_DATE") or utcnow()
    conn = store.connect()
    with Job("test") as job:
        runs = dagrun.find(conn, dag_id, logical_date=date)
        if runs:
            run = runs[0]
        else:
            run = dagrun.create(
                conn, dag, logical_date=date, run_type="manual", state="running", job_id=job.id
            )
        result = run_task(conn, dag.task_dict[task_id], run, test_mode=True)
        if not runs:
            # The run exists only for this test: finish it, so no scheduler adopts and runs it.
            with conn.transaction():
                dagrun.set_state(conn, run, "success" if result.state == "success" else "failed")
    conn.close()
    click.echo(
        log_path(dag_id, run.run_id, task_id, result.try_number).read_text(encoding="utf-8"),
        nl=False,
    )
    click.echo(f"Task {task_id}: {result.state}")
    if result.state != "success":
        ctx.exit(ExitCode.FAILED)


@tasks_group.command("state")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run", required=False)
@output_option
def state_command(dag_id: str, task_id: str, run: str | None, output: str) -> None:
    """Print the state of TASK_ID in RUN (run id or logical date; default: the latest run)."""
    from taskloom import store
    from taskloom.store import task_instances

    conn = store.connect()
    try:
        found = find_run(conn, dag_id, run)
        rows = task_instances.summaries(conn, dag_id, found.run_id, task_id)
    finally:
        conn.close()
    row = rows[0] if rows else None
    if row is None:
        raise TaskNotFoundError(f"run {found.run_id!r} of DAG {dag_id!r} has no task {task_id!r}")
    if output == "table":
        click.echo(row["state"] or "none")
    else:
        render(
            [dict(row, run_id=found.run_id)],
            ["task_id", "run_id", "state", "try_number", "start_date", "end_date", "duration"],
            output,
        )


@tasks_group.command("logs")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("run", required=False)
@click.option(
    "-t", "--try", "try_number", type=int, default=None, help="Which try (default: the last one)."
)
@click.option("-a", "--all-tries", is_flag=True, help="Print every try's log, oldest first.")
def logs_command(
    dag_id: str, task_id: str, run: str | None, try_number: int | None, all_tries: bool
) -> None:
    """Print the log of TASK_ID in RUN (run id or logical date; default: the latest run)."""
    from taskloom import store
    from taskloom.utils.log import log_attempts
    from taskloom.utils.log import read_log
    from taskloom.utils.log import where_looked

    conn = store.connect()
    try:
        found = find_run(conn, dag_id, run)
    finally:
        conn.close()
    tries = log_attempts(dag_id, found.run_id, task_id)
    if not tries:
        raise NotFoundError(
            f"no log for task {task_id!r} in run {found.run_id!r} of DAG {dag_id!r} (it has not "
            f"run yet, or the id is wrong); looked in {where_looked(dag_id, found.run_id, task_id)}"
        )
    if try_number is not None and try_number not in tries:
        raise click.BadParameter(
            f"no try {try_number}; tries with logs: {', '.join(map(str, tries))}",
            param_hint="--try",
        )
    selected = tries if all_tries else [try_number or tries[-1]]
    for number in selected:
        if len(selected) > 1:
            click.echo(f"--- try {number} ---")
        click.echo(read_log(dag_id, found.run_id, task_id, number), nl=False)


@tasks_group.command("clear")
@click.argument("dag_id")
@click.option(
    "-t", "--task-regex", default=None, help="Only tasks whose id matches this regular expression."
)
@click.option("-r", "--run-id", default=None, help="Only this run.")
@click.option(
    "-s", "--start-date", default=None, help="Only runs with a logical date on or after this."
)
@click.option(
    "-e", "--end-date", default=None, help="Only runs with a logical date on or before this."
)
@click.option("-f", "--only-failed", is_flag=True, help="Only failed and upstream_failed tasks.")
@click.option(
    "-d", "--downstream", is_flag=True, help="Also clear the downstream tasks of the matched ones."
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@subdir_option
@output_option
def clear_command(
    dag_id: str,
    task_regex: str | None,
    run_id: str | None,
    start_date: str | None,
    end_date: str | None,
    only_failed: bool,
    downstream: bool,
    yes: bool,
    subdir: Path | None,
    output: str,
) -> None:
    """Reset task instances so they run again; their runs go back to queued for the scheduler."""
    from taskloom import store
    from taskloom.store import dag_runs
    from taskloom.store import task_instances

    _, dag = load_dag(dag_id, subdir)
    try:
        pattern = re.compile(task_regex) if task_regex else None
    except re.error as exc:
        raise click.BadParameter(
            f"not a valid regular expression ({exc})", param_hint="--task-regex"
        ) from None
    task_ids = {tid for tid in dag.task_dict if pattern is None or pattern.search(tid)}
    if downstream:
        for tid in list(task_ids):
            task_ids |= dag.task_dict[tid].get_flat_relative_ids(upstream=False)
    if not task_ids:
        raise NotFoundError(f"no task of DAG {dag_id!r} matches {task_regex!r}")
    start, end = parse_date(start_date, "--start-date"), parse_date(end_date, "--end-date")
    conn = store.connect()
    found = task_instances.find_to_clear(
        conn,
        dag_id,
        run_id=run_id,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        only_failed=only_failed,
    )
    rows = [dict(row) for row in found if row["task_id"] in task_ids]
    conn.close()
    if not rows:
        click.echo("Nothing to clear.")
        return
    render(rows, ["run_id", "task_id", "state"], output)
    if not yes:
        click.confirm(f"Clear these {len(rows)} task instance(s)?", abort=True)
    conn = store.connect()
    with conn.transaction():
        task_instances.clear(conn, dag_id, [(row["run_id"], row["task_id"]) for row in rows])
        dag_runs.requeue_finished(conn, dag_id, sorted({row["run_id"] for row in rows}))
    conn.close()
    click.echo(f"Cleared {len(rows)} task instance(s).", err=output == "json")
