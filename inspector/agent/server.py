"""The MCP tools, on the official SDK's FastMCP: each takes the filter language and turns a bad
argument into a tool error that names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError

from inspector.agent.answers import Capture
from inspector.errors import InspectorError

INSTRUCTIONS = """API Inspector: traffic captured from a developer's local API, secrets already
redacted before storage ([REDACTED] marks them). Start with whats_wrong or stats; list rows with
requests (newest first, paged by cursor); read one exchange with exchange (bodies paged by
offset). Every `filter` uses the filter language: method:POST status:5xx status:error
path:/users endpoint:/users/{id} consumer:acme duration:>500 since:15m "free text", -term
negates, OR between terms."""


def _tool_errors(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return call()
    except InspectorError as exc:
        raise ToolError(str(exc)) from None


def build_server(db_path: Path, *, host: str = "127.0.0.1", port: int = 8000) -> FastMCP:
    capture = Capture(db_path)
    server = FastMCP("api-inspector", instructions=INSTRUCTIONS, host=host, port=port,
                     log_level="WARNING")  # fmt: skip

    @server.tool()
    def whats_wrong(minutes: int = 15) -> dict[str, Any]:
        """What is failing or slow right now: errors and slowest endpoints of the last minutes,
        by endpoint and by consumer, with the latest failed requests."""
        return _tool_errors(lambda: capture.whats_wrong(minutes))

    @server.tool()
    def stats(filter: str = "") -> dict[str, Any]:
        """Totals, status codes, latency percentiles, top consumers and endpoints."""
        return _tool_errors(lambda: capture.stats(filter))

    @server.tool()
    def endpoints(filter: str = "", limit: int = 30) -> dict[str, Any]:
        """Per method and path template: requests, errors, p50/p95/p99 (busiest first)."""
        return _tool_errors(lambda: capture.endpoints(filter, limit))

    @server.tool()
    def consumers(filter: str = "", limit: int = 30) -> dict[str, Any]:
        """Who calls the API: per consumer requests, errors, p50/p95, last seen."""
        return _tool_errors(lambda: capture.consumers(filter, limit))

    @server.tool()
    def compare(base_filter: str, head_filter: str, filter: str = "") -> dict[str, Any]:
        """Two windows of the capture side by side (e.g. base_filter='since:2h until:1h',
        head_filter='since:1h'): per endpoint and consumer, requests, error rate and
        p50/p95/p99 with significance; new or vanished endpoints and status codes; JSON
        response fields added, removed or retyped."""
        return _tool_errors(lambda: capture.compare(base_filter, head_filter, filter))

    @server.tool()
    def requests(filter: str = "", limit: int = 20, cursor: str = "") -> dict[str, Any]:
        """Captured requests, newest first: id, method, URL, status, duration, consumer.
        Pass the returned next_cursor to get older ones."""
        return _tool_errors(lambda: capture.requests(filter, limit, cursor))

    @server.tool()
    def exchange(id: int, part: str = "summary", offset: int = 0,
                 length: int = 4000) -> dict[str, Any]:  # fmt: skip
        """One exchange. part=summary gives headers and body sizes; part=request_body or
        response_body gives `length` characters of that body from `offset`."""
        return _tool_errors(lambda: capture.exchange(id, part, offset, length))

    return server
