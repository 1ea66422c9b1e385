"""Check core's lists of in-repo providers against the providers' own ``provider.json``.

Core names its in-repo providers in a few places that cannot read metadata at run time:
the install hints for a missing connection type or executor, the extras of its ``pyproject.toml``,
the default email backend, and tox's environment list (CODEOWNERS is generated, see
``codeowners.py``). Each list is checked here so a new provider, connection type or
rename is caught by ``tools/tests`` instead of drifting.

    python3 tools/provider_lists.py        # exit 1 and one line per disagreement
"""

from __future__ import annotations

import ast
import configparser
import itertools
import json
import re
import sys
import tomllib

import repo

INSTALL_HINTS = "core/src/taskloom/registry/install_hints.py"
EMAIL = "core/src/taskloom/utils/email.py"


def metadata() -> dict[str, dict]:
    """provider id -> its provider.json, for every provider directory of the repository."""
    return {
        str(d.provider_id): json.loads(
            (d.path / "src/taskloom/providers" / str(d.provider_id) / "provider.json").read_text()
        )
        for d in repo.providers()
    }


def _assigned(source: str, name: str) -> object:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                value = node.value
                # MappingProxyType({...}) wraps the literal.
                if isinstance(value, ast.Call) and value.args:
                    value = value.args[0]
                return ast.literal_eval(value)  # type: ignore[arg-type]
    raise LookupError(f"no assignment to {name}")


def expected_install_hints(meta: dict[str, dict]) -> dict[str, str]:
    return {
        conn_type: f"taskloom-provider-{pid}"
        for pid, doc in meta.items()
        for conn_type in doc.get("connection_types", {})
    }


def expected_log_schemes(meta: dict[str, dict]) -> dict[str, str]:
    return {
        scheme: f"taskloom-provider-{pid}"
        for pid, doc in meta.items()
        for scheme in doc.get("log_handlers", {})
    }


def check_install_hints(meta: dict[str, dict], source: str) -> list[str]:
    problems = []
    for name, want in (
        ("KNOWN_CONNECTION_TYPES", expected_install_hints(meta)),
        ("KNOWN_LOG_SCHEMES", expected_log_schemes(meta)),
    ):
        found = _assigned(source, name)
        if found != want:
            problems.append(f"{INSTALL_HINTS}: {name} is {found}, the providers declare {want}")
    return problems


def expected_executors(meta: dict[str, dict]) -> dict[str, str]:
    return {
        item["name"]: f"taskloom-provider-{pid}"
        for pid, doc in meta.items()
        for item in doc.get("executors", [])
        if isinstance(item, dict)
    }


def check_executor_hints(meta: dict[str, dict], source: str) -> list[str]:
    found = _assigned(source, "KNOWN_EXECUTORS")
    want = expected_executors(meta)
    if found != want:
        return [f"{INSTALL_HINTS}: KNOWN_EXECUTORS is {found}, the providers declare {want}"]
    return []


def check_extras(meta: dict[str, dict], pyproject: str) -> list[str]:
    extras = tomllib.loads(pyproject)["project"].get("optional-dependencies", {})
    problems = []
    for pid in meta:
        if extras.get(pid) != [f"taskloom-provider-{pid}>=1.0"]:
            problems.append(
                f'core/pyproject.toml: extra {pid!r} must be ["taskloom-provider-{pid}>=1.0"], '
                f"found {extras.get(pid)!r}"
            )
    for name, requirements in extras.items():
        provider = re.fullmatch(r"taskloom-provider-([a-z0-9_]+)\b.*", requirements[0])
        if provider and provider.group(1) not in meta:
            problems.append(
                f"core/pyproject.toml: extra {name!r} installs a provider this repository does not hold"
            )
    return problems


def check_email_backend(meta: dict[str, dict], source: str) -> list[str]:
    backend = str(_assigned(source, "DEFAULT_BACKEND"))
    match = re.fullmatch(r"taskloom\.providers\.([a-z0-9_]+)\.((?:\w+\.)*\w+)\.(\w+)", backend)
    if match is None or match.group(1) not in meta:
        return [f"{EMAIL}: DEFAULT_BACKEND {backend!r} is not in an in-repo provider"]
    pid, module, function = match.groups()
    path = (
        repo.ROOT
        / "providers"
        / pid
        / "src/taskloom/providers"
        / pid
        / (module.replace(".", "/") + ".py")
    )
    if not path.is_file() or f"def {function}(" not in path.read_text():
        return [f"{EMAIL}: DEFAULT_BACKEND {backend!r} names no function of provider {pid!r}"]
    if f"pip install taskloom-provider-{pid}" not in source:
        return [
            f"{EMAIL}: the error for a missing default backend must say pip install taskloom-provider-{pid}"
        ]
    return []


def _expand(pattern: str) -> list[str]:
    """tox's brace expansion: ``{a,b}-x{1,2}`` -> a-x1, a-x2, b-x1, b-x2."""
    parts = re.split(r"(\{[^}]*\})", pattern)
    choices = [p[1:-1].split(",") if p.startswith("{") else [p] for p in parts]
    return ["".join(c) for c in itertools.product(*choices)]


def check_tox(meta: dict[str, dict], tox_ini: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(tox_ini)
    lines = parser["tox"]["env_list"].splitlines()
    envs = {
        env
        for line in lines
        if line.strip() and not line.strip().startswith("#")
        for env in _expand(line.strip())
    }
    problems = []
    for pid in meta:
        for flavour in ("corelatest", "coremin", "lowest"):
            if f"{pid}-{flavour}" not in envs:
                problems.append(f"tox.ini: env_list lacks {pid}-{flavour}")
    for env in sorted(envs):
        pid, _, flavour = env.partition("-")
        # Distributions that are not providers (core, the declarative runtime) have such envs too.
        others = {d.kind for d in repo.dists() if d.kind != "provider"}
        if flavour in {"corelatest", "coremin", "lowest"} and pid not in meta and pid not in others:
            problems.append(f"tox.ini: env_list has {env}, but there is no provider {pid!r}")
    return problems


def problems() -> list[str]:
    meta = metadata()
    root = repo.ROOT
    return [
        *check_install_hints(meta, (root / INSTALL_HINTS).read_text()),
        *check_executor_hints(meta, (root / INSTALL_HINTS).read_text()),
        *check_extras(meta, (root / "core/pyproject.toml").read_text()),
        *check_email_backend(meta, (root / EMAIL).read_text()),
        *check_tox(meta, (root / "tox.ini").read_text()),
    ]


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
