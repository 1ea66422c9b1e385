"""What `nox -s images -- --changed` builds: each base with only the provider images on it."""

from __future__ import annotations

import pytest

import images


def chosen(monkeypatch: pytest.MonkeyPatch, *paths: str) -> tuple[list[str], list[str]]:
    monkeypatch.setattr(images, "changed_paths", lambda since: set(paths))
    plan = images.plan([], changed_since="HEAD")
    return [b.name for b in plan.bases], [str(d.provider_id) for d in plan.providers]


def test_a_manifest_only_bump_rebuilds_only_the_manifest_only_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bases, providers = chosen(
        monkeypatch, "images/manifest-only/VERSION", "images/manifest-only/CHANGELOG.md"
    )
    assert bases == ["manifest-only"]
    assert providers
    assert all(
        images.provider_base(images.repo.by_key(p)).name == "manifest-only" for p in providers
    )


def test_a_python_providers_bump_rebuilds_only_the_python_provider_images(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bases, providers = chosen(monkeypatch, "images/python-providers/requirements-py3.11.lock")
    assert bases == ["python-providers"]
    assert "redis" in providers
    assert all(
        images.provider_base(images.repo.by_key(p)).name == "python-providers" for p in providers
    )


def test_a_provider_change_rebuilds_its_image_on_its_base(monkeypatch: pytest.MonkeyPatch) -> None:
    assert chosen(monkeypatch, "providers/redis/src/taskloom/providers/redis/hooks/redis.py") == (
        ["python-providers"],
        ["redis"],
    )


def test_a_core_change_rebuilds_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    bases, providers = chosen(monkeypatch, "core/src/taskloom/models/dag.py")
    assert sorted(bases) == ["manifest-only", "python-providers"]
    assert len(providers) == len(images.plan([], changed_since=None).providers)


def test_docs_elsewhere_rebuild_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert chosen(monkeypatch, "README.md", "tools/run.py") == ([], [])


def test_a_provider_without_a_known_runtime_image_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis = images.repo.by_key("redis")
    monkeypatch.setattr(images, "provider_json", lambda dist: {"runtime_image": "python-3.9"})
    with pytest.raises(SystemExit, match=r"runtime_image 'python-3\.9'; set it to one of"):
        images.provider_base(redis)
