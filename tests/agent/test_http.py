"""The MCP server over HTTP: nothing reaches it without the bearer token, and with the token an
agent's client calls tools on a real local server."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from inspector.agent.http import Receive, Scope, Send, require_token
from inspector.store import write_batch
from inspector.testing import make_exchange

TOKEN = "t0ken-for-the-agent-http-tests"


async def _behind(scope: Scope, receive: Receive, send: Send) -> None:
    """The app the token guards: answers 200 and which path it was given."""
    if scope["type"] == "lifespan":
        message = await receive()
        await send({"type": f"{message['type']}.complete"})
        return
    body = json.dumps({"reached": scope["path"]}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


async def _get(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=require_token(_behind, "s3cret"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.post("/mcp", headers=headers, json={})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer s3cre"},  # a prefix of the token
        {"Authorization": "Bearer s3cret2"},  # the token and more
        {"Authorization": "s3cret"},  # no scheme
        {"Authorization": "Basic s3cret"},
        {"X-Token": "s3cret"},
    ],
    ids=["none", "wrong", "prefix", "longer", "bare", "basic", "other-header"],
)
def test_without_the_exact_bearer_token_the_answer_is_401(headers: dict[str, str]) -> None:
    response = asyncio.run(_get(headers))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": "missing or wrong bearer token"}


def test_with_the_token_the_request_reaches_the_app() -> None:
    response = asyncio.run(_get({"Authorization": "Bearer s3cret"}))
    assert response.status_code == 200 and response.json() == {"reached": "/mcp"}


def test_lifespan_events_pass_without_a_token() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    async def start() -> None:
        await require_token(_behind, "s3cret")({"type": "lifespan"}, receive, send)

    asyncio.run(start())
    assert sent == [{"type": "lifespan.startup.complete"}]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(db: sqlite3.Connection, db_path: Path) -> Iterator[str]:
    """serve_http on a free loopback port, in its own process (uvicorn.run blocks)."""
    write_batch(db, [make_exchange(path=f"/users/{n}") for n in range(3)])
    port = _free_port()
    code = (
        "import sys; from pathlib import Path; from inspector.agent.http import serve_http; "
        "serve_http(Path(sys.argv[1]), '127.0.0.1', int(sys.argv[2]), sys.argv[3])"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path), str(port), TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(url, json={}, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr
                time.sleep(0.1)  # polling for the port with a deadline
        yield url
    finally:
        server.terminate()
        server.wait(10)


async def _stats(url: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("stats", {"filter": "path:/users"})
        answer: dict[str, Any] = json.loads("".join(getattr(c, "text", "") for c in result.content))
        return answer


def test_serve_http_answers_tool_calls_with_the_token_only(served: str) -> None:
    assert httpx.post(served, json={}, timeout=5).status_code == 401
    assert asyncio.run(_stats(served, TOKEN))["requests"] == 3
