"""SampleApi answers as its docstring documents, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from inspector.config.request_view import decode_jwt_claims
from inspector.demo.sample_api import SampleApi

KEY = {"X-API-Key": "test-key"}


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    sample = SampleApi(seed=7, latency_scale=0, failure_rate=0)
    base_url = sample.start()
    assert base_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=base_url, trust_env=False, timeout=5) as client:
        yield client
    sample.stop()


def test_health_is_public_and_the_rest_needs_a_credential(api: httpx.Client) -> None:
    assert api.get("/health").json()["status"] == "ok"
    refused = api.get("/users")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["error"] == "Unauthorized"
    for credentials in (
        {"headers": KEY},
        {"headers": {"Authorization": "Bearer abc.def.ghi"}},
        {"auth": ("ci-bot", "demo")},
        {"params": {"api_key": "k"}},
    ):
        assert api.get("/users", **credentials).status_code == 200


def test_users_orders_and_search(api: httpx.Client) -> None:
    page = api.get("/users", params={"limit": 5, "offset": 10}, headers=KEY).json()
    assert [user["id"] for user in page["data"]] == [11, 12, 13, 14, 15]
    assert page["total"] == 60
    user = api.get("/users/3", headers=KEY).json()
    assert {"id", "name", "email", "plan"} <= user.keys() and user["id"] == 3
    assert api.get("/users/999", headers=KEY).status_code == 404
    orders = [api.get(f"/users/{n}/orders", headers=KEY).json()["data"] for n in range(1, 20)]
    order = next(o for user_orders in orders for o in user_orders)
    assert api.get(f"/orders/{order['id']}", headers=KEY).json() == order
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.get(f"/orders/{missing}", headers=KEY).status_code == 404
    assert api.get("/search", headers=KEY).status_code == 422
    assert api.get("/search", params={"q": "zzzz"}, headers=KEY).json()["total"] == 0
    assert api.get("/users", params={"limit": "ten"}, headers=KEY).status_code == 422


def test_large_json_is_gzipped_when_the_client_accepts_it(api: httpx.Client) -> None:
    response = api.get("/users", headers={**KEY, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < len(response.content)
    assert len(response.json()["data"]) == 20
    plain = api.get("/users", headers={**KEY, "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_login_and_user_creation_validate_their_input(api: httpx.Client) -> None:
    assert api.post("/login", json={"username": "ada"}).json()["fields"] == {"password": "required"}
    assert api.post("/login", json={"username": "ada", "password": "nope"}).status_code == 401
    token = api.post("/login", json={"username": "ada", "password": "demo"}).json()["token"]
    assert decode_jwt_claims(token) == {
        "sub": "user-ada", "name": "Ada", "email": "ada@example.test", "iat": 1_790_000_000
    }  # fmt: skip
    bad = api.post("/users", json={"name": "", "email": "x"}, headers=KEY)
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"name", "email"}
    made = api.post("/users", json={"name": "Hedy", "email": "hedy@example.test"}, headers=KEY)
    assert made.status_code == 201
    assert api.get(made.headers["Location"], headers=KEY).json()["name"] == "Hedy"
    assert api.delete(made.headers["Location"], headers=KEY).status_code == 204
    assert api.get(made.headers["Location"], headers=KEY).status_code == 404
    assert api.post("/users", content=b"not json", headers=KEY).status_code == 422


def test_images_are_real_pngs(api: httpx.Client) -> None:
    image = api.get("/images/3.png")
    assert image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n") and image.content.endswith(
        b"IEND\xaeB`\x82"
    )


def test_server_errors_happen_at_the_configured_rate() -> None:
    with (
        SampleApi(latency_scale=0, failure_rate=1.0) as sample,
        httpx.Client(base_url=sample.base_url, trust_env=False) as client,
    ):
        statuses = {client.get("/users/1", headers=KEY).status_code for _ in range(30)}
        assert statuses == {500, 503}
        # Public routes never fail: the demo's health checks stay green.
        assert client.get("/health").status_code == 200
        unavailable = next(
            r for r in (client.get("/users/1", headers=KEY) for _ in range(50))
            if r.status_code == 503
        )  # fmt: skip
        assert unavailable.headers["Retry-After"] == "1"


def test_latency_is_real_and_the_slow_endpoint_is_slow() -> None:
    with (
        SampleApi(seed=1, latency_scale=0.1, failure_rate=0) as sample,
        httpx.Client(base_url=sample.base_url, trust_env=False) as client,
    ):
        started = time.perf_counter()
        assert client.get("/reports/slow", headers=KEY).status_code == 200
        assert time.perf_counter() - started >= 0.08  # 800-1600 ms, scaled by 0.1


def test_stop_closes_the_port_promptly() -> None:
    sample = SampleApi(latency_scale=0)
    base_url = sample.start()
    assert httpx.get(f"{base_url}/health", trust_env=False).status_code == 200
    started = time.perf_counter()
    sample.stop()
    assert time.perf_counter() - started < 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/health", trust_env=False)
