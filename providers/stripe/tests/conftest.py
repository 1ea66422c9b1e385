"""A fake Stripe API on 127.0.0.1: list endpoints with starting_after/has_more, created[gte], bearer keys."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

import pytest

from taskloom.utils.secrets_masker import get_secrets_masker

pytest_plugins = ["taskloom_testing.home", "taskloom_testing.fake_api"]

if TYPE_CHECKING:  # the plugin module is imported by pytest (and so assert-rewritten) first
    from taskloom_testing.fake_api import FakeAPI
    from taskloom_testing.fake_api import Reply
    from taskloom_testing.fake_api import Request

KEY = "sk_test_fixtureKey0123456789"
BASE = 1_700_000_000  # 2023-11-14T22:13:20Z


@dataclass
class FakeStripe:
    """The fake API's objects per list endpoint, newest first as Stripe returns them."""

    api: FakeAPI
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def config(self, **more: Any) -> dict[str, Any]:
        return {"secret_key": KEY, "api_url": self.api.url, "retry_factor": 0.01, **more}


@pytest.fixture
def stripe(fake_api: FakeAPI) -> FakeStripe:
    """/v1/customers (3,000), /v1/charges (500), /v1/invoices (250), created one minute apart."""
    from taskloom_testing.fake_api import Reply

    fake = FakeStripe(fake_api)
    counts = {"customers": 3000, "charges": 500, "invoices": 250}
    prefixes = {"customers": "cus", "charges": "ch", "invoices": "in"}
    for name, count in counts.items():
        fake.objects[name] = [
            {
                "id": f"{prefixes[name]}_{n:06d}",
                "object": name[:-1],
                "created": BASE + 60 * n,
                "livemode": False,
                "metadata": {},
            }
            for n in range(count, 0, -1)
        ]

    def handler(name: str) -> Any:
        def list_objects(req: Request) -> Reply:
            if req.headers.get("Authorization") != f"Bearer {KEY}":
                return Reply.json(
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "message": "Invalid API Key provided",
                        }
                    },
                    401,
                )
            limit = int(req.arg("limit") or 10)
            assert 1 <= limit <= 100
            gte = int(req.arg("created[gte]") or 0)
            items = [o for o in fake.objects[name] if o["created"] >= gte]
            after = req.arg("starting_after")
            if after:
                items = items[[o["id"] for o in items].index(after) + 1 :]
            page = items[:limit]
            return Reply.json(
                {
                    "object": "list",
                    "url": f"/v1/{name}",
                    "has_more": len(items) > limit,
                    "data": page,
                }
            )

        return list_objects

    for name in counts:
        fake_api.route(f"/v1/{name}", handler(name))
    return fake


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    get_secrets_masker().clear()
    yield
    get_secrets_masker().clear()
