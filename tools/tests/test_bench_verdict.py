"""bench/run.py's verdict column: a quick run does not judge time or memory targets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# Loaded from its file under its own name: tools/run.py is also a module called "run".
_spec = importlib.util.spec_from_file_location(
    "bench_run", Path(__file__).resolve().parents[2] / "bench" / "run.py"
)
assert _spec is not None
assert _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_run"] = bench  # dataclasses look their module up while the class is made
_spec.loader.exec_module(bench)


def test_a_quick_run_marks_timed_targets_not_judged() -> None:
    """A missed timing target is MISSED in a full run and 'not judged' in a quick one."""
    row = bench.Row("CLI start", "taskloom providers list", "ms", 180.0, None, "< 150 ms", False)
    assert row.verdict(quick=False) == "MISSED"
    assert row.verdict(quick=True) == "not judged (quick run)"


def test_untimed_targets_are_judged_in_a_quick_run_too() -> None:
    """What a quick run measures exactly (which modules were imported) is still judged."""
    row = bench.Row(
        "discovery",
        "resolve one hook",
        "ms",
        1.0,
        None,
        "imports only that hook's modules",
        False,
        timed=False,
    )
    assert row.verdict(quick=True) == "MISSED"
    assert bench.Row("x", "y", "ms", 1.0).verdict(quick=True) == ""
