"""CODEOWNERS routes each provider's directory to the maintainers its provider.json names."""

from __future__ import annotations

import json

import codeowners
import repo


def test_codeowners_matches_metadata() -> None:
    """The committed CODEOWNERS is what the providers' metadata generates."""
    assert codeowners.PATH.read_text() == codeowners.render()


def test_each_provider_routed_to_its_maintainers() -> None:
    """Every provider directory has a line naming exactly its declared github handles."""
    lines = codeowners.render().splitlines()
    assert repo.providers(), "no provider found under providers/"
    for dist in repo.providers():
        meta = json.loads(
            (
                dist.path / "src/taskloom/providers" / str(dist.provider_id) / "provider.json"
            ).read_text()
        )
        handles = [m["github"] for m in meta["maintainers"]]
        assert f"/{dist.rel}/  {' '.join(handles)}" in lines
        assert meta["issue_tracker"].startswith("https://")


def test_disagreement_fails(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """An edited CODEOWNERS makes --check fail with a diff and the command to fix it."""
    stale = tmp_path / "CODEOWNERS"
    stale.write_text(codeowners.render().replace("@taskloom/postgres-maintainers", "@someone-else"))
    monkeypatch.setattr(codeowners, "PATH", stale)
    assert codeowners.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "+/providers/postgres/  @taskloom/postgres-maintainers" in out
    assert "nox -s codeowners -- --write" in out
