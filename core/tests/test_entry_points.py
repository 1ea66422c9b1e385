"""Tests of taskloom.utils.entry_points: the same answers as importlib.metadata, without its import cost."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from taskloom.utils import entry_points
from taskloom.utils.entry_points import Distribution
from taskloom.utils.entry_points import distributions


def _dist_info(
    directory: Path, name: str, version: str, entry_points_txt: str | None, metadata: str = ""
) -> Path:
    folder = directory / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{metadata}", encoding="utf-8"
    )
    if entry_points_txt is not None:
        (folder / "entry_points.txt").write_text(entry_points_txt, encoding="utf-8")
    return folder


def test_agrees_with_importlib_metadata_on_this_environment() -> None:
    """Every entry point importlib.metadata sees here is seen, from the same distribution."""

    def as_set(eps: object) -> set[tuple[str, str, str, str]]:
        return {(ep.group, ep.name, ep.value, ep.dist.name) for ep in eps}  # type: ignore[attr-defined]

    groups = {ep.group for d in importlib.metadata.distributions() for ep in d.entry_points}
    expected = {
        (group, name, value.partition("[")[0].strip(), dist)
        for each in groups
        for group, name, value, dist in as_set(importlib.metadata.entry_points(group=each))
    }
    found = as_set(ep for eps in entry_points.grouped_entry_points().values() for ep in eps)
    assert found == expected
    assert any(group == "console_scripts" and name == "taskloom" for group, name, *_ in found)


def test_entry_points_txt_is_parsed_like_importlib(tmp_path: Path) -> None:
    """Sections, comments, blank lines, spaces and extras in brackets."""
    folder = _dist_info(
        tmp_path,
        "acme-tools",
        "1.0",
        "# a comment\n\n[taskloom.cli]\n  acme = acme.cli:group [fancy]  \n; another\n"
        "[taskloom.providers]\nacme=taskloom.providers.acme\n",
    )
    (dist,) = distributions([str(tmp_path)])
    assert dist.location == str(folder)
    assert [(ep.group, ep.name, ep.value) for ep in dist.entry_points()] == [
        ("taskloom.cli", "acme", "acme.cli:group"),
        ("taskloom.providers", "acme", "taskloom.providers.acme"),
    ]


@pytest.mark.parametrize(
    "text",
    ["[group]\nno equals sign here\n", "name = value before any section\n"],
)
def test_a_malformed_line_is_a_value_error_naming_it(tmp_path: Path, text: str) -> None:
    _dist_info(tmp_path, "bad", "1.0", text)
    (dist,) = distributions([str(tmp_path)])
    with pytest.raises(ValueError, match="not an entry point"):
        dist.entry_points()


def test_metadata_headers_skip_continuation_lines_and_stop_at_the_body(tmp_path: Path) -> None:
    _dist_info(
        tmp_path,
        "acme",
        "2.5",
        None,
        "License: line one\n  Requires-Dist: not-a-requirement\nRequires-Dist: taskloom<3,>=2.0\n"
        "Requires-Dist: requests; extra == 'http'\n\nRequires-Dist: in-the-body\n",
    )
    (dist,) = distributions([str(tmp_path)])
    assert (dist.name, dist.version) == ("acme", "2.5")
    assert dist.requires == ("taskloom<3,>=2.0", "requests; extra == 'http'")
    assert dist.entry_points() == []


def test_first_distribution_of_a_name_on_the_path_wins(tmp_path: Path) -> None:
    """Names are compared normalised (PEP 503), across path entries, in path order."""
    first, second = tmp_path / "first", tmp_path / "second"
    _dist_info(first, "Acme.Tools", "2.0", "[g]\na = new\n")
    _dist_info(second, "acme_tools", "1.0", "[g]\na = old\n")
    _dist_info(second, "other", "1.0", "[g]\nb = other\n")
    found = [(d.name, d.version) for d in distributions([str(first), str(second)])]
    assert found == [("Acme.Tools", "2.0"), ("other", "1.0")]


def test_egg_info_folders_are_read_from_pkg_info(tmp_path: Path) -> None:
    """``setup.py develop`` and old installs leave ``name.egg-info`` with PKG-INFO."""
    folder = tmp_path / "legacy.egg-info"
    folder.mkdir()
    (folder / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy\nVersion: 0.9\n")
    (folder / "entry_points.txt").write_text("[g]\nx = legacy.x\n")
    (dist,) = distributions([str(tmp_path)])
    assert (dist.name, dist.version, [ep.value for ep in dist.entry_points()]) == (
        "legacy",
        "0.9",
        ["legacy.x"],
    )


def test_missing_and_unreadable_path_entries_are_skipped(tmp_path: Path) -> None:
    _dist_info(tmp_path / "real", "acme", "1.0", None)
    path = [str(tmp_path / "gone"), str(tmp_path / "real")]
    assert [d.name for d in distributions(path)] == ["acme"]


def test_a_zip_file_on_the_path_is_read_through_importlib_metadata(tmp_path: Path) -> None:
    """Zipped path entries are rare; they are read by importlib.metadata, imported only then."""
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1.0\n"
        )
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", "[g]\nz = zipped.mod:obj\n")
    (dist,) = distributions([str(archive)])
    assert (dist.name, dist.version) == ("zipped", "1.0")
    assert [(ep.name, ep.value) for ep in dist.entry_points()] == [("z", "zipped.mod:obj")]


def test_reading_a_folder_distribution_never_needs_importlib_metadata(tmp_path: Path) -> None:
    """The point of the module: the CLI and discovery never pay for importlib.metadata."""
    _dist_info(tmp_path, "acme", "1.0", "[g]\na = b\n")
    code = (
        "import sys\n"
        "from taskloom.utils.entry_points import grouped_entry_points\n"
        "assert grouped_entry_points()['g'][0].dist.name == 'acme'\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "False"


def test_from_folder_reads_files_lazily(tmp_path: Path) -> None:
    folder = _dist_info(tmp_path, "acme", "1.0", None)
    dist = Distribution.from_folder(str(folder))
    (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: renamed\nVersion: 1.1\n")
    assert (dist.name, dist.version, dist.read_text("RECORD")) == ("renamed", "1.1", None)
    assert repr(dist) == f"<Distribution at {folder}>"
