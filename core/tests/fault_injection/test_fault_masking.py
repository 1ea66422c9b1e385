"""D5, D15: every string leaf of a secret JSON value, and the URL-quoted and bytes forms of each secret, are masked."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote
from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from taskloom.utils.secrets_masker import SecretsMasker
from taskloom_testing.dagrun import run_dags_test

#: Secrets long enough to be masked; '*' is left out because the mask itself is made of it.
SECRETS = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="*"),
    min_size=5,
    max_size=40,
)
#: Text around a secret in a log line.
AROUND = st.text(max_size=30)

FORMS = {
    "as written": lambda s: s,
    "quote": quote,
    "quote safe=''": lambda s: quote(s, safe=""),
    "quote_plus": quote_plus,
    "bytes": lambda s: repr(s.encode())[2:-1],
    "json": lambda s: json.dumps(s)[1:-1],
    "repr": lambda s: repr(s)[1:-1],
}


@settings(max_examples=400, deadline=None)
@given(secret=SECRETS, form=st.sampled_from(sorted(FORMS)), before=AROUND, after=AROUND)
def test_every_form_of_a_secret_is_masked_in_a_log_line(
    secret: str, form: str, before: str, after: str
) -> None:
    """D15: a secret printed as written, URL-quoted, as bytes, JSON- or repr-escaped never survives redact()."""
    masker = SecretsMasker()
    masker.add(secret)
    spelled = FORMS[form](secret)
    line = masker.redact_text(f"{before}{spelled}{after}")
    assert spelled not in line
    assert "***" in line


JSON_VALUES = st.recursive(
    SECRETS,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(st.text(max_size=8), children, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


def _leaves(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [leaf for child in value.values() for leaf in _leaves(child)]
    assert isinstance(value, list)
    return [leaf for child in value for leaf in _leaves(child)]


@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(st.text(max_size=8), JSON_VALUES, min_size=1, max_size=3))
def test_every_string_leaf_of_a_secret_json_value_is_masked(document: dict[str, object]) -> None:
    """D5: registering a JSON secret registers each string inside it, at any depth."""
    masker = SecretsMasker()
    masker.add(json.dumps(document))
    for leaf in _leaves(document):
        assert leaf not in masker.redact_text(f"value: {leaf}.")


SECRET_VARIABLE_DAG = """\
from taskloom.models.dag import DAG
from taskloom.models.variable import Variable
from taskloom.hooks.base import BaseHook
from taskloom.operators.python import PythonOperator


def leak():
    print("from Variable.get:", Variable.get("my_secret_json", deserialize_json=True)["password"])
    extra = BaseHook.get_connection("api").extra_dejson
    print("from the extra:", extra["auth"]["token"], extra["service_account"])
    print("quoted:", __import__("urllib.parse").parse.quote(BaseHook.get_connection("api").password))
    print("bytes:", BaseHook.get_connection("api").password.encode())


with DAG("leaky", schedule=None) as dag:
    PythonOperator(
        task_id="template",
        python_callable=print,
        op_args=["from the template:", "{{ var.json.my_secret_json.password }}"],
    ) >> PythonOperator(task_id="code", python_callable=leak)
"""

VAR_PASSWORD = "variable-json-pa55word"
TOKEN = "nested-extra-t0ken-value"
SERVICE_ACCOUNT_KEY = "service-account-private-key"
NON_ASCII_PASSWORD = "pässwörd/with space&more"


def test_secret_json_variable_and_extras_are_masked_in_task_logs(
    taskloom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D5/D15 from a DAG run: JSON variable fields, nested extra fields, quoted and bytes forms are masked."""
    monkeypatch.setenv("TASKLOOM_VAR_MY_SECRET_JSON", json.dumps({"password": VAR_PASSWORD}))
    monkeypatch.setenv(
        "TASKLOOM_CONN_API",
        json.dumps(
            {
                "conn_type": "http",
                "host": "api.example",
                "password": NON_ASCII_PASSWORD,
                "extra": {
                    "auth": {"token": TOKEN},
                    "service_account": json.dumps({"private_key": SERVICE_ACCOUNT_KEY}),
                },
            }
        ),
    )
    dag_file = taskloom_home / "leaky.py"
    taskloom_home.mkdir(exist_ok=True)
    dag_file.write_text(SECRET_VARIABLE_DAG)
    outcome = run_dags_test(dag_file, "leaky")
    assert outcome.returncode == 0, outcome.output
    logs = outcome.logs()
    for line in (
        "from the template: ***",
        "from Variable.get: ***",
        "quoted: ***",
        "bytes: b'***'",
    ):
        assert line in logs, logs
    for secret in (
        VAR_PASSWORD,
        TOKEN,
        SERVICE_ACCOUNT_KEY,
        NON_ASCII_PASSWORD,
        quote(NON_ASCII_PASSWORD),
    ):
        assert secret not in logs
        assert secret not in outcome.output
