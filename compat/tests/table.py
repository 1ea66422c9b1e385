"""Render the README's table of moved paths from the one mapping table."""

from __future__ import annotations

from taskloom.legacy.moves import MOVES

START = "<!-- moves table: generated from taskloom.legacy.moves.MOVES; DO NOT EDIT, the tests print the expected text -->"
END = "<!-- end of moves table -->"


def render() -> str:
    rows = ["| 1.x path | new path | provided by |", "| --- | --- | --- |"]
    for move in MOVES:
        renamed = "".join(f" (`{old}=` -> `{new}=`)" for old, new in move.renamed_args)
        rows.append(f"| `{move.old}` | `{move.new}`{renamed} | `{move.distribution}` |")
    return "\n".join([START, *rows, END])
