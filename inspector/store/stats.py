"""Exact statistics from the matching rows: counts, latency percentiles, consumers, endpoints.

The query layer (store.query) answers from here when a selection is small or cannot be served by
the rollups. Percentiles are store.percentiles' exact method. Failed exchanges (no response) have
no duration: they count as requests and errors but not in percentiles.

Everything comes from one streamed scan of the matching rows into numpy arrays, with groups
coded as integers. On a million rows this took about a third of the time of the same numbers
from SQLite GROUP BY and window functions, whose sorter limits every grouped query
(benchmarks/query_speed.py).
"""

from __future__ import annotations

import math
import sqlite3
from array import array
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np

from inspector.store import percentiles
from inspector.store.answers import (
    ConsumerList,
    ConsumerStats,
    EndpointStats,
    Latency,
    Summary,
    Totals,
    by_count,
    consumer_order,
    endpoint_order,
    host_key,
)
from inspector.store.filters import SqlFilter
from inspector.store.percentiles import PERCENTILES, FloatArray, IntArray
from inspector.store.selection import IS_ERROR_SQL, from_clause

_BASE_COLUMNS = f"e.duration_ms, {IS_ERROR_SQL}, e.request_bytes, e.response_bytes, e.started_at"
_CONSUMER_COLUMNS = "e.consumer_id"
_ENDPOINT_COLUMNS = "e.method, e.endpoint"
_COMBINATION_COLUMNS = "e.method, e.scheme, e.host, e.port, e.user_agent, e.status"
_BATCH = 65536


