"""The Stripe provider against a fake Stripe: cursor paging in the body, created[gte] incremental, faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from conftest import BASE
from conftest import KEY
from conftest import FakeStripe

from taskloom.declarative import load_provider


def test_wheel_ships_no_python_file() -> None:
    """The installed distribution holds provider.json and manifest.yaml only."""
    files = [
        str(f)
        for f in metadata.files("taskloom-provider-stripe") or ()
        if not str(f).startswith("taskloom_provider_stripe")
    ]
    assert sorted(files) == [
        "taskloom/providers/stripe/manifest.yaml",
        "taskloom/providers/stripe/provider.json",
    ]


def test_customers_every_record_once_newest_first(stripe: FakeStripe) -> None:
    """3,000 customers over 30 pages of 100 via starting_after, in Stripe's order, key on every request."""
    records = list(load_provider("stripe").records("customers", stripe.config()))
    assert [r["id"] for r in records] == [o["id"] for o in stripe.objects["customers"]]
    requests = stripe.api.requests_to("/v1/customers")
    assert len(requests) == 30
    assert requests[0].arg("starting_after") is None
    assert requests[1].arg("starting_after") == "cus_002901"
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in requests)
    assert all(r.arg("limit") == "100" for r in requests)


def test_faults_lose_and_duplicate_nothing(stripe: FakeStripe) -> None:
    """429s, a 500 and cut connections mid-page: still every customer exactly once, in order."""
    api = stripe.api
    api.fault("/v1/customers", at=2, status=429, body={"error": {"type": "rate_limit_error"}})
    api.fault("/v1/customers", at=3, status=429, headers={"Retry-After": "0"})
    api.fault("/v1/customers", at=10, status=500)
    api.fault("/v1/customers", at=17, cut=True)
    api.fault("/v1/customers", at=18, cut=True)
    records = list(load_provider("stripe").records("customers", stripe.config()))
    assert [r["id"] for r in records] == [o["id"] for o in stripe.objects["customers"]]
    assert len(api.requests_to("/v1/customers")) == 35


def test_incremental_created_gte(stripe: FakeStripe) -> None:
    """The state is the newest created (epoch seconds); the next read asks created[gte] from it."""
    source = load_provider("stripe")
    reader = source.read("charges", stripe.config(start_date="2023-11-15T00:00:00Z"))
    ids = [r["id"] for p in reader for r in p.records]
    assert stripe.api.requests_to("/v1/charges")[0].arg("created[gte]") == "1700006400"
    assert ids == [o["id"] for o in stripe.objects["charges"] if o["created"] >= 1700006400]
    assert reader.state == {"created": str(BASE + 60 * 500)}
    stripe.objects["charges"].insert(
        0, {"id": "ch_new", "object": "charge", "created": BASE + 60 * 501}
    )
    again = source.read("charges", stripe.config(), reader.state)
    assert [r["id"] for p in again for r in p.records] == ["ch_new", "ch_000500"]
    assert again.state == {"created": str(BASE + 60 * 501)}


def test_bad_key_is_one_clear_line(stripe: FakeStripe, tmp_path: Path) -> None:
    """`taskloom declarative check stripe` with a wrong key fails with the fix, never the key."""
    config = tmp_path / "stripe.json"
    config.write_text(json.dumps(stripe.config(secret_key="sk_test_wrongKey98765432")))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskloom",
            "declarative",
            "check",
            "stripe",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert out.returncode == 1
    assert (
        "Stripe rejected the API key: put a valid secret or restricted key in the connection's password"
        in out.stdout
    )
    assert "sk_test_wrongKey98765432" not in out.stdout + out.stderr


def test_invoices_and_discovery(stripe: FakeStripe) -> None:
    """invoices read the same way; discover lists three incremental streams."""
    assert len(list(load_provider("stripe").records("invoices", stripe.config()))) == 250
    streams = load_provider("stripe").discover({})
    assert [(s["name"], s["cursor_field"]) for s in streams] == [
        ("customers", ["created"]),
        ("charges", ["created"]),
        ("invoices", ["created"]),
    ]
