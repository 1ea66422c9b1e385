"""tools/junit_summary.py: the table that closes `nox -s tests`."""

from __future__ import annotations

from pathlib import Path

import junit_summary
import pytest


def _report(
    path: Path, *, tests: int, failures: int, errors: int, skipped: int, time: float
) -> None:
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites>'
        f'<testsuite name="pytest" tests="{tests}" failures="{failures}" errors="{errors}"'
        f' skipped="{skipped}" time="{time}"></testsuite></testsuites>'
    )


def test_one_row_per_environment_then_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows hold passed/failed/skipped/time; errors count as failures; the last line adds up."""
    _report(tmp_path / "core-py311.xml", tests=10, failures=0, errors=0, skipped=1, time=12.4)
    _report(tmp_path / "redis-corelatest.xml", tests=5, failures=1, errors=1, skipped=0, time=3.6)
    status = junit_summary.main([str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0].split() == ["environment", "passed", "failed", "skipped", "time"]
    assert lines[1].split() == ["core-py311", "9", "0", "1", "12s"]
    assert lines[2].split() == ["redis-corelatest", "3", "2", "0", "4s"]
    assert set(lines[3]) == {"-"}
    assert lines[4].split() == ["total", "12", "2", "1", "16s"]
    assert lines[5] == "12 passed, 2 failed, 1 skipped"


def test_no_report_at_all_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run in which no environment wrote a report is a failure, not a pass."""
    assert junit_summary.main([str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 0 failed, 0 skipped"


def test_all_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0 when every test passed or was skipped."""
    _report(tmp_path / "compat.xml", tests=3, failures=0, errors=0, skipped=0, time=1.0)
    assert junit_summary.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 passed, 0 failed, 0 skipped"
