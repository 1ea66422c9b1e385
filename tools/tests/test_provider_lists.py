"""Core's lists of in-repo providers agree with the providers' provider.json (issue 13)."""

from __future__ import annotations

import provider_lists
import repo


def _text(rel: str) -> str:
    return (repo.ROOT / rel).read_text()


def test_every_list_matches_the_metadata() -> None:
    meta = provider_lists.metadata()
    assert {"postgres", "smtp", "slack"} <= set(meta)
    assert provider_lists.problems() == []


def test_a_new_connection_type_without_an_install_hint_fails() -> None:
    meta = provider_lists.metadata()
    meta["postgres"]["connection_types"]["timescale"] = {}
    problems = provider_lists.check_install_hints(meta, _text(provider_lists.INSTALL_HINTS))
    assert len(problems) == 1
    assert "timescale" in problems[0]


def test_a_new_log_scheme_without_an_install_hint_fails() -> None:
    meta = provider_lists.metadata()
    meta["postgres"]["log_handlers"] = {"pgstore": "taskloom.providers.postgres.log.Handler"}
    problems = provider_lists.check_install_hints(meta, _text(provider_lists.INSTALL_HINTS))
    assert len(problems) == 1
    assert "KNOWN_LOG_SCHEMES" in problems[0]
    assert "pgstore" in problems[0]


def test_a_new_provider_without_extra_or_tox_envs_fails() -> None:
    meta = {**provider_lists.metadata(), "kafka": {"connection_types": {}}}
    extras = provider_lists.check_extras(meta, _text("core/pyproject.toml"))
    assert extras == [
        "core/pyproject.toml: extra 'kafka' must be [\"taskloom-provider-kafka>=1.0\"], found None"
    ]
    tox = provider_lists.check_tox(meta, _text("tox.ini"))
    assert tox == [
        f"tox.ini: env_list lacks kafka-{f}" for f in ("corelatest", "coremin", "lowest")
    ]


def test_a_removed_provider_left_in_the_lists_fails() -> None:
    meta = provider_lists.metadata()
    del meta["duckdb"]
    assert provider_lists.check_extras(meta, _text("core/pyproject.toml"))
    assert any("duckdb" in p for p in provider_lists.check_tox(meta, _text("tox.ini")))
    assert provider_lists.check_install_hints(meta, _text(provider_lists.INSTALL_HINTS))


def test_a_default_email_backend_outside_the_providers_fails() -> None:
    meta = provider_lists.metadata()
    source = _text(provider_lists.EMAIL).replace(
        "taskloom.providers.smtp.utils.email.send_email", "taskloom.providers.smtp.utils.mail.send"
    )
    assert provider_lists.check_email_backend(meta, source)
    assert provider_lists.check_email_backend(meta, _text(provider_lists.EMAIL)) == []


def test_an_install_hint_for_the_wrong_provider_fails() -> None:
    meta = provider_lists.metadata()
    source = _text(provider_lists.EMAIL).replace(
        "pip install taskloom-provider-smtp", "pip install taskloom-provider-mail"
    )
    assert provider_lists.check_email_backend(meta, source)


def test_an_executor_name_without_an_install_hint_fails() -> None:
    meta = provider_lists.metadata()
    source = _text(provider_lists.INSTALL_HINTS)
    assert provider_lists.check_executor_hints(meta, source) == []
    meta["celery"]["executors"].append({"name": "dask", "class": "a.DaskExecutor"})
    problems = provider_lists.check_executor_hints(meta, source)
    assert len(problems) == 1
    assert "'dask': 'taskloom-provider-celery'" in problems[0]
