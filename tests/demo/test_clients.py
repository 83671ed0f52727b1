"""The demo's consumers: each authenticates its own way, the demo configuration names every one,
and what they call is a seeded, weighted mix with its intended failures."""

from __future__ import annotations

import base64
import random
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

from inspector.config import load_config
from inspector.demo.clients import (
    DEMO_CLIENTS,
    DEMO_PASSWORD,
    DemoClient,
    client_headers,
    plan_request,
)
from inspector.resource_files import resource
from inspector.testing import make_exchange

DEMO_CONFIG = load_config(Path(str(resource("demo-config.toml"))))
ORDERS = ["0b7c3e52-5d2a-4f0e-9d1c-1f2e3a4b5c6d", "6f1d2c3b-4a59-4e8f-8d7c-6b5a49382716"]


def _client(name: str) -> DemoClient:
    return next(client for client in DEMO_CLIENTS if client.name == name)


def test_the_demo_configuration_loads_and_names_every_keyed_consumer() -> None:
    config = load_config(Path(str(resource("demo-config.toml"))))
    known = {entry.id for entry in config.grouper.known}
    keyed = {c.secret for c in DEMO_CLIENTS if c.auth in ("api-key", "query-key")}
    assert keyed <= known


@pytest.mark.parametrize(
    "client", [c for c in DEMO_CLIENTS if c.auth != "anonymous"], ids=lambda c: c.name
)
def test_each_authenticated_client_is_named_by_the_demo_configuration(client: DemoClient) -> None:
    request = plan_request(random.Random(1), client, ORDERS)
    exchange = make_exchange(
        method=request.method, path=request.path, query=urlencode(request.params),
        request_headers=tuple(client_headers(client).items()),
    )  # fmt: skip
    processed = DEMO_CONFIG.process(exchange)
    assert processed is not None and processed.consumer is not None
    assert processed.consumer.label == client.name
    assert client.secret not in repr(processed)  # named, and the credential itself is gone


def test_headers_carry_each_credential_style() -> None:
    acme = client_headers(_client("Acme Mobile"))
    assert acme["X-API-Key"] == "demo-key-acme-7f3a9c" and "Authorization" not in acme
    assert client_headers(_client("Ada Lovelace"))["Authorization"].startswith("Bearer eyJ")
    basic = client_headers(_client("CI bot"))["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(basic).decode() == f"ci-bot:{DEMO_PASSWORD}"
    for name in ("Partner Sync", "Anonymous"):  # a query key, or nothing at all
        headers = client_headers(_client(name))
        assert "Authorization" not in headers and "X-API-Key" not in headers
    assert client_headers(_client("Anonymous"))["User-Agent"] == "curl/8.5.0"


def _plans(name: str, count: int = 3000, seed: int = 7) -> list[tuple[str, str]]:
    rng, client = random.Random(seed), _client(name)
    return [(p.method, p.path) for p in (plan_request(rng, client, ORDERS) for _ in range(count))]


def test_a_seed_gives_the_same_plan() -> None:
    assert _plans("Globex Dashboard", 200, seed=3) == _plans("Globex Dashboard", 200, seed=3)
    assert _plans("Globex Dashboard", 200, seed=3) != _plans("Globex Dashboard", 200, seed=4)


def test_the_query_key_client_sends_its_key_on_every_request() -> None:
    rng, partner = random.Random(2), _client("Partner Sync")
    plans = [plan_request(rng, partner, ORDERS) for _ in range(500)]
    assert all(plan.params["api_key"] == "demo-partner-key-55e1" for plan in plans)
    assert not any("api_key" in plan_request(rng, _client("Acme Mobile"), ORDERS).params
                   for _ in range(200))  # fmt: skip


def test_the_etl_client_is_the_one_that_waits_on_slow_reports() -> None:
    slow = {name: Counter(_plans(name))[("GET", "/reports/slow")] / 3000
            for name in ("Initech ETL", "Acme Mobile")}  # fmt: skip
    assert 0.2 < slow["Initech ETL"] < 0.3
    assert slow["Acme Mobile"] < 0.03


def test_anonymous_calls_only_what_needs_no_key_and_some_that_will_be_refused() -> None:
    kinds = Counter(path.split("/")[1] for _, path in _plans("Anonymous"))
    assert set(kinds) == {"images", "login", "health", "users"}  # /users/N: a 401 on purpose
    rng = random.Random(5)
    logins = [plan for plan in (plan_request(rng, _client("Anonymous"), ORDERS)
                                for _ in range(400)) if plan.path == "/login"]  # fmt: skip
    passwords = Counter(plan.json_body["password"] for plan in logins)
    assert set(passwords) == {DEMO_PASSWORD, "hunter2"}  # some logins fail


def test_orders_come_from_the_known_ids_mostly_and_without_them_still_work() -> None:
    orders = [path for _, path in _plans("Acme Mobile") if path.startswith("/orders/")]
    known = sum(path.removeprefix("/orders/") in ORDERS for path in orders)
    assert 0.8 < known / len(orders) < 1.0  # some unknown ids: 404s
    rng = random.Random(9)
    plans = [plan_request(rng, _client("Acme Mobile"), []) for _ in range(500)]
    assert any(plan.path.startswith("/orders/") for plan in plans)
