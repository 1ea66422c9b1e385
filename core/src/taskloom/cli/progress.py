"""Progress of long commands: a ``rich`` bar on a terminal, the commands' plain lines otherwise.

Commands that can run for a while (``dags test``, ``dags backfill``, ``db migrate``,
``compat fix``) print a line per task, run, migration or file; on a terminal they also show a bar with the count done, the total and the time so
far::

    with progress_bar("tasks", total=len(dag.task_dict)) as advance:
        ...
        advance()        # one more done

``rich`` is the optional extra ``taskloom[progress]``: it would add four distributions and
about 7 MB (``pygments`` alone is 5 MB) to a core install of 16 distributions and 19 MB, for
a display.  Without it, or when stderr is not a terminal (CI logs, pipes) or ``TERM=dumb``,
nothing but the plain lines is printed.  It is imported here only, inside
:func:`progress_bar`, so ``import taskloom`` and every other command never load it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager


def bar_wanted() -> bool:
    """True when stderr is a terminal that can redraw a line and ``rich`` is installed."""
    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        return False
    return importlib.util.find_spec("rich") is not None


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[], None]]:
    """Yield ``advance()``, which counts one more item done out of ``total``.

    The bar is drawn on stderr (stdout keeps the command's output) and removed when the
    block ends; lines the command prints meanwhile appear above it.
    """
    if not bar_wanted():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn
    from rich.progress import MofNCompleteColumn
    from rich.progress import Progress
    from rich.progress import TextColumn
    from rich.progress import TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)
