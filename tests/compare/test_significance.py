"""The tests behind `inspector compare`'s verdicts and `--fail-on` latency gates."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from inspector.compare.significance import ALPHA, fisher_greater_p, slower_tail_p


def _exact_upper_tail(hits_a: int, size_a: int, hits_b: int, size_b: int) -> float:
    """Fisher's one-sided p-value with exact integers: the reference."""
    hits, size = hits_a + hits_b, size_a + size_b
    total = math.comb(size, hits)
    upper = sum(
        math.comb(size_b, x) * math.comb(size_a, hits - x)
        for x in range(hits_b, min(hits, size_b) + 1)
        if hits - x <= size_a
    )
    return upper / total


def _side(size: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(0, size), st.just(size))


sides = st.integers(1, 60).flatmap(_side)


@given(sides, sides)
def test_fisher_matches_the_exact_reference(a: tuple[int, int], b: tuple[int, int]) -> None:
    (hits_a, size_a), (hits_b, size_b) = a, b
    expected = _exact_upper_tail(hits_a, size_a, hits_b, size_b)
    assert math.isclose(fisher_greater_p(hits_a, size_a, hits_b, size_b), min(1.0, expected),
                        rel_tol=1e-9, abs_tol=1e-12)  # fmt: skip


RNG = np.random.default_rng(7)


def _durations(size: int, scale: float = 1.0) -> np.ndarray:
    return RNG.lognormal(mean=0.0, sigma=0.5, size=size) * scale  # ms, skewed like real ones


def test_two_runs_of_the_same_service_are_not_slower_at_p95_even_with_tail_outliers() -> None:
    for _ in range(50):
        base, head = _durations(40), _durations(40)
        head[:2] = 40.0  # two stalls (a GC pause, a busy CI machine) in one run only
        p = slower_tail_p(base, head, 95)
        assert p is not None and p >= ALPHA / 10, p  # far from a 1% alarm


def test_a_real_slowdown_is_found_at_p95_and_p50() -> None:
    base, head = _durations(40), _durations(40, scale=1.6)
    for percentile in (50, 95):
        p = slower_tail_p(base, head, percentile)
        assert p is not None and p < ALPHA, (percentile, p)
    # Faster is not slower.
    assert (slower_tail_p(head, base, 95) or 1.0) > 0.5


def test_too_few_requests_say_nothing() -> None:
    assert slower_tail_p(_durations(7), _durations(100), 95) is None


def test_many_requests_find_a_small_slowdown_and_not_a_small_speedup() -> None:
    # The tail test is exact at 40 requests and still answers at 200,000 a side.
    base = _durations(200_000)
    slower = slower_tail_p(base, _durations(200_000, scale=1.05), 95)
    faster = slower_tail_p(base, _durations(200_000, scale=0.95), 95)
    assert slower is not None and slower < ALPHA
    assert faster is not None and faster > 0.5
