"""Read queries behind `inspector requests` and the GUI tables: filtered request rows, counts.

Statistics (counts, percentiles, consumers, endpoints) live in inspector.store.stats and are
re-exported here, so callers import every read query from one place.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from inspector.model import Exchange
from inspector.store.filters import SqlFilter
from inspector.store.query_base import from_clause, iso_utc, time_walk
from inspector.store.stats import compute_stats, consumer_stats, endpoint_stats

__all__ = [
    "ORDER_COLUMNS",
    "compute_stats",
    "consumer_stats",
    "count_requests",
    "endpoint_stats",
    "from_clause",
    "iso_utc",
    "iter_requests",
    "list_requests",
]

# Columns list_requests may sort by; a name outside this list is a programming error.
ORDER_COLUMNS = frozenset(
    {"started_at", "id", "duration_ms", "status", "response_bytes", "request_bytes", "method",
     "host", "path", "endpoint"}
)  # fmt: skip


def _url(scheme: str, host: str, port: int, path: str, query: str) -> str:
    # The model owns URL rules (default ports, IPv6 brackets); uid="" skips generating one.
    exchange = Exchange(0.0, "", scheme, host, port, path, query, uid="")
    return exchange.url


_REQUEST_COLUMNS = """
    e.id, e.started_at, e.method, e.scheme, e.host, e.port, e.path, e.query, e.status,
    e.reason, e.duration_ms, e.request_bytes, e.response_bytes, e.endpoint, e.user_agent,
    e.error, e.http_version, e.response_content_type, e.consumer_id, e.source,
    c.identifier, c.label, c.email, c.consumer_group
"""


def _request_row(row: tuple[object, ...]) -> dict[str, object]:
    (
        row_id, started_at, method, scheme, host, port, path, query, status, reason, duration_ms,
        request_bytes, response_bytes, endpoint, user_agent, error, http_version, content_type,
        consumer_row_id, source, identifier, label, email, group,
    ) = row  # fmt: skip
    assert isinstance(started_at, float | int)
    consumer = (
        {
            "id": identifier,
            "label": label,
            "email": email,
            "group": group,
            "row_id": consumer_row_id,
        }
        if consumer_row_id is not None
        else None
    )
    return {
        "id": row_id,
        "started_at": iso_utc(float(started_at)),
        "started_at_epoch_s": float(started_at),
        "method": method,
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": path,
        "query": query,
        "url": _url(str(scheme), str(host), int(port), str(path), str(query)),  # type: ignore[call-overload]
        "status": status,
        "reason": reason,
        "duration_ms": duration_ms,
        "request_bytes": request_bytes,
        "response_bytes": response_bytes,
        "response_content_type": content_type,
        "http_version": http_version,
        "consumer": consumer,
        "endpoint": endpoint,
        "user_agent": user_agent,
        "error": error,
        "source": source,
    }


def iter_requests(
    conn: sqlite3.Connection,
    flt: SqlFilter,
    *,
    limit: int | None = 100,
    newest_first: bool = True,
    order_by: str = "started_at",
    batch_size: int = 1000,
) -> Iterator[dict[str, object]]:
    """Stream request rows (the `requests --json` objects) in bounded memory.

    Ties in `order_by` are broken by row id in the same direction, so paging is stable.
    `limit=None` streams every matching row.
    """
    if order_by not in ORDER_COLUMNS:
        raise ValueError(f"cannot order requests by {order_by!r}")
    direction = "DESC" if newest_first else "ASC"
    order = (
        f"e.id {direction}" if order_by == "id" else f"e.{order_by} {direction}, e.id {direction}"
    )
    walk = time_walk(flt) if order_by == "started_at" and limit is not None else ""
    sql = (
        f"SELECT {_REQUEST_COLUMNS} FROM exchanges e {walk} "
        "LEFT JOIN consumers c ON c.id = e.consumer_id "
        f"WHERE ({flt.where}) ORDER BY {order}"
    )
    params: tuple[object, ...] = flt.params
    if limit is not None:
        sql += " LIMIT ?"
        params = (*params, max(0, limit))
    cursor = conn.execute(sql, params)
    try:
        while rows := cursor.fetchmany(batch_size):
            for row in rows:
                yield _request_row(row)
    finally:
        # A consumer that stops early may close the connection before this generator is
        # collected; the cursor then has nothing left to release.
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()


def list_requests(
    conn: sqlite3.Connection,
    flt: SqlFilter,
    *,
    limit: int | None = 100,
    newest_first: bool = True,
    order_by: str = "started_at",
) -> list[dict[str, object]]:
    """Matching request rows, newest first by default; see iter_requests."""
    return list(iter_requests(conn, flt, limit=limit, newest_first=newest_first, order_by=order_by))


def count_requests(conn: sqlite3.Connection, flt: SqlFilter) -> int:
    """How many exchanges match the filter."""
    row = conn.execute(f"SELECT count(*) {from_clause(flt)} WHERE ({flt.where})", flt.params)
    return int(row.fetchone()[0])
