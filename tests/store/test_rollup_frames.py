"""Rollup frames in memory: exchanges aggregated per bucket and key with exact counts, sums,
maxima and the slowest exchange, failed ones counted without a duration, and frames merged into
coarser groups (an hour from its minutes) giving the same figures as aggregating at once."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.store import percentiles
from inspector.store.rollup_frames import Frame, as_frame, concat, from_exchanges, regroup

NAN = float("nan")


def _frame(level: int, rows: list[tuple[int, float, int, float, int, int, int]]) -> Frame:
    """rows: (id, started_at, key, duration or NaN, error, request bytes, response bytes)."""
    ids, started, keys, durations, errors, sent, received = (
        np.array(c) for c in zip(*rows, strict=True)
    )
    return from_exchanges(
        level, ids.astype(np.int64), started.astype(np.float64), keys.astype(np.int64),
        durations.astype(np.float64), errors.astype(np.int64), sent.astype(np.int64),
        received.astype(np.int64),
    )  # fmt: skip


ROWS = [
    (1, 3600.0, 0, 10.0, 0, 100, 1_000),
    (2, 3601.5, 0, 250.0, 1, 50, 0),
    (3, 3659.9, 1, NAN, 1, 10, 0),  # failed: no duration
    (4, 3660.0, 0, 30.0, 0, 0, 5 * 2**40),  # next minute; a 5 TiB response
    (5, 7199.0, 1, 0.0, 0, 0, 0),  # under a microsecond counts as 0
]


def test_exchanges_aggregate_per_bucket_and_key() -> None:
    frame = _frame(60, ROWS)
    rows = sorted(zip(frame.bucket.tolist(), frame.key.tolist(), range(len(frame)), strict=True))
    assert [(b, k) for b, k, _ in rows] == [(3600, 0), (3600, 1), (3660, 0), (7140, 1)]
    first = rows[0][2]
    assert (frame.requests[first], frame.errors[first], frame.timed[first]) == (2, 1, 2)
    assert frame.duration_sum[first] == 260.0 and frame.duration_max[first] == 250.0
    assert frame.slowest_id[first] == 2 and frame.last_seen[first] == 3601.5
    assert (frame.request_bytes[first], frame.response_bytes[first]) == (150, 1_000)
    failed = rows[1][2]
    assert (frame.requests[failed], frame.timed[failed], frame.duration_sum[failed]) == (1, 0, 0)
    assert np.isnan(frame.duration_max[failed]) and frame.slowest_id[failed] == -1
    assert frame.response_bytes[rows[2][2]] == 5 * 2**40  # no overflow at 2**31 or 2**32
    # The sketch: one pair per distinct (row, bin), the failed exchange has none.
    assert int(frame.pair_count.sum()) == 4
    assert failed not in frame.pair_row.tolist()


def test_an_hour_from_its_minutes_equals_the_hour_aggregated_at_once() -> None:
    minutes = _frame(60, ROWS)
    hour_of = (minutes.bucket // 3600 * 3600).astype(np.int64)
    combined = hour_of * 10 + minutes.key
    distinct, codes = np.unique(combined, return_inverse=True)
    merged = as_frame(regroup(minutes, codes.astype(np.int64), distinct.size),
                      distinct // 10, distinct % 10)  # fmt: skip
    direct = _frame(3600, ROWS)
    for name in ("bucket", "key", "requests", "errors", "timed", "slowest_id", "request_bytes",
                 "response_bytes", "pair_row", "pair_bin", "pair_count"):  # fmt: skip
        assert getattr(merged, name).tolist() == getattr(direct, name).tolist(), name
    for name in ("duration_sum", "duration_max", "last_seen"):
        assert np.allclose(getattr(merged, name), getattr(direct, name), equal_nan=True), name


def test_groups_answer_percentiles_and_maxima_and_cancel_out_on_deletes() -> None:
    added = _frame(60, ROWS)
    everything = regroup(added, np.zeros(len(added), dtype=np.int64), 1)
    assert everything.requests.tolist() == [5] and everything.maximum(0) == 250.0
    median = everything.percentile(0, 50)
    assert median is not None and abs(median - 20.0) <= percentiles.RELATIVE_ERROR * 20.0
    # A delete is the same frame with negative counts: merged with it, nothing is left.
    removed = Frame(**{name: -value if name in ("requests", "errors", "timed", "pair_count")
                       else value for name, value in vars(added).items()})  # fmt: skip
    both = concat([added, Frame(), removed])
    assert len(both) == 2 * len(added)
    gone = regroup(both, np.zeros(len(both), dtype=np.int64), 1)
    assert gone.requests.tolist() == [0] and gone.pair_count.size == 0
    assert gone.percentile(0, 50) is None


def test_nothing_aggregates_to_an_empty_frame_and_empty_groups() -> None:
    no_ints, no_floats = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    empty = from_exchanges(60, no_ints, no_floats, no_ints, no_floats, no_ints, no_ints, no_ints)
    assert len(empty) == 0 and len(concat([empty, Frame()])) == 0
    groups = regroup(empty, np.zeros(0, dtype=np.int64), 2)
    assert groups.requests.tolist() == [0, 0]
    assert groups.maximum(1) is None and groups.percentile(1, 95) is None
    assert groups.last_seen.tolist() == [-np.inf, -np.inf]


@pytest.mark.parametrize("level", [60, 300, 3600])
def test_buckets_start_on_multiples_of_their_level(level: int) -> None:
    frame = _frame(level, ROWS)
    assert all(bucket % level == 0 for bucket in frame.bucket.tolist())
    assert int(frame.requests.sum()) == len(ROWS)
