"""Inside a benchmark environment: time one import statement in a fresh interpreter.

Usage: ``python import_time.py "from taskloom.hooks.base import BaseHook"`` — prints the
milliseconds the statement took (interpreter start-up excluded), with warnings ignored.
"""

from __future__ import annotations

import sys
import time
import warnings

warnings.simplefilter("ignore")
statement = sys.argv[1]
code = compile(statement, "<bench>", "exec")
start = time.perf_counter()
exec(code, {})
print((time.perf_counter() - start) * 1000)
