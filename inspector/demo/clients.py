"""The demo's API consumers and what they call: shared by the live traffic and synthetic data.

The consumers use every credential style the grouping rules know: X-API-Key headers, bearer
JWTs (unsigned demo tokens with name and e-mail claims), basic auth, an `api_key` query
parameter, and an anonymous client. `resources/demo-config.toml` names them.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from inspector.demo.credentials import basic_auth, make_jwt

# One demo password for every demo account; the sample API accepts it at /login.
DEMO_PASSWORD = "demo"


def demo_jwt(*, sub: str, name: str, email: str) -> str:
    """An unsigned-looking demo JWT (never verified by anyone) carrying name and e-mail claims."""
    return make_jwt({"sub": sub, "name": name, "email": email, "iat": 1_790_000_000})


@dataclass(frozen=True, slots=True)
class DemoClient:
    """One consumer of the demo: how it authenticates and how much it calls."""

    name: str  # what resources/demo-config.toml labels it, for people reading tests
    auth: str  # "api-key", "bearer", "basic", "query-key" or "anonymous"
    secret: str  # the key, the JWT, the basic-auth user or the query key
    weight: float  # share of the traffic
    user_agent: str
    email: str = ""
    group: str = ""


DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        "Acme Mobile",
        "api-key",
        "demo-key-acme-7f3a9c",
        5.0,
        "AcmeMobile/3.2.1 (iPhone; iOS 17.1)",
        "mobile@acme.test",
        "Enterprise",
    ),
    DemoClient(
        "Globex Dashboard",
        "api-key",
        "demo-key-globex-21be04",
        3.0,
        "Mozilla/5.0 (X11; Linux x86_64) GlobexDashboard/5.0",
        "web@globex.test",
        "Pro",
    ),
    DemoClient(
        "Initech ETL",
        "api-key",
        "demo-key-initech-9d11c2",
        1.5,
        "python-httpx/0.28 initech-etl/1.4",
        "data@initech.test",
        "Pro",
    ),
    DemoClient(
        "Ada Lovelace",
        "bearer",
        demo_jwt(sub="user-ada", name="Ada Lovelace", email="ada@example.test"),
        3.0,
        "SampleWeb/2.0 (Chrome 131)",
    ),
    DemoClient(
        "Grace Hopper",
        "bearer",
        demo_jwt(sub="user-grace", name="Grace Hopper", email="grace@example.test"),
        2.0,
        "SampleWeb/2.0 (Firefox 133)",
    ),
    DemoClient("CI bot", "basic", "ci-bot", 1.5, "GitHub-Actions/2.321 pytest", "", "Internal"),
    DemoClient(
        "Partner Sync",
        "query-key",
        "demo-partner-key-55e1",
        1.5,
        "PartnerSync/2.4",
        "it@partner.test",
        "Partners",
    ),
    DemoClient("Anonymous", "anonymous", "", 1.0, "curl/8.5.0"),
)

_SEARCH_TERMS = ("ada", "hop", "tur", "lis", "knuth", "ham", "zzz", "ri")


def client_headers(client: DemoClient) -> dict[str, str]:
    headers = {
        "User-Agent": client.user_agent,
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
    }
    if client.auth == "api-key":
        headers["X-API-Key"] = client.secret
    elif client.auth == "bearer":
        headers["Authorization"] = f"Bearer {client.secret}"
    elif client.auth == "basic":
        headers["Authorization"] = basic_auth(client.secret, DEMO_PASSWORD)
    return headers


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    method: str
    path: str
    params: dict[str, str]
    json_body: Any = None


def plan_request(rng: random.Random, client: DemoClient, order_ids: list[str]) -> PlannedRequest:
    """What `client` calls next: a weighted mix of endpoints, some of them bound to fail."""
    params: dict[str, str] = {}
    if client.auth == "query-key":
        params["api_key"] = client.secret
    if client.auth == "anonymous":
        roll = rng.random()
        if roll < 0.35:
            return PlannedRequest("GET", f"/images/{rng.randint(1, 40)}.png", params)
        if roll < 0.6:
            password = DEMO_PASSWORD if rng.random() < 0.7 else "hunter2"
            body = {"username": rng.choice(("ada", "grace", "alan")), "password": password}
            return PlannedRequest("POST", "/login", params, body)
        if roll < 0.75:
            return PlannedRequest("GET", "/health", params)
        return PlannedRequest("GET", f"/users/{rng.randint(1, 60)}", params)  # 401
    slow_share = 0.25 if client.name == "Initech ETL" else 0.01
    roll = rng.random()
    user_id = rng.randint(1, 64)  # a few ids past the 60 users: 404s
    if roll < slow_share:
        return PlannedRequest("GET", "/reports/slow", params)
    if roll < 0.35:
        return PlannedRequest("GET", f"/users/{user_id}", params)
    if roll < 0.5:
        return PlannedRequest("GET", f"/users/{user_id}/orders", params)
    if roll < 0.6:
        order = (
            rng.choice(order_ids)
            if order_ids and rng.random() < 0.9
            else str(uuid.UUID(int=rng.getrandbits(128), version=4))
        )
        return PlannedRequest("GET", f"/orders/{order}", params)
    if roll < 0.72:
        offset = rng.choice((0, 20, 40))
        return PlannedRequest("GET", "/users", {**params, "limit": "20", "offset": str(offset)})
    if roll < 0.82:
        term = "" if rng.random() < 0.05 else rng.choice(_SEARCH_TERMS)
        return PlannedRequest("GET", "/search", {**params, "q": term})
    if roll < 0.9:
        valid = rng.random() < 0.8
        body = {"name": "New Person", "email": "new@example.test" if valid else "not-an-email"}
        return PlannedRequest("POST", "/users", params, body)
    if roll < 0.93:
        return PlannedRequest("DELETE", f"/users/{rng.randint(40, 70)}", params)
    if roll < 0.97:
        return PlannedRequest("GET", f"/images/{rng.randint(1, 40)}.png", params)
    return PlannedRequest("GET", "/health", params)
