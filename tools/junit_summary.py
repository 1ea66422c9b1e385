"""Add up the JUnit reports every tox environment wrote: one table, then one closing line.

Usage: ``python tools/junit_summary.py [REPORT_DIR]`` — prints a row per environment
(passed, failed, skipped, time) for ``.cache/junit/*.xml``, a total row, and the line
``N passed, N failed, N skipped``; exits 1 if any test failed or no test ran.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import wheels

REPORTS = wheels.CACHE / "junit"


@dataclass
class Counts:
    """The tests of one environment (or of all of them)."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def add(self, other: Counts) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.seconds += other.seconds


def read(report: Path) -> Counts:
    """Counts of one pytest JUnit file (errors count as failures)."""
    counts = Counts()
    for suite in ET.parse(report).getroot().iter("testsuite"):
        tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        counts.add(Counts(tests - failed - skipped, failed, skipped, float(suite.get("time", 0))))
    return counts


def table(rows: dict[str, Counts]) -> list[str]:
    """Plain-text table: one row per environment, then the total."""
    total = Counts()
    for counts in rows.values():
        total.add(counts)
    width = max([len("environment"), *map(len, rows)])
    lines = [f"{'environment':<{width}}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  {'time':>7}"]
    for name, c in [*rows.items(), ("total", total)]:
        lines.append(
            f"{name:<{width}}  {c.passed:>6}  {c.failed:>6}  {c.skipped:>7}  {c.seconds:>6.0f}s"
        )
    lines.insert(-1, "-" * len(lines[0]))
    return lines


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else REPORTS
    rows = {report.stem: read(report) for report in sorted(directory.glob("*.xml"))}
    total = Counts()
    for counts in rows.values():
        total.add(counts)
    print("\n".join(table(rows)))
    print(f"{total.passed} passed, {total.failed} failed, {total.skipped} skipped")
    return 1 if total.failed or not (total.passed + total.skipped) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