class _Codes:
    """Integer codes for group keys, in order of first appearance."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], int] = {}
        self.row_codes = array("q")

    def add(self, keys: list[tuple[str, str]]) -> None:
        known = self.keys
        self.row_codes.extend([known.setdefault(key, len(known)) for key in keys])

    def array(self) -> IntArray:
        return np.frombuffer(self.row_codes, dtype=np.int64)


@dataclass
class _Scan:
    """The matching rows, column by column; group columns only when asked for."""

    durations: array[float] = field(default_factory=lambda: array("d"))  # NaN: no duration
    errors: array[int] = field(default_factory=lambda: array("b"))
    request_bytes: array[int] = field(default_factory=lambda: array("q"))
    response_bytes: array[int] = field(default_factory=lambda: array("q"))
    started_at: array[float] = field(default_factory=lambda: array("d"))
    consumer_ids: array[int] = field(default_factory=lambda: array("q"))  # -1: no consumer
    endpoints: _Codes = field(default_factory=_Codes)
    combinations: Counter[tuple[object, ...]] = field(default_factory=Counter)
    _by_duration: IntArray | None = None

    def timed_by_duration(self) -> IntArray:
        """Indexes of the rows that have a duration, fastest first; computed once per scan."""
        if self._by_duration is None:
            durations = np.frombuffer(self.durations, dtype=np.float64)
            timed = np.flatnonzero(~np.isnan(durations))
            self._by_duration = timed[np.argsort(durations[timed])]
        return self._by_duration


def _scan(
    conn: sqlite3.Connection,
    flt: SqlFilter,
    *,
    consumers: bool = False,
    endpoints: bool = False,
    combinations: bool = False,
) -> _Scan:
    """Stream the matching rows into arrays; fetching fewer columns is most of the speed."""
    scan = _Scan()
    columns = [_BASE_COLUMNS]
    position = 5
    if consumers:
        columns.append(_CONSUMER_COLUMNS)
        position += 1
    endpoint_of = itemgetter(position, position + 1)
    if endpoints:
        columns.append(_ENDPOINT_COLUMNS)
        position += 2
    combination = itemgetter(*range(position, position + 6))
    if combinations:
        columns.append(_COMBINATION_COLUMNS)
    cursor = conn.execute(
        f"SELECT {', '.join(columns)} {from_clause(flt.where)} WHERE ({flt.where})", flt.params
    )
    nan = math.nan
    try:
        while rows := cursor.fetchmany(_BATCH):
            scan.durations.extend([nan if row[0] is None else row[0] for row in rows])
            scan.errors.extend([row[1] for row in rows])
            scan.request_bytes.extend([row[2] for row in rows])
            scan.response_bytes.extend([row[3] for row in rows])
            scan.started_at.extend([row[4] for row in rows])
            if consumers:
                scan.consumer_ids.extend([-1 if row[5] is None else row[5] for row in rows])
            if endpoints:
                scan.endpoints.add(list(map(endpoint_of, rows)))
            if combinations:
                scan.combinations.update(map(combination, rows))
    finally:
        cursor.close()
    return scan


@dataclass
class _Groups:
    """Per-group aggregates, indexed by group code."""

    requests: IntArray
    errors: IntArray
    avg_request_bytes: FloatArray
    avg_response_bytes: FloatArray
    last_seen: FloatArray
    max_ms: FloatArray  # NaN: no duration in the group
    percentiles: dict[int, FloatArray]  # NaN: no duration in the group


def _by_code(codes: IntArray, groups: int) -> IntArray:
    """Row order by group code, stable; numpy radix-sorts codes that fit 16 bits."""
    if groups == 1:
        return np.arange(len(codes))
    small = codes.astype(np.uint16) if groups <= 1 << 16 else codes
    return np.argsort(small, kind="stable")


def _percentiles(scan: _Scan, codes: IntArray, groups: int) -> dict[int, FloatArray]:
    """Per-group percentiles of the durations (NaN where a group has none)."""
    by_duration = scan.timed_by_duration()
    timed_codes = codes[by_duration]
    # Sorted by duration, then stably by group: each group's run stays sorted by duration.
    ordered = np.frombuffer(scan.durations)[by_duration][_by_code(timed_codes, groups)]
    counts = np.bincount(timed_codes, minlength=groups)
    return percentiles.grouped(ordered, counts, PERCENTILES)


def _group(scan: _Scan, codes: IntArray, groups: int) -> _Groups:
    durations = np.frombuffer(scan.durations, dtype=np.float64)
    started = np.frombuffer(scan.started_at, dtype=np.float64)
    requests = np.bincount(codes, minlength=groups)
    per_request = np.maximum(requests, 1)
    errors = np.bincount(codes, weights=np.frombuffer(scan.errors, dtype=np.int8), minlength=groups)
    request_bytes = np.frombuffer(scan.request_bytes, dtype=np.int64)
    response_bytes = np.frombuffer(scan.response_bytes, dtype=np.int64)
    # Maxima per group: order rows by group, then reduce each run (ufunc.at is far slower).
    order = _by_code(codes, groups)
    present = requests > 0
    starts = (np.cumsum(requests) - requests)[present]
    last_seen = np.full(groups, -np.inf)
    max_ms = np.full(groups, np.nan)
    if len(codes):
        last_seen[present] = np.maximum.reduceat(started[order], starts)
        max_ms[present] = np.fmax.reduceat(durations[order], starts)
    return _Groups(
        requests=requests,
        errors=errors.astype(np.int64),
        avg_request_bytes=np.bincount(codes, weights=request_bytes, minlength=groups) / per_request,
        avg_response_bytes=np.bincount(codes, weights=response_bytes, minlength=groups)
        / per_request,
        last_seen=last_seen,
        max_ms=max_ms,
        percentiles=_percentiles(scan, codes, groups),
    )


def _number(value: np.floating | float) -> float | None:
    return None if math.isnan(value) else float(value)


def _endpoint_rows(scan: _Scan) -> tuple[EndpointStats, ...]:
    keys = list(scan.endpoints.keys)
    if not keys:
        return ()
    groups = _group(scan, scan.endpoints.array(), len(keys))
    result = []
    for code, key in enumerate(keys):
        method, endpoint = key
        result.append(
            EndpointStats(
                method=method,
                endpoint=endpoint,
                requests=int(groups.requests[code]),
                errors=int(groups.errors[code]),
                p50_ms=_number(groups.percentiles[50][code]),
                p95_ms=_number(groups.percentiles[95][code]),
                p99_ms=_number(groups.percentiles[99][code]),
                max_ms=_number(groups.max_ms[code]),
                avg_request_bytes=round(float(groups.avg_request_bytes[code]), 1),
                avg_response_bytes=round(float(groups.avg_response_bytes[code]), 1),
            )
        )
    result.sort(key=endpoint_order)
    return tuple(result)


def consumer_records(
    conn: sqlite3.Connection, figures: dict[int, tuple[int, int, float | None, float | None, float]]
) -> tuple[ConsumerStats, ...]:
    """ConsumerStats for {row id: (requests, errors, p50, p95, last seen)}, busiest first."""
    if not figures:
        return ()
    result = []
    ids = list(figures)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ", ".join("?" for _ in chunk)
        people = conn.execute(
            "SELECT id, identifier, label, email, consumer_group FROM consumers "
            f"WHERE id IN ({marks})",
            chunk,
        ).fetchall()
        for row_id, identifier, label, email, group_name in people:
            requests, errors, p50, p95, last_seen = figures[row_id]
            record = ConsumerStats(
                row_id, identifier, label, email, group_name, requests, errors, p50, p95, last_seen
            )
            result.append(record)
    result.sort(key=consumer_order)
    return tuple(result)


def _consumer_groups(scan: _Scan) -> tuple[IntArray, _Groups | None]:
    row_ids, codes = np.unique(
        np.frombuffer(scan.consumer_ids, dtype=np.int64), return_inverse=True
    )
    if not row_ids.size:
        return row_ids, None
    return row_ids, _group(scan, codes.astype(np.int64), len(row_ids))


def _consumer_figures(
    row_ids: IntArray, groups: _Groups | None
) -> dict[int, tuple[int, int, float | None, float | None, float]]:
    if groups is None:
        return {}
    return {
        int(row_id): (
            int(groups.requests[code]),
            int(groups.errors[code]),
            _number(groups.percentiles[50][code]),
            _number(groups.percentiles[95][code]),
            float(groups.last_seen[code]),
        )
        for code, row_id in enumerate(row_ids)
        if row_id >= 0
    }


def _totals(groups: _Groups | None, code: int) -> Totals:
    if groups is None:
        return Totals()
    return Totals(
        requests=int(groups.requests[code]),
        errors=int(groups.errors[code]),
        p50_ms=_number(groups.percentiles[50][code]),
        p95_ms=_number(groups.percentiles[95][code]),
        last_seen=float(groups.last_seen[code]),
    )


def endpoint_stats(conn: sqlite3.Connection, flt: SqlFilter) -> tuple[EndpointStats, ...]:
    """Per (method, endpoint template): requests, errors, p50/p95/p99/max and average sizes.

    Busiest first.
    """
    return _endpoint_rows(_scan(conn, flt, endpoints=True))


def consumer_list(conn: sqlite3.Connection, flt: SqlFilter) -> ConsumerList:
    """Everyone's and anonymous traffic's totals, and each consumer's figures, busiest first."""
    scan = _scan(conn, flt, consumers=True)
    row_ids, groups = _consumer_groups(scan)
    requests = len(scan.durations)
    everyone = (
        _totals(_group(scan, np.zeros(requests, dtype=np.int64), 1), 0) if requests else Totals()
    )
    anonymous = Totals()
    if row_ids.size and row_ids[0] < 0:
        anonymous = _totals(groups, 0)
    return ConsumerList(
        everyone, anonymous, consumer_records(conn, _consumer_figures(row_ids, groups))
    )


