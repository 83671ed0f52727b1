"""make_exchange(): an Exchange with sensible defaults, every field overridable."""

from __future__ import annotations

import json
from typing import Any, TypedDict, Unpack

from inspector.model import Body, Consumer, Exchange, Headers


class ExchangeOverrides(TypedDict, total=False):
    """Any Exchange field, plus JSON bodies and a consumer given by its id: a misspelt or
    mistyped override is a type error in the tests, not a TypeError at run time."""

    started_at: float
    method: str
    scheme: str
    host: str
    port: int
    path: str
    query: str
    uid: str
    http_version: str
    request_headers: Headers
    request_body: Body
    status: int | None
    reason: str
    response_headers: Headers
    response_body: Body
    duration_ms: float | None
    ttfb_ms: float | None
    client_address: str
    client_port: int | None
    server_address: str
    server_port: int | None
    error: str | None
    websocket_messages: int | None
    websocket_bytes: int | None
    consumer: Consumer | str | None
    endpoint: str
    source: str
    json_body: object  # the response body, as JSON
    request_json: object  # the request body, as JSON


# When a made exchange started, unless told: a fixed instant, so that a test reads the same on
# every day and at every hour. A test about recency (retention, `since:`, live charts) says
# `started_at=time.time()` and so shows that it depends on the clock.
STARTED_AT = 1_764_547_200.0  # 2025-12-01T00:00:00Z


def make_exchange(**overrides: Unpack[ExchangeOverrides]) -> Exchange:
    """A completed JSON GET /users/42 on localhost:8000 answered 200 in 12.5 ms, at STARTED_AT.

    `json_body=` (response) and `request_json=` set JSON bodies; `consumer="id"` makes a Consumer.
    """
    response_payload = overrides.pop("json_body", {"id": 42, "name": "Ada"})
    request_payload = overrides.pop("request_json", None)
    consumer = overrides.pop("consumer", None)
    if isinstance(consumer, str):
        consumer = Consumer(id=consumer)
    response_content = json.dumps(response_payload).encode()
    fields: dict[str, Any] = {
        "started_at": STARTED_AT,
        "method": "GET",
        "scheme": "http",
        "host": "localhost",
        "port": 8000,
        "path": "/users/42",
        "request_headers": (("Host", "localhost:8000"), ("User-Agent", "pytest/1.0")),
        "status": 200,
        "reason": "OK",
        "response_headers": (
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(response_content))),
        ),
        "response_body": Body(
            content=response_content,
            size=len(response_content),
            wire_size=len(response_content),
            content_type="application/json",
        ),
        "duration_ms": 12.5,
        "ttfb_ms": 10.0,
        "client_address": "127.0.0.1",
        "client_port": 50000,
        "server_address": "127.0.0.1",
        "server_port": 8000,
        "consumer": consumer,
    }
    if request_payload is not None:
        content = json.dumps(request_payload).encode()
        fields["request_body"] = Body(
            content=content, size=len(content), wire_size=len(content),
            content_type="application/json",
        )  # fmt: skip
    fields.update(overrides)
    return Exchange(**fields)
