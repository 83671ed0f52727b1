"""The query layer: every question the CLI, the app and the exporters ask of a capture.

A question names its exchanges with a Selection (filter, consumer, time range) and gets a typed
answer: request rows, a count, a summary, the consumers list, endpoint statistics, chart series.
Each answer comes from the per-minute rollups when the selection allows it and is large enough
to need them (store.rollup_answers), and from the matching rows otherwise (store.stats,
store.series); both give the same counts, and percentiles per store.percentiles.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inspector.model import Consumer, Exchange
from inspector.records import request_json
from inspector.store import rollup_answers, rollup_charts, rollups, stats
from inspector.store.answers import ConsumerList, EndpointStats, Summary
from inspector.store.query_base import time_walk
from inspector.store.selection import Selection, from_clause
from inspector.store.series import ChartData, load_chart_data

__all__ = [
    "ORDER_COLUMNS",
    "RequestRecord",
    "chart_data",
    "consumer_list",
    "count_requests",
    "endpoint_stats",
    "iter_requests",
    "list_requests",
    "summary",
]

# Columns list_requests may sort by; a name outside this list is a programming error.
ORDER_COLUMNS = frozenset(
    {"started_at", "id", "duration_ms", "status", "response_bytes", "request_bytes", "method",
     "host", "path", "endpoint"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as `inspector requests` lists it (no headers or bodies)."""

    id: int
    started_at: float  # epoch seconds
    method: str
    scheme: str
    host: str
    port: int
    path: str
    query: str
    status: int | None  # None: the exchange failed
    reason: str
    duration_ms: float | None
    request_bytes: int
    response_bytes: int
    endpoint: str
    user_agent: str
    error: str | None
    http_version: str
    response_content_type: str
    consumer: Consumer | None  # with its row_id
    source: str = ""  # which launched program sent it (`inspector run`); empty: set up by hand

    @property
    def url(self) -> str:
        # The model owns URL rules (default ports, IPv6 brackets); uid="" skips generating one.
        exchange = Exchange(
            0.0, "", self.scheme, self.host, self.port, self.path, self.query, uid=""
        )
        return exchange.url

    def to_json(self) -> dict[str, object]:
        """The `inspector requests --json` object."""
        return request_json(self.id, self)


_REQUEST_COLUMNS = """
    e.id, e.started_at, e.method, e.scheme, e.host, e.port, e.path, e.query, e.status,
    e.reason, e.duration_ms, e.request_bytes, e.response_bytes, e.endpoint, e.user_agent,
    e.error, e.http_version, e.response_content_type, e.consumer_id, e.source,
    c.identifier, c.label, c.email, c.consumer_group
"""


def _request_record(row: Any) -> RequestRecord:
    # sqlite3 rows are untyped; the column order is _REQUEST_COLUMNS'.
    (
        row_id, started_at, method, scheme, host, port, path, query, status, reason, duration_ms,
        request_bytes, response_bytes, endpoint, user_agent, error, http_version, content_type,
        consumer_row_id, source, identifier, label, email, group,
    ) = row  # fmt: skip
    consumer = (
        Consumer(identifier, label, email, group, row_id=consumer_row_id)
        if consumer_row_id is not None
        else None
    )
    return RequestRecord(
        row_id, float(started_at), method, scheme, host, port, path, query, status, reason,
        duration_ms, request_bytes, response_bytes, endpoint, user_agent, error, http_version,
        content_type, consumer, source or "",
    )  # fmt: skip


def iter_requests(
    conn: sqlite3.Connection,
    selection: Selection,
    *,
    limit: int | None = 100,
    newest_first: bool = True,
    order_by: str = "started_at",
    batch_size: int = 1000,
) -> Iterator[RequestRecord]:
    """Stream request rows in bounded memory, newest first by default.

    Ties in `order_by` are broken by row id in the same direction, so paging is stable.
    `limit=None` streams every matching row.
    """
    if order_by not in ORDER_COLUMNS:
        raise ValueError(f"cannot order requests by {order_by!r}")
    flt = selection.where()
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
                yield _request_record(row)
    finally:
        # A consumer that stops early may close the connection before this generator is
        # collected; the cursor then has nothing left to release.
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()


def list_requests(
    conn: sqlite3.Connection,
    selection: Selection,
    *,
    limit: int | None = 100,
    newest_first: bool = True,
    order_by: str = "started_at",
) -> list[RequestRecord]:
    """Matching request rows, newest first by default; see iter_requests."""
    return list(
        iter_requests(conn, selection, limit=limit, newest_first=newest_first, order_by=order_by)
    )


def count_requests(conn: sqlite3.Connection, selection: Selection) -> int:
    """How many exchanges the selection holds (everything: read from the rollups' count)."""
    if selection == Selection():
        stored = rollups.stored_count(conn)
        if stored is not None:
            return stored
    flt = selection.where()
    row = conn.execute(f"SELECT count(*) {from_clause(flt.where)} WHERE ({flt.where})", flt.params)
    return int(row.fetchone()[0])


def summary(conn: sqlite3.Connection, selection: Selection) -> Summary:
    """Counts, latency percentiles, consumers and endpoints: `inspector stats`."""
    with _snapshot(conn):
        plan = rollup_answers.plan(conn, selection)
        if plan is not None:
            return rollup_answers.summary(conn, plan)
        return stats.summary(conn, selection.where())


def consumer_list(conn: sqlite3.Connection, selection: Selection) -> ConsumerList:
    """The consumers list of the app: everyone, anonymous traffic, each consumer."""
    with _snapshot(conn):
        plan = rollup_answers.plan(conn, selection)
        if plan is not None:
            return rollup_answers.consumer_list(conn, plan)
        return stats.consumer_list(conn, selection.where())


def endpoint_stats(conn: sqlite3.Connection, selection: Selection) -> tuple[EndpointStats, ...]:
    """Per method and endpoint template, busiest first."""
    with _snapshot(conn):
        plan = rollup_answers.plan(conn, selection)
        if plan is not None:
            return rollup_answers.endpoint_stats(plan)
        return stats.endpoint_stats(conn, selection.where())


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so the rollups checked current are the ones read, and the rows too."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def chart_data(
    conn: sqlite3.Connection,
    selection: Selection,
    *,
    target_buckets: int = 120,
    max_points: int = 20_000,
    histogram_bins: int = 40,
    top_consumers: int = 5,
) -> ChartData:
    """Every chart series for the selection; its time range sets the charts' span."""
    with _snapshot(conn):
        from_rollups = rollup_charts.chart_data(
            conn, selection, target_buckets=target_buckets, max_points=max_points,
            histogram_bins=histogram_bins, top_consumers=top_consumers,
        )  # fmt: skip
        if from_rollups is not None:
            return from_rollups
        return _chart_from_rows(conn, selection, target_buckets, max_points, histogram_bins,
                                top_consumers)  # fmt: skip


def _chart_from_rows(
    conn: sqlite3.Connection,
    selection: Selection,
    target_buckets: int,
    max_points: int,
    histogram_bins: int,
    top_consumers: int,
) -> ChartData:
    return load_chart_data(
        conn,
        Selection(selection.filter, selection.consumer).where(),
        start=selection.start,
        end=selection.end,
        target_buckets=target_buckets,
        max_points=max_points,
        histogram_bins=histogram_bins,
        top_consumers=top_consumers,
    )