def summary(conn: sqlite3.Connection, flt: SqlFilter) -> Summary:
    """The `inspector stats` answer for the exchanges the filter selects, from every row."""
    scan = _scan(conn, flt, consumers=True, endpoints=True, combinations=True)
    methods: Counter[str] = Counter()
    schemes: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    user_agents: Counter[str] = Counter()
    status_codes: Counter[str] = Counter()
    for (method, scheme, host, port, agent, status), count in scan.combinations.items():
        methods[str(method)] += count
        schemes[str(scheme)] += count
        hosts[host_key(str(scheme), str(host), int(str(port)))] += count
        user_agents[str(agent)] += count
        status_codes["failed" if status is None else str(status)] += count
    requests = len(scan.durations)
    latency = Latency()
    if requests:
        overall = _group(scan, np.zeros(requests, dtype=np.int64), 1)
        latency = Latency(
            p50=_number(overall.percentiles[50][0]),
            p95=_number(overall.percentiles[95][0]),
            p99=_number(overall.percentiles[99][0]),
            max=_number(overall.max_ms[0]),
        )
    consumer_ids = np.frombuffer(scan.consumer_ids, dtype=np.int64)
    row_ids, groups = _consumer_groups(scan)
    return Summary(
        requests=requests,
        errors=int(np.frombuffer(scan.errors, dtype=np.int8).sum(dtype=np.int64)),
        failed=status_codes.get("failed", 0),
        unidentified_requests=int(np.count_nonzero(consumer_ids < 0)),
        methods=by_count(methods),
        schemes=by_count(schemes),
        hosts=by_count(hosts),
        user_agents=by_count(user_agents),
        status_codes=by_count(status_codes),
        latency_ms=latency,
        consumers=consumer_records(conn, _consumer_figures(row_ids, groups)),
        endpoints=_endpoint_rows(scan),
    )
