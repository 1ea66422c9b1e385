"""Inside a benchmark environment: time one import statement in a fresh interpreter.

Usage: ``python import_time.py STATEMENT [SETUP]`` — runs SETUP untimed (if given), then
prints the milliseconds STATEMENT took (interpreter start-up excluded), warnings ignored.
"""

from __future__ import annotations

import sys
import time
import warnings

warnings.simplefilter("ignore")
statement = sys.argv[1]
if len(sys.argv) > 2:
    exec(compile(sys.argv[2], "<setup>", "exec"), {})
code = compile(statement, "<bench>", "exec")
start = time.perf_counter()
exec(code, {})
print((time.perf_counter() - start) * 1000)
