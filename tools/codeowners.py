"""Keep CODEOWNERS in step with the maintainers each provider declares in its provider.json.

Feedback about ``providers/<id>/`` goes to that provider's maintainers, not to core: the
``maintainers[].github`` handles of its provider.json own the directory.  Everything else
belongs to the core maintainers.

Usage: ``python tools/codeowners.py --check`` (exit 1 when CODEOWNERS disagrees) or ``--write``.
"""

from __future__ import annotations

import difflib
import json
import sys

import repo

CORE_OWNERS = "@taskloom/core-maintainers"
PATH = repo.ROOT / "CODEOWNERS"
HEADER = (
    "# DO NOT EDIT: generated from each provider's provider.json (maintainers[].github)\n"
    "# by `python3 tools/run.py nox -s codeowners -- --write`. The last matching pattern wins.\n"
)


def provider_owners(dist: repo.Dist) -> list[str]:
    meta = dist.path / "src" / "taskloom" / "providers" / str(dist.provider_id) / "provider.json"
    try:
        maintainers = json.loads(meta.read_text())["maintainers"]
        handles = [m["github"] for m in maintainers]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"{meta}: cannot read maintainers[].github ({exc!r})") from None
    if not handles:
        raise SystemExit(f"{meta}: declares no maintainers; add at least one with a github handle")
    return handles


def render() -> str:
    lines = [HEADER, f"*  {CORE_OWNERS}"]
    for dist in repo.dists():
        owners = provider_owners(dist) if dist.kind == "provider" else [CORE_OWNERS]
        lines.append(f"/{dist.rel}/  {' '.join(owners)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    expected = render()
    if argv == ["--write"]:
        PATH.write_text(expected)
        print(f"wrote {PATH.name}")
        return 0
    current = PATH.read_text() if PATH.exists() else ""
    if current == expected:
        print("CODEOWNERS matches the maintainers in every provider.json")
        return 0
    sys.stdout.writelines(
        difflib.unified_diff(
            current.splitlines(True), expected.splitlines(True), "CODEOWNERS", "expected"
        )
    )
    print(
        "error: CODEOWNERS disagrees with the providers' metadata; run `python3 tools/run.py nox -s codeowners -- --write`"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
