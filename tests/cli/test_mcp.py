"""`inspector mcp`, driven by the official SDK's client over stdio (and streamable HTTP), against
a real capture that keeps writing while the agent reads."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

from tests.capture.capture_servers import serve_handler
from tests.capture.capture_support import ProxyProcess, start_capture, wait_for_exchanges
from tests.commands import inspector_argv, run_inspector

pytestmark = pytest.mark.capture

SECRET = "ghp_" + "Zq8" * 12  # a GitHub token shape: redacted before disk, whatever the name
BIG = ("line of log text " * 5000).encode()  # ~85 kB, paged by the exchange tool


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/big"):
            status, body, kind = 200, BIG, "text/plain"
        elif self.path.startswith("/fail"):
            status, body, kind = 503, b'{"error": "down"}', "application/json"
        else:
            status, body, kind = 200, b'{"ok": true, "user": {"id": 7}}', "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api() -> Iterator[str]:
    yield from serve_handler(Api)


@pytest.fixture
def capture(tmp_path: Path, api: str) -> Iterator[ProxyProcess]:
    proxy = start_capture(tmp_path)
    with httpx.Client(proxy=proxy.url, timeout=10) as http:
        for i in range(30):
            http.get(f"{api}/users/{i}", headers={"X-Debug": f"token {SECRET}",
                                                  "X-Api-Key": "key-acme-000001"})  # fmt: skip
        http.get(f"{api}/fail/now")
        http.get(f"{api}/big/log")
    wait_for_exchanges(proxy.db_path, "/", 32)
    yield proxy
    assert proxy.stop() == 0


def _text(result: Any) -> str:
    return "".join(getattr(item, "text", "") for item in result.content)


async def _session_calls(db_path: Path, api: str, proxy_url: str) -> dict[str, Any]:
    command, *args = inspector_argv("mcp", "--db", db_path)
    params = StdioServerParameters(command=command, args=args, env=dict(os.environ))
    out: dict[str, Any] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        out["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
        call = session.call_tool
        out["wrong"] = json.loads(_text(await call("whats_wrong", {"minutes": 10})))
        out["stats"] = json.loads(_text(await call("stats", {"filter": "path:/users"})))
        page1 = json.loads(_text(await call("requests", {"filter": "path:/users", "limit": 20})))
        more = {"filter": "path:/users", "limit": 20, "cursor": page1["next_cursor"]}
        page2 = json.loads(_text(await call("requests", more)))
        out["pages"] = (page1, page2)
        big = json.loads(_text(await call("requests", {"filter": "path:/big"})))["rows"][0]
        first = json.loads(_text(await call("exchange", {"id": big["id"],
                                                         "part": "response_body"})))  # fmt: skip
        out["big"] = first
        user = page1["rows"][0]["id"]
        out["summary"] = json.loads(_text(await call("exchange", {"id": user})))
        out["bad_filter"] = await call("stats", {"filter": "status:>>5"})
        out["bad_id"] = await call("exchange", {"id": 999999})
        out["bad_part"] = await call("exchange", {"id": user, "part": "headers"})
        out["bad_cursor"] = await call("requests", {"cursor": "nonsense!"})
        # The capture goes on writing while the agent reads.
        with httpx.Client(proxy=proxy_url, timeout=10) as http:
            for _ in range(5):
                http.get(f"{api}/later")
        wait_for_exchanges(db_path, "/later", 5)
        later = json.loads(_text(await call("requests", {"filter": "path:/later"})))
        out["later"] = later
        out["compare"] = json.loads(_text(await call("compare", {
            "base_filter": "path:/users", "head_filter": "path:/later"})))  # fmt: skip
        out["bad_window"] = await call("compare", {"base_filter": "since:1h",
                                                   "head_filter": "method:DELETE"})  # fmt: skip
        everything = []
        for name in ("stats", "endpoints", "consumers", "requests"):
            everything.append(_text(await call(name, {})))
        out["everything"] = "".join(everything)
    return out


def test_the_agent_reads_aggregates_rows_and_paged_bodies_of_a_live_capture(
    capture: ProxyProcess, api: str
) -> None:
    out = asyncio.run(_session_calls(capture.db_path, api, capture.url))
    assert out["tools"] == ["compare", "consumers", "endpoints", "exchange", "requests",
                            "stats", "whats_wrong"]  # fmt: skip
    wrong = out["wrong"]
    assert wrong["requests"] == 32 and wrong["errors"] == 1
    assert wrong["errors_by_endpoint"] == [{"endpoint": "GET /fail/now", "errors": 1}]
    assert out["stats"]["requests"] == 30
    page1, page2 = out["pages"]
    ids = [r["id"] for r in page1["rows"] + page2["rows"]]
    assert len(ids) == 30 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert page2["next_cursor"] == ""
    big = out["big"]
    assert big["total_chars"] == len(BIG) and len(big["text"]) == 4000
    assert big["next_offset"] == 4000
    summary = out["summary"]
    assert summary["consumer"].startswith("key ")  # readable, not a sha512 fingerprint
    assert summary["redacted_values"] >= 2  # the key header and the token in X-Debug
    bad = {"filter:": "bad_filter", "id:": "bad_id", "part:": "bad_part", "cursor:": "bad_cursor"}
    for argument, key in bad.items():
        result = out[key]
        # The SDK puts "Error executing tool NAME: " in front of our message.
        assert result.isError and f": {argument} " in _text(result), _text(result)
    assert "at position 7" in _text(out["bad_filter"])
    assert len(out["later"]["rows"]) == 5
    compared = out["compare"]
    assert compared["base"]["requests"] == 30 and compared["head"]["requests"] == 5
    assert compared["new_endpoints"] == ["GET /later"]
    assert out["bad_window"].isError and ": head_filter: " in _text(out["bad_window"])
    assert SECRET not in out["everything"] and SECRET not in json.dumps(summary)
    assert "key-acme-000001" not in out["everything"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _http_tools(url: str, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return sorted(tool.name for tool in (await session.list_tools()).tools)


def test_streamable_http_needs_the_token(capture: ProxyProcess, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "INSPECTOR_MCP_TOKEN": "t0ken-for-tests"}
    server = subprocess.Popen(
        inspector_argv("mcp", "--db", capture.db_path, "--http", f"127.0.0.1:{port}"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                refused = httpx.post(url, json={}, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr
                time.sleep(0.1)  # polling for the port with a deadline
        assert refused.status_code == 401
        wrong = httpx.post(url, json={}, headers={"Authorization": "Bearer nope"}, timeout=2)
        assert wrong.status_code == 401
        assert "whats_wrong" in asyncio.run(_http_tools(url, "t0ken-for-tests"))
    finally:
        server.terminate()
        server.wait(10)


def test_a_missing_database_is_one_clear_error(tmp_path: Path) -> None:
    done = run_inspector("mcp", "--db", tmp_path / "none.db", stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "none.db").exists()
