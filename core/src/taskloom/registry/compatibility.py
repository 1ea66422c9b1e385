"""Whether a provider distribution supports the running core, read from its ``Requires-Dist`` on ``taskloom``.

:mod:`packaging` is imported only for the uncommon lines (an environment marker) and for
an incompatible provider's advice, never on the common path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from taskloom._version import __version__

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

#: A Requires-Dist line on core: ``taskloom<3,>=2.0``, ``taskloom (>=2.0)``, ``taskloom>=2; python_version>"3"``.
CORE_REQUIREMENT = re.compile(
    r"^\s*taskloom\s*(?:\[[^\]]*\]\s*)?\(?\s*(?P<spec>(?:[<>=!~][^;()]*)?)\)?\s*(?:;(?P<marker>.*))?$",
    re.IGNORECASE,
)


@functools.cache
def specifier(text: str) -> SpecifierSet:
    # Most providers declare the same range (taskloom>=2.0,<3): parse each text once.
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


def core_allows(text: str) -> bool:
    """Whether the running core is in the range ``text``; :class:`ValueError` if it is malformed."""
    return specifier(text).contains(__version__, prereleases=True)


def core_range(requires: Iterable[str]) -> str | None:
    """The version range on ``taskloom`` among ``Requires-Dist`` lines, ``None`` if there is none.

    The common unconditional line (``taskloom<3,>=2.0``) is cut out by a regular
    expression; only a line with an environment marker pays for importing
    :mod:`packaging.requirements`.

    :raises ValueError: (``InvalidRequirement``) if a line with a marker is malformed.
    """
    for line in requires:
        match = CORE_REQUIREMENT.match(line)
        if match is None:
            continue
        if match["marker"] is None:
            return match["spec"].strip()
        from packaging.requirements import Requirement

        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            return str(requirement.specifier)
    return None


def incompatibility_fix(distribution: str, version: str, specifier: SpecifierSet) -> str:
    from packaging.version import Version

    core = Version(__version__)
    needs_newer_core = any(
        spec.operator in {">=", ">", "==", "~=", "==="}
        and Version(spec.version.rstrip(".*")) > core
        for spec in specifier
    )
    if needs_newer_core:
        return (
            f'upgrade core: pip install "taskloom{specifier}", or go back to a '
            f'release of the provider that supports taskloom {core}: pip install "{distribution}<{version}"'
        )
    return (
        f"install a newer release of the provider that supports taskloom {core}: "
        f'pip install --upgrade "{distribution}>{version}", or pin core: pip install "taskloom{specifier}"'
    )
