"""Synthetic captures: N realistic exchanges written straight into a database, fast.

The same consumers, endpoints, status mix and bodies as the live demo (the sample API's own
data), spread over the last 24 hours with a daily rhythm. Consumers and redaction come from
running each demo client's request through the demo configuration once, so the rows look
exactly like what `inspector --demo` captures. With a seed, every row is the same on each run
except for the time anchor (`now`).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import as_file
from itertools import accumulate
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from inspector.config import Config, load_config
from inspector.demo.clients import (
    DEMO_CLIENTS,
    DemoClient,
    PlannedRequest,
    client_headers,
    plan_request,
)
from inspector.demo.sample_api import SampleData, png_image
from inspector.model import Body, Consumer, Exchange, Headers
from inspector.resource_files import resource
from inspector.store import write_batch

HOST, PORT = "127.0.0.1", 8000
DAY_S = 86_400.0
BATCH_SIZE = 5_000
_JSON = "application/json"
_SERVER_ERROR_RATE = 0.015


def demo_config() -> Config:
    """The shipped demo configuration (resources/demo-config.toml)."""
    with as_file(resource("demo-config.toml")) as path:
        return load_config(Path(path))


@dataclass(frozen=True, slots=True)
class _Caller:
    client: DemoClient
    consumer: Consumer | None
    headers: Headers  # request headers after redaction
    query_key: str  # the api_key query value after redaction ("" for other clients)


def _callers(config: Config) -> list[_Caller]:
    callers = []
    for client in DEMO_CLIENTS:
        raw_query = f"api_key={client.secret}" if client.auth == "query-key" else ""
        raw = Exchange(0.0, "GET", "http", HOST, PORT, "/users", raw_query, uid="",
                       request_headers=(("Host", f"{HOST}:{PORT}"),
                                        *client_headers(client).items()))  # fmt: skip
        processed = config.process(raw) or raw
        query_key = dict(parse_qsl(processed.query)).get("api_key", "")
        callers.append(_Caller(client, processed.consumer, processed.request_headers, query_key))
    return callers


def _json_body(payload: object) -> Body:
    content = json.dumps(payload).encode()
    # The sample API gzips JSON of 512 bytes or more; about a quarter of the size on the wire.
    wire = len(content) // 4 + 20 if len(content) >= 512 else len(content)
    return Body(content=content, size=len(content), wire_size=wire, content_type=_JSON)


class _Responses:
    """Ready-made response bodies from the sample API's data, so a row costs no JSON encoding."""

    def __init__(self, rng: random.Random) -> None:
        data = SampleData(rng)
        self.users = {uid: _json_body(user) for uid, user in data.users.items()}
        self.orders_of = {
            uid: _json_body({"data": [o for o in data.orders.values() if o["user_id"] == uid],
                             "total": 0})
            for uid in data.users
        }  # fmt: skip
        self.orders = {oid: _json_body(order) for oid, order in data.orders.items()}
        self.order_ids = list(data.orders)
        users = list(data.users.values())
        self.pages = {
            offset: _json_body({"data": users[offset : offset + 20], "total": len(users),
                                "limit": 20, "offset": offset})
            for offset in (0, 20, 40)
        }  # fmt: skip
        self.searches = {
            term: _json_body({"query": term, "total": 0,
                              "data": [u for u in users if term in u["name"].lower()][:25]})
            for term in ("ada", "hop", "tur", "lis", "knuth", "ham", "zzz", "ri")
        }  # fmt: skip
        self.images = [self._image(n) for n in range(1, 41)]
        self.created = _json_body({"id": 61, "name": "New Person", "email": "new@example.test",
                                   "plan": "free", "created_at": "2026-11-23"})  # fmt: skip
        self.health = _json_body({"status": "ok", "uptime_s": 3600.0})
        self.report = _json_body({"report": "weekly", "rows": 1024, "generated_in_ms": 1200})
        self.token = _json_body({"token": "[REDACTED]", "token_type": "Bearer", "expires_in": 3600})

    @staticmethod
    def _image(n: int) -> Body:
        shade = n * 37 % 256
        content = png_image(16, 16, (shade, 120, 255 - shade))
        return Body(content=content, size=len(content), wire_size=len(content),
                    content_type="image/png")  # fmt: skip


def _error_body(status: int, message: str) -> Body:
    phrases = {401: "Unauthorized", 404: "Not Found", 422: "Unprocessable Entity",
               500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip
    return _json_body({"error": phrases[status], "message": message})


_ERRORS = {
    401: _error_body(401, "Missing credentials: send X-API-Key, a bearer token or basic auth."),
    404: _error_body(404, "Not found."),
    422: _error_body(422, "Validation failed."),
    500: _error_body(500, "Unexpected error; the incident has been logged."),
    503: _error_body(503, "Try again soon."),
}
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 401: "Unauthorized", 404: "Not Found",
            422: "Unprocessable Entity", 500: "Internal Server Error",
            503: "Service Unavailable"}  # fmt: skip


