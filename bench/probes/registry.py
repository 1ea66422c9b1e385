"""Inside a benchmark environment: cost of building the provider registry and resolving one hook.

Prints JSON: ``registry_ms`` (building the registry, ``import taskloom`` excluded),
``provider_modules_after_registry`` (must be empty: discovery imports no provider module),
``providers`` (how many the registry holds), ``hook_ms`` and ``modules_imported_by_hook``.
"""

from __future__ import annotations

import json
import sys
import time

import taskloom  # noqa: F401 -- imported before timing: the registry's cost is measured alone

conn_type = sys.argv[1]
before = set(sys.modules)
t0 = time.perf_counter()
from taskloom.providers_manager import get_registry  # noqa: E402

registry = get_registry()
providers = len(registry.providers())
t1 = time.perf_counter()
provider_modules = sorted(
    m for m in set(sys.modules) - before if m.startswith("taskloom.providers.")
)
after_registry = set(sys.modules)
t2 = time.perf_counter()
hook = registry.hook_class(conn_type)
t3 = time.perf_counter()
print(
    json.dumps(
        {
            "registry_ms": (t1 - t0) * 1000,
            "providers": providers,
            "provider_modules_after_registry": provider_modules,
            "hook_ms": (t3 - t2) * 1000,
            "hook": f"{hook.__module__}.{hook.__qualname__}",
            "modules_imported_by_hook": sorted(set(sys.modules) - after_registry),
        }
    )
)
