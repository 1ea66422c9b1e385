"""tools/servers.py: finding the server programs the tests start, and what it does when one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
import servers


def _executable(directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    program = directory / name
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)


def test_a_program_on_path_or_in_its_search_directory_is_found(tmp_path: Path) -> None:
    """initdb counts when it is in a search directory that is not on PATH (Debian's layout)."""
    on_path, hidden = tmp_path / "bin", tmp_path / "lib" / "pg" / "16" / "bin"
    _executable(on_path, "redis-server")
    _executable(hidden, "initdb")
    programs = (
        servers.Program("initdb", "postgresql", search=(str(tmp_path / "lib/pg/*/bin"),)),
        servers.Program("redis-server", "redis-server"),
    )
    assert servers.missing_packages(programs, path=str(on_path)) == []


def test_missing_programs_name_their_packages_once(tmp_path: Path) -> None:
    """Each package is listed once, sorted, however many of its programs are missing."""
    programs = (
        servers.Program("redis-server", "redis-server"),
        servers.Program("initdb", "postgresql"),
        servers.Program("pg_ctl", "postgresql"),
    )
    assert servers.missing_packages(programs, path=str(tmp_path)) == ["postgresql", "redis-server"]


def test_not_root_stops_at_once_with_the_command_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without root nothing is installed: exit 1 and the one sudo apt-get line."""
    status = servers.ensure(servers.PROGRAMS[1:3], path=str(tmp_path), as_root=False)
    err = capsys.readouterr().err
    assert status == 1
    assert "sudo apt-get install -y --no-install-recommends openssl redis-server" in err


def test_root_without_apt_get_names_the_command_without_sudo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root on a machine without apt-get also stops, with the line to adapt (no sudo)."""
    status = servers.ensure(servers.PROGRAMS[1:2], path=str(tmp_path), as_root=True)
    err = capsys.readouterr().err
    assert status == 1
    assert "    apt-get install -y --no-install-recommends redis-server" in err


def test_nothing_to_do_when_everything_is_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every program found, nothing runs and nothing is printed."""
    _executable(tmp_path, "redis-server")
    status = servers.ensure(servers.PROGRAMS[1:2], path=str(tmp_path), as_root=False)
    assert status == 0
    assert capsys.readouterr() == ("", "")
