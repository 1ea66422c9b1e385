"""``taskloom providers new``: write a complete out-of-tree provider distribution.

The templates beside this module are package data, rendered with
:class:`string.Template` (``$id``, ``${class_name}``...): the generated files are
Python, TOML and JSON full of braces, which ``$`` placeholders leave alone.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Final

from taskloom._version import __version__

#: template file -> path in the new distribution (itself a template).
FILES: Final = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "CHANGELOG.md.tmpl": "CHANGELOG.md",
    "changelog_fragment.md.tmpl": "changelog.d/+first-release.feature.md",
    "test-requirements.txt.tmpl": "test-requirements.txt",
    "package_init.py.tmpl": "src/taskloom/providers/$id/__init__.py",
    "provider.json.tmpl": "src/taskloom/providers/$id/provider.json",
    "hook.py.tmpl": "src/taskloom/providers/$id/hooks/$id.py",
    "operator.py.tmpl": "src/taskloom/providers/$id/operators/$id.py",
    "conftest.py.tmpl": "tests/conftest.py",
    "test_hooks.py.tmpl": "tests/test_hooks.py",
    "test_operators.py.tmpl": "tests/test_operators.py",
    "test_provider.py.tmpl": "tests/test_provider.py",
}
#: The files of a manifest-only provider (``--manifest-only``): data, no Python module.
MANIFEST_ONLY_FILES: Final = {
    "manifest_only_pyproject.toml.tmpl": "pyproject.toml",
    "manifest_only_README.md.tmpl": "README.md",
    "CHANGELOG.md.tmpl": "CHANGELOG.md",
    "manifest_only_changelog_fragment.md.tmpl": "changelog.d/+first-release.feature.md",
    "manifest_only_test-requirements.txt.tmpl": "test-requirements.txt",
    "manifest_only_provider.json.tmpl": "src/taskloom/providers/$id/provider.json",
    "manifest_only_manifest.yaml.tmpl": "src/taskloom/providers/$id/manifest.yaml",
    "manifest_only_test_manifest.py.tmpl": "tests/test_manifest.py",
}
#: Files written empty.
EMPTY_FILES: Final = (
    "src/taskloom/providers/$id/py.typed",
    "src/taskloom/providers/$id/hooks/__init__.py",
    "src/taskloom/providers/$id/operators/__init__.py",
)
_ID: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED: Final = frozenset({"core"})


class ScaffoldError(ValueError):
    """The provider id or target directory cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Scaffold:
    """What :func:`write_provider` wrote."""

    #: The new distribution's directory.
    root: Path
    #: Paths of the written files, relative to :attr:`root`.
    files: list[str]


def _variables(provider_id: str) -> dict[str, str]:
    class_name = "".join(part.capitalize() for part in provider_id.split("_"))
    major = int(__version__.split(".")[0])
    return {
        "id": provider_id,
        "ID_UPPER": provider_id.upper(),
        "class_name": class_name,
        "display_name": " ".join(part.capitalize() for part in provider_id.split("_")),
        "distribution": f"taskloom-provider-{provider_id.replace('_', '-')}",
        "core_floor": f"{major}.0",
        "core_ceiling": str(major + 1),
    }


def check_provider_id(provider_id: str) -> None:
    """Raise :class:`ScaffoldError` unless ``provider_id`` can name a provider package."""
    if not _ID.match(provider_id) or keyword.iskeyword(provider_id):
        raise ScaffoldError(
            f"{provider_id!r} cannot be a provider id: use lower-case letters, digits and "
            "underscores, starting with a letter (it becomes the package taskloom.providers.<id>), "
            "e.g. 'acme' or 'acme_crm'"
        )
    if provider_id in _RESERVED:
        raise ScaffoldError(
            f"{provider_id!r} is reserved for core's built-in provider; choose another id"
        )


def write_provider(
    provider_id: str, directory: Path | None = None, *, manifest_only: bool = False
) -> Scaffold:
    """Write a new provider distribution for ``provider_id``.

    :param directory: where to write it; default ``./taskloom-provider-<id>``.  It must not
        exist or be empty, so nothing of the user's is overwritten.
    :param manifest_only: write a manifest-only provider (``manifest.yaml`` and
        ``provider.json``, no Python module) instead of a hook and an operator.
    :raises ScaffoldError: for a bad id or a non-empty directory.
    """
    check_provider_id(provider_id)
    values = _variables(provider_id)
    root = directory if directory is not None else Path.cwd() / values["distribution"]
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(
            f"{root} already exists and is not an empty directory; choose another --dir or remove it"
        )
    templates = files(__name__)
    written: list[str] = []
    for template_name, target in (MANIFEST_ONLY_FILES if manifest_only else FILES).items():
        text = Template(templates.joinpath(template_name).read_text(encoding="utf-8"))
        relative = Template(target).substitute(values)
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.substitute(values), encoding="utf-8")
        written.append(relative)
    for target in () if manifest_only else EMPTY_FILES:
        relative = Template(target).substitute(values)
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("", encoding="utf-8")
        written.append(relative)
    return Scaffold(root=root, files=sorted(written))
