"""Variables: small named values kept in the metadata DB, overridable from secrets backends and the environment.

:meth:`Variable.get` looks along the same chain as connections (:mod:`taskloom.secrets`):
the configured secrets backends (a vault may serve variables), then ``TASKLOOM_VAR_<KEY>``
(key upper-cased, as ``AIRFLOW_VAR_*`` in Airflow), then the metadata DB.
"""

from __future__ import annotations

import json
from typing import Any

from taskloom import store
from taskloom.store import variables
from taskloom.utils import crypto

_NOTSET: Any = object()


def _env_name(key: str) -> str:
    return f"TASKLOOM_VAR_{key.upper()}"


class Variable:
    """Read and write variables: ``Variable.get("key")``, ``Variable.set("key", value)``."""

    @staticmethod
    def get(key: str, default_var: Any = _NOTSET, deserialize_json: bool = False) -> Any:
        """Return the value of ``key`` from the first place that has it (see the module docstring).

        :param default_var: returned when the variable does not exist; without it a
            missing variable raises.
        :param deserialize_json: parse the stored text as JSON.
        :raises KeyError: naming the variable and how to create it.
        :raises ValueError: if ``deserialize_json`` is set and the value is not JSON.
        """
        from taskloom.secrets import get_variable

        text = get_variable(key)
        if text is None:
            if default_var is not _NOTSET:
                return default_var
            raise KeyError(
                f"variable {key!r} does not exist; create it with "
                f"`taskloom variables set {key} VALUE` or set {_env_name(key)}"
            )
        from taskloom.utils.secrets_masker import is_sensitive_key
        from taskloom.utils.secrets_masker import mask_secret

        if text and is_sensitive_key(key):
            # A variable named like a secret (``api_token``) is hidden in task logs, as Airflow does.
            mask_secret(text, name=f"variable {key!r}")
        if not deserialize_json:
            return text
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"variable {key!r} is not valid JSON ({exc.msg} at position {exc.pos})"
            ) from None

    @staticmethod
    def set(
        key: str, value: Any, description: str | None = None, serialize_json: bool = False
    ) -> None:
        """Create or replace ``key`` in the metadata DB (the environment still wins on read).

        :param serialize_json: store ``json.dumps(value)``; otherwise ``str(value)``.
        """
        text = json.dumps(value) if serialize_json else str(value)
        conn = store.connect()
        try:
            with conn.transaction():
                variables.put(conn, key, crypto.encrypt(text), description)
        finally:
            conn.close()

    @staticmethod
    def delete(key: str) -> bool:
        """Delete ``key`` from the metadata DB; return whether it existed."""
        conn = store.connect()
        try:
            with conn.transaction():
                return variables.delete(conn, key)
        finally:
            conn.close()

    @staticmethod
    def list() -> list[dict[str, Any]]:
        """Return every variable in the DB as ``{"key", "val", "description"}``, sorted by key."""
        conn = store.connect()
        try:
            rows = variables.all_rows(conn)
        finally:
            conn.close()
        return [
            {**dict(row), "val": crypto.decrypt(row["val"], what=f"variable {row['key']!r}")}
            for row in rows
        ]

    @staticmethod
    def rotate_encryption() -> int:
        """Re-encrypt every stored value with the first ``[core] fernet_key``; return how many."""
        conn = store.connect()
        try:
            with conn.transaction():
                rows = variables.all_rows(conn)
                variables.set_values(
                    conn,
                    [
                        (r["key"], crypto.rotate(r["val"], what=f"variable {r['key']!r}"))
                        for r in rows
                    ],
                )
        finally:
            conn.close()
        return len(rows)
