"""Rendering of command results: plain aligned tables for people, JSON for scripts.

Every command that prints records takes ``--output table|json`` through
:func:`output_option` and prints through :func:`render`, so scripts can rely on one
JSON shape (a list of objects with the listed columns) across the whole CLI::

    @click.command()
    @output_option
    def list_command(output: str) -> None:
        render([{"key": "a", "val": "1"}], ["key", "val"], output)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

import click

#: The formats ``--output`` accepts.
OUTPUT_FORMATS = ("table", "json")

F = TypeVar("F", bound=Callable[..., Any])


def output_option(func: F) -> F:
    """Add ``-o/--output table|json`` (default ``table``) to a click command.

    The command receives it as its ``output`` parameter.
    """
    return click.option(
        "-o",
        "--output",
        type=click.Choice(OUTPUT_FORMATS),
        default="table",
        show_default=True,
        help="table for people, json for scripts.",
    )(func)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _first_line(text: str) -> str:
    lines = text.splitlines()
    return lines[0] if lines else ""


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Return ``rows`` as a plain text table: a header, a rule, one aligned line per row.

    Multi-line cells are flattened to their first line so the columns stay aligned.
    """
    cells = [[_first_line(_cell(row.get(col))) for col in columns] for row in rows]
    widths = [len(col) for col in columns]
    for line in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, line, strict=True)]
    header = "  ".join(col.ljust(width) for col, width in zip(columns, widths, strict=True))
    rule = "  ".join("-" * width for width in widths)
    body = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    return "\n".join([header.rstrip(), rule, *body])


def format_json(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Return ``rows`` as a JSON list of objects holding only ``columns`` (in that order)."""
    return json.dumps(
        [{col: row.get(col) for col in columns} for row in rows], indent=2, default=str
    )


def render(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], output: str = "table"
) -> None:
    """Print ``rows`` to stdout as a table or as JSON.

    An empty result prints an empty JSON list, or ``No results.`` as a table, so a
    person never wonders whether the command ran.

    :param rows: one mapping per record; missing keys print as empty cells / ``null``.
    :param columns: the keys to show, in order.
    :param output: ``"table"`` or ``"json"`` (the value of :func:`output_option`).
    :raises click.UsageError: for any other ``output``.
    """
    if output == "json":
        click.echo(format_json(rows, columns))
    elif output == "table":
        click.echo(format_table(rows, columns) if rows else "No results.")
    else:
        raise click.UsageError(
            f"unknown output format {output!r}; use one of: {', '.join(OUTPUT_FORMATS)}"
        )


def render_one(record: Mapping[str, Any], output: str = "table") -> None:
    """Print a single record: ``key: value`` lines as a table, a JSON object as JSON."""
    if output == "json":
        click.echo(json.dumps(dict(record), indent=2, default=str))
        return
    if output != "table":
        raise click.UsageError(
            f"unknown output format {output!r}; use one of: {', '.join(OUTPUT_FORMATS)}"
        )
    width = max((len(key) for key in record), default=0)
    for key, value in record.items():
        click.echo(f"{key.ljust(width)}  {_cell(value)}")
