"""``taskloom compat``: find and rewrite taskloom 1.x usages.

Added to the ``taskloom`` command through core's ``taskloom.cli`` entry-point group
(see ``taskloom.cli``), the same mechanism any provider can use.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import click

from taskloom_compat.codemod import rewrite
from taskloom_compat.resolve import blockers


def _python_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        else:
            yield path


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(f"cannot read {path}: {exc}") from None


@click.group("compat")
def compat_group() -> None:
    """Find and rewrite taskloom 1.x import paths and idioms in DAG files."""


paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)


#: ``compat check`` exit codes: nothing to do / ``compat fix`` handles everything / blocked.
EXIT_CLEAN, EXIT_FIXABLE, EXIT_BLOCKED = 0, 1, 3


@compat_group.command("check")
@paths_argument
def check_command(paths: tuple[Path, ...]) -> None:
    """List every 1.x usage (file:line:col: old -> new) and every import that does not resolve.

    Exit 0 when clean, 1 when `taskloom compat fix` rewrites everything found, 3 when an
    import does not resolve here (a provider to install, or one taskloom does not have yet).
    """
    total = 0
    blocked = 0
    files = 0
    for path in _python_files(paths):
        files += 1
        source = _read(path)
        try:
            _, findings = rewrite(source)
            missing = blockers(source)
        except Exception as exc:  # noqa: BLE001 -- a file libcst cannot parse is reported, others go on
            click.echo(
                f"{path}: cannot parse ({type(exc).__name__}); fix its syntax first", err=True
            )
            blocked += 1
            continue
        for finding in findings:
            click.echo(finding.format(str(path)))
        for blocker in missing:
            click.echo(blocker.format(str(path)))
        total += len(findings)
        blocked += len(missing)
    click.echo(
        f"{total} legacy usage(s) and {blocked} blocker(s) in {files} file(s)"
        + ("; run `taskloom compat fix` to rewrite the usages" if total else "")
    )
    raise click.exceptions.Exit(EXIT_BLOCKED if blocked else EXIT_FIXABLE if total else EXIT_CLEAN)


@compat_group.command("fix")
@paths_argument
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the changes as a unified diff instead of writing them.",
)
@click.option(
    "--from-airflow",
    is_flag=True,
    help="The files are Airflow DAG files (airflow.* imports): migrate them to taskloom in one step.",
)
def fix_command(paths: tuple[Path, ...], show_diff: bool, from_airflow: bool) -> None:
    """Rewrite 1.x usages in place, keeping formatting and comments (idempotent).

    Prints each import that still does not resolve afterwards (with what would serve it).
    """
    from taskloom.cli.progress import progress_bar

    changed = 0
    usages = 0
    unmapped = 0
    files = list(_python_files(paths))
    with progress_bar("files", total=len(files)) as advance:
        for path in files:
            found, blocked = _fix_file(path, show_diff, from_airflow)
            advance()
            unmapped += blocked
            if found:
                changed += 1
                usages += found
    verb = "would rewrite" if show_diff else "rewrote"
    click.echo(
        f"{verb} {usages} legacy usage(s) in {changed} file(s)"
        + (f"; {unmapped} import(s) could not be mapped" if unmapped else "")
    )


def _fix_file(path: Path, show_diff: bool, from_airflow: bool) -> tuple[int, int]:
    """Rewrite (or show the diff of) one file: the 1.x usages found, the imports left unmapped."""
    source = _read(path)
    try:
        new, findings = rewrite(source, from_airflow=from_airflow)
    except Exception as exc:  # noqa: BLE001 -- a file libcst cannot parse is reported, others go on
        click.echo(f"{path}: cannot parse ({type(exc).__name__}); left unchanged", err=True)
        return 0, 0
    unmapped = blockers(new)
    for blocker in unmapped:
        click.echo(f"cannot map: {blocker.format(str(path))}", err=True)
    if new == source:
        return 0, len(unmapped)
    if show_diff:
        click.echo(
            "".join(
                difflib.unified_diff(
                    source.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"
                )
            ),
            nl=False,
        )
    else:
        path.write_text(new, encoding="utf-8")
        click.echo(f"{path}: rewrote {len(findings)} legacy usage(s)", err=True)
    return len(findings), len(unmapped)
