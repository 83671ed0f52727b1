"""Statistics over filtered exchanges: counts, latency percentiles, consumers and endpoints.

Percentiles interpolate linearly between the closest ranks (numpy's default `method="linear"`,
the same as the GUI's charts in inspector.store.series): for n sorted durations v[0..n-1], the
p-th percentile sits at fractional index h = (n - 1) * p / 100, between v[floor(h)] and the next.
Failed exchanges (no response) have no duration: they count as requests and errors but not in
percentiles.

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
from typing import cast

import numpy as np
import numpy.typing as npt

from inspector.store.filters import SqlFilter
from inspector.store.query_base import from_clause, iso_utc

PERCENTILES = (50, 95, 99)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# An error for users is what DESIGN section 4 says: HTTP status >= 400 or no response at all.
_IS_ERROR = "(e.status IS NULL OR e.status >= 400)"
_BASE_COLUMNS = f"e.duration_ms, {_IS_ERROR}, e.request_bytes, e.response_bytes, e.started_at"
_CONSUMER_COLUMNS = "e.consumer_id"
_ENDPOINT_COLUMNS = "e.method, e.endpoint"
_COMBINATION_COLUMNS = "e.method, e.scheme, e.host, e.port, e.user_agent, e.status"
_BATCH = 65536


class _Codes:
    """Integer codes for group keys, in order of first appearance."""

    def __init__(self) -> None:
        self.keys: dict[object, int] = {}
        self.row_codes = array("q")

    def add(self, keys: list[object]) -> None:
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
    codes: list[tuple[itemgetter[object], _Codes]] = []
    position = 5
    if consumers:
        columns.append(_CONSUMER_COLUMNS)
        position += 1
    if endpoints:
        columns.append(_ENDPOINT_COLUMNS)
        codes.append((itemgetter(position, position + 1), scan.endpoints))
        position += 2
    combination = itemgetter(*range(position, position + 6))
    if combinations:
        columns.append(_COMBINATION_COLUMNS)
    cursor = conn.execute(
        f"SELECT {', '.join(columns)} {from_clause(flt)} WHERE ({flt.where})", flt.params
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
            for getter, target in codes:
                target.add(list(map(getter, rows)))
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
    starts = np.cumsum(counts) - counts
    result: dict[int, FloatArray] = {}
    has_data = counts > 0
    for p in PERCENTILES:
        if not len(ordered):
            result[p] = np.full(groups, np.nan)
            continue
        # numpy's "linear" method with an exact integer index: h = (n - 1) * p / 100.
        scaled = np.maximum(counts - 1, 0) * p
        lower = np.where(has_data, starts + scaled // 100, 0)
        upper = np.where(has_data, np.minimum(lower + 1, starts + counts - 1), 0)
        weight = (scaled % 100) / 100
        low, high = ordered[lower], ordered[upper]
        value = np.where(weight > 0, low + (high - low) * weight, low)
        result[p] = np.where(has_data, value, np.nan)
    return result


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


def _endpoint_rows(scan: _Scan) -> list[dict[str, object]]:
    keys = list(scan.endpoints.keys)
    if not keys:
        return []
    groups = _group(scan, scan.endpoints.array(), len(keys))
    result = []
    for code, key in enumerate(keys):
        method, endpoint = cast(tuple[str, str], key)
        result.append(
            {
                "method": method,
                "endpoint": endpoint,
                "requests": int(groups.requests[code]),
                "errors": int(groups.errors[code]),
                "p50_ms": _number(groups.percentiles[50][code]),
                "p95_ms": _number(groups.percentiles[95][code]),
                "p99_ms": _number(groups.percentiles[99][code]),
                "max_ms": _number(groups.max_ms[code]),
                "avg_request_bytes": round(float(groups.avg_request_bytes[code]), 1),
                "avg_response_bytes": round(float(groups.avg_response_bytes[code]), 1),
            }
        )
    result.sort(key=lambda row: (-row["requests"], row["endpoint"], row["method"]))  # type: ignore[operator]
    return result


def _consumer_rows(conn: sqlite3.Connection, scan: _Scan) -> list[dict[str, object]]:
    row_ids, codes = np.unique(
        np.frombuffer(scan.consumer_ids, dtype=np.int64), return_inverse=True
    )
    code_of = {int(row_id): code for code, row_id in enumerate(row_ids) if row_id >= 0}
    if not code_of:
        return []
    groups = _group(scan, codes.astype(np.int64), len(row_ids))
    marks = ", ".join("?" for _ in code_of)
    people = conn.execute(
        f"SELECT id, identifier, label, email, consumer_group FROM consumers WHERE id IN ({marks})",
        tuple(code_of),
    ).fetchall()
    result = []
    for row_id, identifier, label, email, group_name in people:
        code = code_of[row_id]
        result.append(
            {
                "id": identifier,
                "row_id": row_id,
                "label": label,
                "email": email,
                "group": group_name,
                "requests": int(groups.requests[code]),
                "errors": int(groups.errors[code]),
                "p50_ms": _number(groups.percentiles[50][code]),
                "p95_ms": _number(groups.percentiles[95][code]),
                "last_seen": iso_utc(float(groups.last_seen[code])),
            }
        )
    result.sort(key=lambda row: (-row["requests"], str(row["label"] or row["id"])))
    return result


def endpoint_stats(conn: sqlite3.Connection, flt: SqlFilter) -> list[dict[str, object]]:
    """Per (method, endpoint template): requests, errors, p50/p95/p99/max and average sizes.

    Busiest first.
    """
    return _endpoint_rows(_scan(conn, flt, endpoints=True))


def consumer_stats(conn: sqlite3.Connection, flt: SqlFilter) -> list[dict[str, object]]:
    """Per consumer with matching exchanges: requests, errors, p50/p95 and when last seen.

    `id` is the consumer's identifier (a fingerprint for credentials); `row_id` is its row in
    `consumers`, what consumer_filter() takes. Busiest first. Exchanges without a consumer are
    left out (compute_stats counts them as `unidentified_requests`).
    """
    # Unary + keeps SQLite from walking the consumer index: a sequential scan is faster when
    # most rows have a consumer; the caller's own terms still use their indexes.
    scoped = flt.and_(SqlFilter("+e.consumer_id IS NOT NULL"))
    return _consumer_rows(conn, _scan(conn, scoped, consumers=True))


def _host_key(scheme: str, host: str, port: int) -> str:
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    name = f"[{host}]" if ":" in host else host
    return name if port == default else f"{name}:{port}"


def _by_count(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def compute_stats(conn: sqlite3.Connection, flt: SqlFilter) -> dict[str, object]:
    """The `inspector stats --json` object for the exchanges the filter selects.

    Count maps (`methods`, `schemes`, `hosts`, `user_agents`, `status_codes`) are ordered by count,
    largest first. `status_codes` keys are strings; failed exchanges count under "failed". Hosts
    read `host` on the scheme's default port and `host:port` otherwise. `errors` counts status
    >= 400 and failed exchanges; `unidentified_requests` those without a consumer.
    """
    scan = _scan(conn, flt, consumers=True, endpoints=True, combinations=True)
    methods: Counter[str] = Counter()
    schemes: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    user_agents: Counter[str] = Counter()
    status_codes: Counter[str] = Counter()
    for (method, scheme, host, port, agent, status), count in scan.combinations.items():
        methods[str(method)] += count
        schemes[str(scheme)] += count
        hosts[_host_key(str(scheme), str(host), int(port))] += count  # type: ignore[call-overload]
        user_agents[str(agent)] += count
        status_codes["failed" if status is None else str(status)] += count
    requests = len(scan.durations)
    overall = _group(scan, np.zeros(requests, dtype=np.int64), 1) if requests else None
    latency: dict[str, float | None] = dict.fromkeys(("p50", "p95", "p99", "max"))
    if overall is not None:
        latency = {f"p{p}": _number(overall.percentiles[p][0]) for p in PERCENTILES}
        latency["max"] = _number(overall.max_ms[0])
    consumer_ids = np.frombuffer(scan.consumer_ids, dtype=np.int64)
    return {
        "requests": requests,
        "errors": int(np.frombuffer(scan.errors, dtype=np.int8).sum(dtype=np.int64)),
        "failed": status_codes.get("failed", 0),
        "unidentified_requests": int(np.count_nonzero(consumer_ids < 0)),
        "methods": _by_count(methods),
        "schemes": _by_count(schemes),
        "hosts": _by_count(hosts),
        "user_agents": _by_count(user_agents),
        "status_codes": _by_count(status_codes),
        "latency_ms": latency,
        "consumers": _consumer_rows(conn, scan),
        "endpoints": _endpoint_rows(scan),
    }
