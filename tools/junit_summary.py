"""Add up the JUnit reports every tox environment wrote, and print one closing line.

Usage: ``python tools/junit_summary.py`` — prints ``N passed, N failed, N skipped`` for
all of ``.cache/junit/*.xml`` and exits 1 if any test failed or no test ran.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

import wheels

REPORTS = wheels.CACHE / "junit"


def main() -> int:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    reports = sorted(REPORTS.glob("*.xml"))
    for report in reports:
        for suite in ET.parse(report).getroot().iter("testsuite"):
            for key in totals:
                totals[key] += int(suite.get(key, 0))
            row = {k: int(suite.get(k, 0)) for k in totals}
            print(
                f"  {report.stem:<24} {row['tests']:>5} tests, {row['failures'] + row['errors']} failed, {row['skipped']} skipped"
            )
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"{passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed or not totals["tests"] else 0


if __name__ == "__main__":
    sys.exit(main())
