"""A layered drawing of a DAG, computed on the server: no JavaScript graph library.

Each task goes in the column of its longest path from a root (so every edge points right);
within a column tasks keep the DAG's topological order.  The template draws the boxes and
the edges as SVG from these coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskloom.models.dag import DAG

NODE_WIDTH, NODE_HEIGHT = 180, 34
COLUMN_GAP, ROW_GAP, MARGIN = 60, 16, 10


@dataclass(frozen=True)
class Node:
    task_id: str
    x: int
    y: int
    state: str | None


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Layout:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


def layout(dag: DAG, states: dict[str, str | None] | None = None) -> Layout:
    """Positions of every task and edge of ``dag``; ``states`` colours the boxes."""
    states = states or {}
    order = dag.topological_sort()
    column: dict[str, int] = {}
    for task in order:
        column[task.task_id] = max((column[u] + 1 for u in task.upstream_task_ids), default=0)
    rows: dict[int, int] = {}
    position: dict[str, tuple[int, int]] = {}
    nodes = []
    for task in order:
        col = column[task.task_id]
        row = rows.get(col, 0)
        rows[col] = row + 1
        x = MARGIN + col * (NODE_WIDTH + COLUMN_GAP)
        y = MARGIN + row * (NODE_HEIGHT + ROW_GAP)
        position[task.task_id] = (x, y)
        nodes.append(Node(task.task_id, x, y, states.get(task.task_id)))
    edges = [
        Edge(
            position[task.task_id][0] + NODE_WIDTH,
            position[task.task_id][1] + NODE_HEIGHT // 2,
            position[down][0],
            position[down][1] + NODE_HEIGHT // 2,
        )
        for task in order
        for down in sorted(task.downstream_task_ids)
    ]
    width = MARGIN * 2 + (max(column.values(), default=0) + 1) * (NODE_WIDTH + COLUMN_GAP)
    height = MARGIN * 2 + max(rows.values(), default=1) * (NODE_HEIGHT + ROW_GAP)
    return Layout(nodes, edges, width, height)
