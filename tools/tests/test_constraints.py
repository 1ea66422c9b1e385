"""The ``type`` environment's constraints cover every dependency the distributions declare."""

from __future__ import annotations

import constraints


def test_committed_constraints_are_current() -> None:
    """type.in is what the pyproject files declare, and type.txt pins each of its names."""
    assert constraints.type_requirements(), "no dependency found in the distributions"
    assert constraints.problems() == []


def test_a_new_dependency_without_a_refresh_is_found() -> None:
    """A dependency added to a pyproject.toml but not compiled into type.txt is reported, with the fix."""
    declared = [*constraints.type_requirements(), "cowsay>=6"]
    found = constraints.problems(
        declared, constraints.TYPE_IN.read_text(), constraints.TYPE_TXT.read_text()
    )
    assert len(found) == 2, found
    assert "type.in is not what the pyproject.toml files declare" in found[0]
    assert found[1].startswith("tools/constraints/type.txt pins no version of cowsay: run ")
    assert constraints.REFRESH in found[1]


def test_a_pin_removed_from_type_txt_is_found() -> None:
    """type.txt without the pin of a declared dependency is reported."""
    txt = constraints.TYPE_TXT.read_text()
    without_click = "\n".join(line for line in txt.splitlines() if not line.startswith("click=="))
    found = constraints.problems(None, constraints.TYPE_IN.read_text(), without_click)
    assert found == [
        f"tools/constraints/type.txt pins no version of click: run {constraints.REFRESH}"
    ]


def test_pins_are_read_by_canonical_name() -> None:
    """``PyYAML==6`` pins pyyaml; comment lines and markers do not confuse the reader."""
    text = "# header\nPyYAML==6.0.3\n    # via -r type.in\nasync-timeout==5.0.1 ; python_version < '3.12'\n"
    assert constraints.pinned(text) == {"pyyaml", "async-timeout"}
