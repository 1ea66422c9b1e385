"""D14: connection passwords and extras and variable values are encrypted at rest with [core] fernet_key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from taskloom import store
from taskloom_testing.cli import run_taskloom

PASSWORD = "db-pa55word-at-rest"
TOKEN = "extra-t0ken-at-rest"
VALUE = "variable-value-at-rest"


def _store() -> None:
    added = run_taskloom(
        "connections",
        "add",
        "pg",
        "--conn-json",
        json.dumps(
            {
                "conn_type": "postgres",
                "host": "db.example",
                "login": "user",
                "password": PASSWORD,
                "extra": {"token": TOKEN},
            }
        ),
        "--skip-validation",
    )
    assert added.returncode == 0, added.stderr
    assert run_taskloom("variables", "set", "plain_value", VALUE).returncode == 0


def _raw_db() -> str:
    """The stored rows as the metadata DB holds them (SQLite file or PostgreSQL)."""
    conn = store.connect()
    try:
        rows = [*conn.execute("SELECT * FROM connection"), *conn.execute("SELECT * FROM variable")]
    finally:
        conn.close()
    return repr([tuple(row) for row in rows])


def _read_back() -> tuple[str, str]:
    got = run_taskloom("connections", "get", "pg", "--reveal", "-o", "json")
    value = run_taskloom("variables", "get", "plain_value")
    return got.stdout + got.stderr, value.stdout + value.stderr


def test_with_a_key_secrets_are_encrypted_and_read_back(
    taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key: nothing secret is in the DB file in clear, and every command reads the values back."""
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    _store()
    raw = _raw_db()
    for secret in (PASSWORD, TOKEN, VALUE):
        assert secret not in raw
    assert "fernet:" in raw
    connection, variable = _read_back()
    assert PASSWORD in connection
    assert TOKEN in connection
    assert variable.strip() == VALUE


def test_a_wrong_key_is_a_clear_error(taskloom_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another key: one line naming the value and the fix, exit 1, never the ciphertext's clear text."""
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    _store()
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    result = run_taskloom("variables", "get", "plain_value")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: variable 'plain_value' cannot be decrypted with [core] fernet_key (a wrong or "
        "replaced key); set the key it was stored with, or list both keys (new first, "
        "comma-separated) and run `taskloom rotate-fernet-key`"
    ]
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", "not-a-key")
    bad = run_taskloom("variables", "get", "plain_value")
    assert bad.returncode == 1
    assert "is not a valid Fernet key" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_no_key_warns_once_and_stores_in_clear(taskloom_home: Path) -> None:
    """No key: values are stored as they are, and one process warns once (not per value)."""
    script = (
        "from taskloom.models.variable import Variable\n"
        "for i in range(3):\n    Variable.set(f'k{i}', 'v')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stderr.count("fernet_key is not set") == 1
    assert run_taskloom("variables", "get", "k0").stdout.strip() == "v"


def test_rotate_fernet_key(taskloom_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored in clear, then with key A, then rotated to key B: only B is needed afterwards."""
    _store()  # no key yet: in clear
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", old)
    assert run_taskloom("variables", "set", "other", "second-value-at-rest").returncode == 0
    first = run_taskloom("rotate-fernet-key")
    assert first.returncode == 0, first.stderr  # with only the old key: encrypts the clear values
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", f"{new},{old}")
    rotated = run_taskloom("rotate-fernet-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted 1 connection(s) and 2 variable(s)." in rotated.stdout
    monkeypatch.setenv("TASKLOOM__CORE__FERNET_KEY", new)
    connection, variable = _read_back()
    assert PASSWORD in connection
    assert variable.strip() == VALUE
    assert VALUE not in _raw_db()
    monkeypatch.delenv("TASKLOOM__CORE__FERNET_KEY")
    without = run_taskloom("rotate-fernet-key")
    assert without.returncode == 1
    assert "fernet_key is not set" in without.stderr
