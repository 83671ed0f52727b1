"""Chart data: percentiles, buckets, stacks and consumer series equal independent computations."""

from __future__ import annotations

import math
import random
import sqlite3

import numpy as np
import pytest

from inspector.model import Consumer
from inspector.store import write_batch
from inspector.store.filters import SqlFilter
from inspector.store.series import (
    NO_CONSUMER,
    OTHER_CONSUMERS,
    choose_bucket_seconds,
    load_chart_data,
)
from inspector.testing import make_exchange

T0 = 1_795_000_020.0  # a whole minute (divisible by 60): buckets align with it


def reference_percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, written out by hand."""
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@pytest.fixture
def known_traffic(db: sqlite3.Connection) -> dict[int, list[float]]:
    """Three minutes of traffic with known durations per minute; statuses by rule."""
    rng = random.Random(7)
    per_minute: dict[int, list[float]] = {0: [], 1: [], 2: []}
    exchanges = []
    for minute, count in ((0, 40), (1, 1), (2, 25)):
        for i in range(count):
            duration = round(rng.lognormvariate(3, 0.8), 3)
            per_minute[minute].append(duration)
            status = 500 if i % 10 == 0 else (404 if i % 7 == 0 else 200)
            exchanges.append(
                make_exchange(
                    started_at=T0 + minute * 60 + i * 0.5,
                    duration_ms=duration,
                    status=status,
                    consumer=Consumer(id=f"key-{i % 3}", label=f"Client {i % 3}"),
                )
            )
    exchanges.append(
        make_exchange(started_at=T0 + 125, status=None, duration_ms=None, error="refused")
    )
    write_batch(db, exchanges)
    return per_minute


def test_percentile_lines_match_an_independent_computation(
    db: sqlite3.Connection, known_traffic: dict[int, list[float]]
) -> None:
    data = load_chart_data(db, start=T0, end=T0 + 180, target_buckets=3)
    assert data.bucket_seconds == 60
    assert list(data.bucket_starts) == [T0, T0 + 60, T0 + 120]
    for minute, durations in known_traffic.items():
        assert data.p50_by_bucket[minute] == pytest.approx(reference_percentile(durations, 50))
        assert data.p95_by_bucket[minute] == pytest.approx(reference_percentile(durations, 95))
    everything = [d for values in known_traffic.values() for d in values]
    assert data.p99_ms == pytest.approx(reference_percentile(everything, 99))
    assert data.total == 40 + 1 + 25 + 1
    assert int(data.histogram_counts.sum()) == len(everything)


def test_status_stacks_and_breakdown(
    db: sqlite3.Connection, known_traffic: dict[int, list[float]]
) -> None:
    data = load_chart_data(db, start=T0, end=T0 + 180, target_buckets=3)
    fives = [sum(1 for i in range(n) if i % 10 == 0) for n in (40, 1, 25)]
    fours = [sum(1 for i in range(n) if i % 10 != 0 and i % 7 == 0) for n in (40, 1, 25)]
    assert list(data.status_by_bucket["5xx"]) == fives
    assert list(data.status_by_bucket["4xx"]) == fours
    assert list(data.status_by_bucket["failed"]) == [0, 0, 1]
    assert data.status_codes["500"] == sum(fives)
    assert data.status_codes["failed"] == 1
    stacked = sum(int(counts.sum()) for counts in data.status_by_bucket.values())
    assert stacked == data.total


def test_consumers_over_time_keeps_top_and_groups_the_rest(
    db: sqlite3.Connection, known_traffic: dict[int, list[float]]
) -> None:
    data = load_chart_data(db, start=T0, end=T0 + 180, target_buckets=3, top_consumers=2)
    assert set(data.consumers_by_bucket) == {"Client 0", "Client 1", OTHER_CONSUMERS, NO_CONSUMER}
    assert list(data.consumers_by_bucket[NO_CONSUMER]) == [0, 0, 1]
    total = sum(int(series.sum()) for series in data.consumers_by_bucket.values())
    assert total == data.total


def test_filter_applies_to_every_series(
    db: sqlite3.Connection, known_traffic: dict[int, list[float]]
) -> None:
    data = load_chart_data(db, SqlFilter("e.status >= ?", (500,)), start=T0, end=T0 + 180)
    assert set(data.status_codes) == {"500"}
    assert data.total == int(data.status_by_bucket["5xx"].sum())


def test_sampling_bounds_points_but_keeps_every_buckets_slowest(db: sqlite3.Connection) -> None:
    exchanges = [
        make_exchange(started_at=T0 + i, duration_ms=float(i % 50 + 1)) for i in range(3000)
    ]
    spike = make_exchange(started_at=T0 + 1234.5, duration_ms=9999.0)
    write_batch(db, [*exchanges, spike])
    data = load_chart_data(db, max_points=500, target_buckets=60)
    assert data.point_ids.size <= 500 + 60
    assert 9999.0 in data.point_durations


def test_empty_database_and_single_exchange(db: sqlite3.Connection) -> None:
    empty = load_chart_data(db)
    assert empty.is_empty and empty.p50_ms is None and empty.histogram_counts.size == 0
    write_batch(db, [make_exchange(started_at=T0, duration_ms=42.0)])
    one = load_chart_data(db)
    assert one.total == 1 and one.p50_ms == one.p99_ms == 42.0
    assert int(one.histogram_counts.sum()) == 1
    assert np.nanmax(one.p95_by_bucket) == 42.0


@pytest.mark.parametrize(
    ("span", "target", "expected"),
    [(180, 3, 60), (3600, 120, 30), (86400, 120, 900), (7 * 86400, 120, 7200), (0, 120, 1)],
)
def test_bucket_sizes_are_readable(span: float, target: int, expected: int) -> None:
    assert choose_bucket_seconds(span, target) == expected


def test_histogram_goes_logarithmic_when_latencies_span_orders_of_magnitude(
    db: sqlite3.Connection,
) -> None:
    write_batch(db, [make_exchange(started_at=T0 + i, duration_ms=float(d))
                     for i, d in enumerate([2, 3, 5, 8, 900, 1500])])  # fmt: skip
    wide = load_chart_data(db)
    assert wide.histogram_log
    assert wide.histogram_edges[0] == 2.0 and wide.histogram_edges[-1] == pytest.approx(1500.0)
    ratios = wide.histogram_edges[1:] / wide.histogram_edges[:-1]
    assert np.allclose(ratios, ratios[0])  # geometric bins
    narrow = load_chart_data(db, SqlFilter("e.duration_ms < ?", (10,)))
    assert not narrow.histogram_log
