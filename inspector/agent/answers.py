"""What the agent interface answers, sized for a model's context, from the query layer.

Every call opens the capture read-only and closes it, so a running capture's newest rows are
seen and nothing is ever written. Redaction happened before disk: what is stored is safe to
show. Errors name the argument at fault (AgentInputError).
"""

from __future__ import annotations

import base64
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inspector.config.defaults import REDACTED
from inspector.consumer_names import display_name
from inspector.errors import InspectorError
from inspector.store import DatabaseError, open_db
from inspector.store.filters import FilterError, SqlFilter, compile_filter
from inspector.store.queries import RequestRecord, endpoint_stats, iter_requests, summary
from inspector.store.read import load_exchange
from inspector.store.selection import Selection

MAX_ROWS = 200
MAX_BODY_CHARS = 20_000


class AgentInputError(InspectorError):
    """A bad tool argument: the message starts with the argument's name."""


def _filter(text: str) -> SqlFilter:
    try:
        return compile_filter(text)
    except FilterError as exc:
        raise AgentInputError(f"filter: {exc} (in {text!r})") from None


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise AgentInputError(f"{name}: {value} is outside {low}..{high}")
    return value


class Capture:
    """A capture database the tools read; a missing or foreign file is refused at start."""

    def __init__(self, db_path: Path) -> None:
        if not db_path.exists():
            raise InspectorError(f"{db_path} does not exist: pass the --db of a capture.")
        open_db(db_path, readonly=True).close()  # refuses a foreign or damaged file now
        self.db_path = db_path

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = open_db(self.db_path, readonly=True)
        except DatabaseError as exc:
            raise InspectorError(str(exc)) from None
        try:
            yield conn
        finally:
            conn.close()

    def requests(self, filter: str, limit: int, cursor: str) -> dict[str, Any]:
        limit = _bounded("limit", limit, 1, MAX_ROWS)
        flt = _filter(filter)
        if cursor:
            try:
                before = int(base64.urlsafe_b64decode(cursor.encode()).decode())
            except ValueError:
                raise AgentInputError(
                    f"cursor: {cursor!r} is not a cursor from a previous page"
                ) from None
            flt = SqlFilter(f"({flt.where}) AND e.id < ?", (*flt.params, before))
        with self._read() as conn:
            rows = list(iter_requests(conn, Selection(flt), limit=limit + 1, order_by="id"))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode() if more else ""
        return {"rows": [_row(r) for r in rows], "next_cursor": next_cursor,
                "note": "newest first; pass next_cursor for older rows"}  # fmt: skip

    def exchange(self, id: int, part: str, offset: int, length: int) -> dict[str, Any]:
        if part not in ("summary", "request_body", "response_body"):
            raise AgentInputError(f"part: {part!r} is not summary, request_body or response_body")
        offset = _bounded("offset", offset, 0, 2**31)
        length = _bounded("length", length, 1, MAX_BODY_CHARS)
        with self._read() as conn:
            exchange = load_exchange(conn, id)
        if exchange is None:
            raise AgentInputError(f"id: no exchange {id} in {self.db_path}")
        if part == "summary":
            return {
                "id": id, "method": exchange.method, "url": exchange.url,
                "status": exchange.status, "duration_ms": exchange.duration_ms,
                "error": exchange.error,
                "consumer": display_name(exchange.consumer.id, exchange.consumer.label)
                if exchange.consumer else None,
                "request_headers": [list(h) for h in exchange.request_headers],
                "response_headers": [list(h) for h in exchange.response_headers],
                "request_body": _body_summary(exchange.request_body),
                "response_body": _body_summary(exchange.response_body),
                "redacted_values": sum(
                    value.count(REDACTED)
                    for headers in (exchange.request_headers, exchange.response_headers)
                    for _, value in headers
                ) + exchange.url.count(REDACTED),
            }  # fmt: skip
        body = exchange.request_body if part == "request_body" else exchange.response_body
        text = body.text
        if text is None:
            kind = body.content_type or "no type"
            raise AgentInputError(
                f"part: the {part.replace('_', ' ')} of {id} is binary ({kind}, {body.size} bytes)"
            )
        if offset > len(text):
            raise AgentInputError(f"offset: {offset} is past the end ({len(text)} characters)")
        chunk = text[offset : offset + length]
        end = offset + len(chunk)
        return {"id": id, "part": part, "offset": offset, "text": chunk,
                "total_chars": len(text), "next_offset": end if end < len(text) else None,
                "truncated_when_captured": body.truncated,
                "redacted_in_chunk": chunk.count(REDACTED)}  # fmt: skip

    def stats(self, filter: str) -> dict[str, Any]:
        with self._read() as conn:
            answer = summary(conn, Selection(_filter(filter))).to_json()
        for key in ("consumers", "endpoints"):
            items = answer.get(key)
            if isinstance(items, list) and len(items) > 20:
                answer[key] = items[:20]
                answer[f"{key}_not_shown"] = len(items) - 20
        return answer

    def endpoints(self, filter: str, limit: int) -> dict[str, Any]:
        limit = _bounded("limit", limit, 1, MAX_ROWS)
        with self._read() as conn:
            rows = endpoint_stats(conn, Selection(_filter(filter)))
        return {"endpoints": [e.to_json() for e in rows[:limit]], "total": len(rows)}

    def consumers(self, filter: str, limit: int) -> dict[str, Any]:
        limit = _bounded("limit", limit, 1, MAX_ROWS)
        with self._read() as conn:
            consumers = summary(conn, Selection(_filter(filter))).consumers
        return {"consumers": [{**c.to_json(), "name": c.name} for c in consumers[:limit]],
                "total": len(consumers)}  # fmt: skip

    def compare(self, base_filter: str, head_filter: str, filter: str) -> dict[str, Any]:
        """Two windows (or subsets) of this capture side by side: what changed, for whom."""
        from inspector.compare.report import compare
        from inspector.compare.sides import load_side

        if not base_filter or not head_filter:
            missing = "base_filter" if not base_filter else "head_filter"
            raise AgentInputError(f"{missing}: give a window such as 'since:2h until:1h'")
        common = _filter(filter)
        sides = []
        with self._read() as conn:
            for name, text in (("base_filter", base_filter), ("head_filter", head_filter)):
                try:
                    side = compile_filter(text)
                except FilterError as exc:
                    raise AgentInputError(f"{name}: {exc} (in {text!r})") from None
                both = SqlFilter(f"({common.where}) AND ({side.where})",
                                 common.params + side.params)  # fmt: skip
                sides.append(load_side(conn, Selection(both), text))
                if not sides[-1].requests:
                    raise AgentInputError(f"{name}: {text!r} selects no exchanges")
        report = compare(sides[0], sides[1]).to_json()
        for key in ("endpoints", "consumers"):
            items = report[key]
            if isinstance(items, list) and len(items) > 20:
                report[key] = items[:20]
                report[f"{key}_not_shown"] = len(items) - 20
        return report

    def whats_wrong(self, minutes: int) -> dict[str, Any]:
        """Errors and slow endpoints of the last minutes, by endpoint and consumer."""
        minutes = _bounded("minutes", minutes, 1, 7 * 24 * 60)
        since = time.time() - minutes * 60
        with self._read() as conn:
            recent = summary(conn, Selection(start=since))
            errors = summary(conn, Selection(compile_filter("status:error"), start=since))
            latest = list(iter_requests(conn, Selection(compile_filter("status:error"),
                                                        start=since), limit=5))  # fmt: skip
        slow = sorted((e for e in recent.endpoints if e.p95_ms is not None),
                      key=lambda e: -(e.p95_ms or 0))[:5]  # fmt: skip
        return {
            "window_minutes": minutes,
            "requests": recent.requests,
            "errors": recent.errors,
            "error_rate": round(recent.errors / recent.requests, 4) if recent.requests else 0,
            "errors_by_endpoint": [
                {"endpoint": f"{e.method} {e.endpoint}", "errors": e.errors}
                for e in errors.endpoints[:10]
            ],
            "errors_by_consumer": [
                {"consumer": c.name, "errors": c.errors} for c in errors.consumers[:10]
            ],
            "slowest_endpoints": [
                {"endpoint": f"{e.method} {e.endpoint}", "p95_ms": e.p95_ms, "requests": e.requests}
                for e in slow
            ],
            "latest_errors": [_row(r) for r in latest],
        }


def _row(record: RequestRecord) -> dict[str, Any]:
    consumer = record.consumer
    return {
        "id": record.id, "method": record.method, "url": record.url, "status": record.status,
        "duration_ms": record.duration_ms, "endpoint": record.endpoint,
        "consumer": display_name(consumer.id, consumer.label) if consumer else None,
        "error": record.error,
    }  # fmt: skip


def _body_summary(body: Any) -> dict[str, Any]:
    return {"content_type": body.content_type, "size": body.size, "stored": len(body.content),
            "binary": body.text is None, "truncated_when_captured": body.truncated}  # fmt: skip
