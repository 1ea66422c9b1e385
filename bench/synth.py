"""Write synthetic provider distributions straight into a site-packages directory.

Each one is what pip would leave behind for a real provider: a ``*.dist-info`` with
METADATA (``Requires-Dist: taskloom>=2.0,<3``), ``entry_points.txt`` in the
``taskloom.providers`` group and a RECORD, plus ``taskloom/providers/<id>/`` holding
``provider.json``, an empty ``__init__.py`` and a hook module.  Writing them directly
keeps a 100-provider environment cheap to set up.
"""

from __future__ import annotations

import json
from pathlib import Path

HOOK = '''"""A synthetic hook for the discovery benchmark."""

from taskloom.hooks.base import BaseHook


class {cls}(BaseHook):
    conn_name_attr = "{pid}_conn_id"
    default_conn_name = "{pid}_default"
    conn_type = "{pid}"
    hook_name = "Synthetic {pid}"
'''


def provider_id(i: int) -> str:
    return f"synth{i:03d}"


def write(site_packages: Path, count: int) -> list[str]:
    """Write ``count`` synthetic providers; return their ids."""
    ids = []
    for i in range(count):
        pid = provider_id(i)
        ids.append(pid)
        cls = f"Synth{i:03d}Hook"
        pkg = site_packages / "taskloom" / "providers" / pid
        (pkg / "hooks").mkdir(parents=True, exist_ok=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "hooks" / "__init__.py").write_text("")
        (pkg / "hooks" / "synth.py").write_text(HOOK.format(cls=cls, pid=pid))
        (pkg / "provider.json").write_text(
            json.dumps(
                {
                    "id": pid,
                    "name": f"Synthetic {i}",
                    "description": "A generated provider for the discovery benchmark.",
                    "maintainers": [{"name": "bench", "github": "@taskloom/bench"}],
                    "issue_tracker": "https://example.invalid/issues",
                    "documentation": "https://example.invalid/docs",
                    "connection_types": {
                        pid: {
                            "hook_class": f"taskloom.providers.{pid}.hooks.synth.{cls}",
                            "display_name": f"Synthetic {i}",
                            "default_conn_id": f"{pid}_default",
                            "fields": {
                                "host": {"label": "Host"},
                                "password": {"label": "Password"},
                            },
                            "extra_fields": {"token": {"label": "Token", "secret": True}},
                        }
                    },
                    "hooks": [f"taskloom.providers.{pid}.hooks.synth"],
                    "operators": [],
                    "sensors": [],
                    "secrets_backends": [],
                    "executors": [],
                },
                indent=2,
            )
        )
        dist = f"taskloom_provider_{pid}-1.0.0"
        info = site_packages / f"{dist}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.4\nName: taskloom-provider-{pid}\nVersion: 1.0.0\n"
            "Requires-Dist: taskloom<3,>=2.0\n"
        )
        (info / "entry_points.txt").write_text(
            f"[taskloom.providers]\n{pid} = taskloom.providers.{pid}\n"
        )
        (info / "INSTALLER").write_text("bench\n")
        files = [
            p.relative_to(site_packages).as_posix() for p in sorted(pkg.rglob("*")) if p.is_file()
        ]
        files += [
            f"{dist}.dist-info/{n}" for n in ("METADATA", "entry_points.txt", "INSTALLER", "RECORD")
        ]
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    return ids
