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


@compat_group.command("check")
@paths_argument
def check_command(paths: tuple[Path, ...]) -> None:
    """List every 1.x usage (file:line:col: old -> new); exit 1 if any is found."""
    total = 0
    files = 0
    for path in _python_files(paths):
        files += 1
        try:
            _, findings = rewrite(_read(path))
        except Exception as exc:  # noqa: BLE001 -- a file libcst cannot parse is reported, others go on
            click.echo(
                f"{path}: cannot parse ({type(exc).__name__}); fix its syntax first", err=True
            )
            total += 1
            continue
        for finding in findings:
            click.echo(finding.format(str(path)))
        total += len(findings)
    click.echo(
        f"{total} legacy usage(s) in {files} file(s)"
        + ("; run `taskloom compat fix` to rewrite them" if total else "")
    )
    if total:
        raise click.exceptions.Exit(1)


@compat_group.command("fix")
@paths_argument
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the changes as a unified diff instead of writing them.",
)
def fix_command(paths: tuple[Path, ...], show_diff: bool) -> None:
    """Rewrite 1.x usages in place, keeping formatting and comments (idempotent)."""
    from taskloom.cli.progress import progress_bar

    changed = 0
    usages = 0
    files = list(_python_files(paths))
    with progress_bar("files", total=len(files)) as advance:
        for path in files:
            found = _fix_file(path, show_diff)
            advance()
            if found:
                changed += 1
                usages += found
    verb = "would rewrite" if show_diff else "rewrote"
    click.echo(f"{verb} {usages} legacy usage(s) in {changed} file(s)")


def _fix_file(path: Path, show_diff: bool) -> int:
    """Rewrite (or show the diff of) one file; the number of 1.x usages found in it."""
    source = _read(path)
    try:
        new, findings = rewrite(source)
    except Exception as exc:  # noqa: BLE001 -- a file libcst cannot parse is reported, others go on
        click.echo(f"{path}: cannot parse ({type(exc).__name__}); left unchanged", err=True)
        return 0
    if new == source:
        return 0
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
    return len(findings)