def _answer(request: PlannedRequest, caller: _Caller, responses: _Responses,
            rng: random.Random) -> tuple[int, Body]:  # fmt: skip
    """The status and body the sample API would give."""
    path, method = request.path, request.method
    public = path in ("/health", "/login") or path.startswith("/images/")
    if not public and caller.client.auth == "anonymous":
        return 401, _ERRORS[401]
    if not public and rng.random() < _SERVER_ERROR_RATE:
        return (503, _ERRORS[503]) if rng.random() < 0.5 else (500, _ERRORS[500])
    parts = path.strip("/").split("/")
    if path == "/health":
        return 200, responses.health
    if path == "/login":
        body = request.json_body or {}
        return (200, responses.token) if body.get("password") == "demo" else (401, _ERRORS[401])
    if path == "/reports/slow":
        return 200, responses.report
    if parts[0] == "images":
        return 200, responses.images[int(parts[1].split(".")[0]) % 40]
    if path == "/users":
        if method == "POST":
            valid = "@" in str((request.json_body or {}).get("email", ""))
            return (201, responses.created) if valid else (422, _ERRORS[422])
        return 200, responses.pages.get(int(request.params.get("offset", "0")), responses.pages[0])
    if path == "/search":
        term = request.params.get("q", "")
        return (200, responses.searches[term]) if term else (422, _ERRORS[422])
    if parts[0] == "orders":
        order = responses.orders.get(parts[1])
        return (200, order) if order else (404, _ERRORS[404])
    user_id = int(parts[1])
    if user_id not in responses.users:
        return 404, _ERRORS[404]
    if method == "DELETE":
        return 204, Body()
    if len(parts) == 3:
        return 200, responses.orders_of[user_id]
    return 200, responses.users[user_id]


def _duration_ms(rng: random.Random, path: str) -> float:
    # The sample API's latency model: ~15 ms typical, a 3% slow tail, slow reports.
    if path == "/reports/slow":
        return rng.uniform(800, 1600)
    if rng.random() < 0.03:
        return rng.uniform(150, 900)
    return rng.lognormvariate(2.7, 0.5) + 0.4


def _started_at(index: int, total: int, start: float, rng: random.Random) -> float:
    """Increasing times over 24 hours, busier in the day: u -> u - a*sin(2*pi*u)/(2*pi)."""
    u = (index + rng.random()) / total
    return start + DAY_S * (u - 0.6 * math.sin(2 * math.pi * u) / (2 * math.pi))


def generate_exchanges(count: int, *, seed: int | None = None, now: float | None = None,
                       config: Config | None = None) -> Iterator[Exchange]:  # fmt: skip
    """`count` synthetic exchanges in time order, ending at `now` (default: the current time)."""
    rng = random.Random(seed)
    uid_rng = random.Random(rng.getrandbits(64))
    config = config or demo_config()
    callers = _callers(config)
    weights = list(accumulate(caller.client.weight for caller in callers))
    responses = _Responses(random.Random(seed))
    start = (time.time() if now is None else now) - DAY_S
    for index in range(count):
        caller = rng.choices(callers, cum_weights=weights)[0]
        request = plan_request(rng, caller.client, responses.order_ids)
        while not config.wants(HOST, PORT, request.path):
            # What live capture skips (health checks by default) never reaches its database.
            request = plan_request(rng, caller.client, responses.order_ids)
        status, body = _answer(request, caller, responses, rng)
        params = dict(request.params)
        if "api_key" in params:
            params["api_key"] = caller.query_key
        request_body = Body()
        headers = caller.headers
        if request.json_body is not None:
            content = json.dumps(request.json_body).encode()
            if request.path == "/login":
                content = b'{"username": "%s", "password": "[REDACTED]"}' % (
                    request.json_body["username"].encode()
                )
            request_body = Body(content=content, size=len(content), wire_size=len(content),
                                content_type=_JSON)  # fmt: skip
            headers = (*headers, ("Content-Type", _JSON), ("Content-Length", str(len(content))))
        duration = _duration_ms(rng, request.path)
        response_headers: Headers = (
            ("Server", "SampleApi/1.0"),
            ("Content-Type", body.content_type or _JSON),
            ("Content-Length", str(body.wire_size)),
            ("X-Request-Id", f"{uid_rng.getrandbits(64):016x}"),
        )
        yield Exchange(
            started_at=_started_at(index, count, start, rng),
            method=request.method,
            scheme="http",
            host=HOST,
            port=PORT,
            path=request.path,
            query=urlencode(params) if params else "",
            uid=f"{uid_rng.getrandbits(128):032x}",
            request_headers=headers,
            request_body=request_body,
            status=status,
            reason=_REASONS[status],
            response_headers=response_headers,
            response_body=body,
            duration_ms=duration,
            ttfb_ms=duration * 0.9,
            client_address="127.0.0.1",
            client_port=40_000 + index % 20_000,
            server_address=HOST,
            server_port=PORT,
            consumer=caller.consumer,
        )


def write_synthetic(conn: sqlite3.Connection, count: int, *, seed: int | None = None,
                    now: float | None = None,
                    progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Write `count` synthetic exchanges in batches of BATCH_SIZE; returns how many were stored
    (fewer only when a seeded run is repeated into the same database: uids are the same).

    `progress` is called after each batch with the number of exchanges written so far.
    """
    stored = done = 0
    batch: list[Exchange] = []
    for exchange in generate_exchanges(count, seed=seed, now=now):
        batch.append(exchange)
        if len(batch) == BATCH_SIZE or done + len(batch) == count:
            stored += len(write_batch(conn, batch))
            done += len(batch)
            batch.clear()
            if progress is not None:
                progress(done)
    return stored
