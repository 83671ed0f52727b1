"""The MCP tools as an agent sees them, through the SDK's client connected in memory: their
names and arguments, JSON answers, and bad arguments as tool errors that name the argument."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult

from inspector.agent.server import INSTRUCTIONS, build_server
from inspector.errors import InspectorError
from inspector.store import write_batch
from inspector.testing import make_exchange


def _text(result: CallToolResult) -> str:
    return "".join(getattr(item, "text", "") for item in result.content)


async def _session(db_path: Path, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    server = build_server(db_path)
    async with create_connected_server_and_client_session(server) as session:
        init = await session.initialize()
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        results = [await session.call_tool(name, arguments) for name, arguments in calls]
    return {"instructions": init.instructions, "tools": tools, "results": results}


def _run(db_path: Path, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return asyncio.run(_session(db_path, list(calls)))


@pytest.fixture
def capture(db: sqlite3.Connection, db_path: Path) -> Path:
    now = time.time()
    write_batch(db, [
        *(make_exchange(started_at=now - 60 + n, path=f"/users/{n}") for n in range(12)),
        make_exchange(started_at=now - 5, path="/orders", endpoint="/orders", status=502),
    ])  # fmt: skip
    return db_path


def test_the_seven_tools_with_their_arguments_and_the_instructions(capture: Path) -> None:
    out = _run(capture)
    assert out["instructions"] == INSTRUCTIONS
    arguments = {name: set(tool.inputSchema["properties"]) for name, tool in out["tools"].items()}
    assert arguments == {
        "whats_wrong": {"minutes"},
        "stats": {"filter"},
        "endpoints": {"filter", "limit"},
        "consumers": {"filter", "limit"},
        "compare": {"base_filter", "head_filter", "filter"},
        "requests": {"filter", "limit", "cursor"},
        "exchange": {"id", "part", "offset", "length"},
    }
    assert out["tools"]["compare"].inputSchema["required"] == ["base_filter", "head_filter"]
    assert out["tools"]["exchange"].inputSchema["required"] == ["id"]
    assert all(tool.description for tool in out["tools"].values())


def test_tools_answer_json_from_the_capture(capture: Path) -> None:
    out = _run(capture, ("whats_wrong", {}), ("requests", {"filter": "status:5xx"}),
               ("endpoints", {"limit": 1}), ("stats", {"filter": "path:/users"}))  # fmt: skip
    wrong, failed, endpoints, stats = (json.loads(_text(r)) for r in out["results"])
    assert not any(r.isError for r in out["results"])
    assert wrong["requests"] == 13 and wrong["errors_by_endpoint"] == [
        {"endpoint": "GET /orders", "errors": 1}
    ]
    assert [row["url"] for row in failed["rows"]] == ["http://localhost:8000/orders"]
    assert endpoints["total"] == 2 and endpoints["endpoints"][0]["requests"] == 12
    assert stats["requests"] == 12


def test_a_bad_argument_is_a_tool_error_naming_it_and_the_session_goes_on(capture: Path) -> None:
    out = _run(
        capture,
        ("stats", {"filter": "status:>>5"}),
        ("requests", {"limit": 0}),
        ("exchange", {"id": 424242}),
        ("compare", {"base_filter": "since:1h", "head_filter": "method:DELETE"}),
        ("stats", {}),
    )
    *errors, after = out["results"]
    messages = [_text(result) for result in errors]
    assert all(result.isError for result in errors)
    # The SDK puts "Error executing tool NAME: " before our message.
    assert ": filter: " in messages[0] and "'status:>>5'" in messages[0]
    assert messages[1].endswith("limit: 0 is outside 1..200")
    assert messages[2].endswith(f"id: no exchange 424242 in {capture}")
    assert messages[3].endswith("head_filter: 'method:DELETE' selects no exchanges")
    assert not after.isError and json.loads(_text(after))["requests"] == 13
    assert "Traceback" not in "".join(messages)


def test_a_missing_database_stops_the_server_before_it_starts(tmp_path: Path) -> None:
    with pytest.raises(InspectorError, match="does not exist"):
        build_server(tmp_path / "none.db")
