"""The GitHub provider is data only, and its manifest loads in the declarative runtime."""

from __future__ import annotations

from importlib import metadata

from taskloom.declarative import load_provider


def test_wheel_ships_no_python_file() -> None:
    """The installed distribution holds provider.json and manifest.yaml, not one .py file."""
    files = [
        str(f)
        for f in metadata.files("taskloom-provider-github") or ()
        if not str(f).startswith("taskloom_provider_github")
    ]
    assert sorted(files) == [
        "taskloom/providers/github/manifest.yaml",
        "taskloom/providers/github/provider.json",
    ]


def test_streams_keys_and_cursors() -> None:
    """discover() lists the four streams with their keys; issues and commits are incremental."""
    streams = {s["name"]: s for s in load_provider("github").discover({})}
    assert sorted(streams) == ["commits", "issues", "pull_requests", "repositories"]
    assert streams["issues"]["primary_key"] == [["id"]]
    assert streams["issues"]["cursor_field"] == ["updated_at"]
    assert streams["commits"]["cursor_field"] == ["committed_at"]
    assert streams["pull_requests"]["cursor_field"] == []


def test_spec_marks_the_token_secret() -> None:
    """The connection spec requires a token (secret) and repositories."""
    spec = load_provider("github").spec()
    assert spec["required"] == ["token", "repositories"]
    assert spec["properties"]["token"]["airbyte_secret"] is True
