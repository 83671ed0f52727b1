"""The one percentile method: the latency sketch against exact numpy percentiles."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.store import percentiles


@pytest.mark.parametrize("seed", range(8))
def test_sketch_percentiles_are_within_the_stated_relative_error(seed: int) -> None:
    """Against exact numpy percentiles, on distributions real latencies take."""
    rng = np.random.default_rng(seed)
    shape = seed % 4
    size = int(rng.integers(1, 200_000))
    if shape == 0:
        values = rng.lognormal(3, 1.5, size)
    elif shape == 1:
        values = rng.uniform(0.001, 5, size)
    elif shape == 2:  # bimodal: cache hits and misses
        values = np.where(rng.random(size) < 0.8, rng.normal(2, 0.2, size).clip(0.01),
                          rng.normal(800, 100, size).clip(1))  # fmt: skip
    else:  # a few distinct values, repeated: rounded timings
        values = rng.choice([1.0, 2.0, 5.0, 30.0, 1500.0], size)
    bins, counts = percentiles.merge(percentiles.bins_of(values), np.ones(size, dtype=np.int64))
    for p in (0, 1, 25, 50, 90, 95, 99, 99.9, 100):
        exact = float(np.percentile(values, p))
        estimate = percentiles.from_sketch(bins, counts, p)
        assert estimate is not None
        assert abs(estimate - exact) <= percentiles.RELATIVE_ERROR * exact, (p, estimate, exact)


@pytest.mark.parametrize("values", [[7.0], [1.0, 2.0], [5.0, 1.0, 4.0, 2.0, 3.0], [0.25] * 4])
def test_the_exact_method_is_numpys_linear_one(values: list[float]) -> None:
    ordered = np.sort(np.array(values, dtype=np.float64))
    for p in (0, 1, 50, 95, 99, 99.9, 100):
        assert percentiles.linear(ordered, p) == pytest.approx(float(np.percentile(values, p)))
    assert percentiles.linear(np.array([], dtype=np.float64), 50) is None


def test_grouped_percentiles_equal_linear_per_group_and_nan_for_an_empty_group() -> None:
    groups = [[3.0, 1.0, 2.0], [], [10.0], [40.0, 10.0, 30.0, 20.0]]
    ordered = np.concatenate([np.sort(np.array(g, dtype=np.float64)) for g in groups])
    counts = np.array([len(g) for g in groups], dtype=np.int64)
    found = percentiles.grouped(ordered, counts, (50, 95))
    for p in (50, 95):
        for number, group in enumerate(groups):
            expected = percentiles.linear(np.sort(np.array(group, dtype=np.float64)), p)
            if expected is None:
                assert np.isnan(found[p][number])
            else:
                assert found[p][number] == pytest.approx(expected)
    nothing = percentiles.grouped(np.array([], dtype=np.float64), np.zeros(2, np.int64), (50,))
    assert np.isnan(nothing[50]).all()


def test_sub_microsecond_and_negative_durations_count_as_zero() -> None:
    values = np.array([-5.0, 0.0, 0.0004, 10.0], dtype=np.float64)
    bins = percentiles.bins_of(values)
    assert (bins[:3] == percentiles.ZERO_BIN).all() and bins[3] != percentiles.ZERO_BIN
    merged = percentiles.merge(bins, np.ones(4, dtype=np.int64))
    assert merged[1].tolist() == [3, 1]
    assert percentiles.from_sketch(*merged, 0) == 0.0
    top = percentiles.from_sketch(*merged, 100)
    assert top is not None and abs(top - 10.0) <= percentiles.RELATIVE_ERROR * 10.0


def test_sketches_add_up_and_subtract_and_an_empty_one_has_no_percentile() -> None:
    """Per-minute sketches merge into any range, and a delete takes its counts back out."""
    minute_a = np.array([1.0, 2.0, 3.0], dtype=np.float64)
    minute_b = np.array([100.0, 200.0], dtype=np.float64)
    bins = np.concatenate([percentiles.bins_of(minute_a), percentiles.bins_of(minute_b)])
    both = percentiles.merge(bins, np.ones(5, dtype=np.int64))
    median = percentiles.from_sketch(*both, 50)
    assert median is not None and abs(median - 3.0) <= percentiles.RELATIVE_ERROR * 3.0
    # Minute b's exchanges deleted: its bins' counts subtracted, zero-count bins left in place.
    deleted = percentiles.merge(
        np.concatenate([both[0], percentiles.bins_of(minute_b)]),
        np.concatenate([both[1], -np.ones(2, dtype=np.int64)]),
    )
    top = percentiles.from_sketch(*deleted, 100)
    assert top is not None and abs(top - 3.0) <= percentiles.RELATIVE_ERROR * 3.0
    empty = (np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert percentiles.merge(*empty)[0].size == 0
    assert percentiles.from_sketch(*empty, 50) is None
    all_gone = percentiles.merge(percentiles.bins_of(minute_a), np.zeros(3, dtype=np.int64))
    assert percentiles.from_sketch(*all_gone, 50) is None


def test_a_stored_sketch_decodes_to_its_bins_and_counts() -> None:
    stored = np.array([(-3, 2), (0, 7), (700, 2_000_000_000)], dtype=percentiles.PAIR).tobytes()
    bins, counts = percentiles.decode(stored)
    assert (bins.tolist(), counts.tolist()) == ([-3, 0, 700], [2, 7, 2_000_000_000])
    assert bins.dtype == counts.dtype == np.int64  # sums of huge counts do not wrap at 2**31
    assert percentiles.decode(b"")[0].size == 0
