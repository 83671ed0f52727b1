"""Traffic as a real API sees it, and the checks that rollups agree with the rows: shared by the
rollup tests (tests/store/test_rollups.py, test_rollup_answers.py) and the CLI's."""

from __future__ import annotations

import random
import sqlite3

from inspector.model import Body, Consumer, Exchange
from inspector.store import percentiles, rollup_answers, rollups, stats, write_batch
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0 + 17.25  # not on a minute: ranges have partial minutes at both ends
CONSUMERS = [Consumer(id=f"key-{n}", label=f"Client {n}") for n in ("acme", "initech", "globex")]
PATHS = ["/users", "/users/7", "/orders", "/orders/12/items", "/search", "/login"]


def traffic(count: int, seed: int, start: float = T0, span_s: float = 3 * 3600) -> list[Exchange]:
    """Exchanges a real API sees: several consumers and anonymous calls, methods, status codes,
    failures without a response, latencies from under a millisecond to seconds, slow outliers."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        failed = rng.random() < 0.03
        status = rng.choice([200, 200, 200, 201, 204, 301, 400, 401, 404, 422, 500, 503])
        duration = rng.lognormvariate(3.0, 1.4) if rng.random() > 0.01 else rng.uniform(0, 0.0005)
        result.append(make_exchange(
            started_at=start + rng.uniform(0, span_s),
            method=rng.choice(["GET", "GET", "POST", "DELETE"]),
            path=rng.choice(PATHS),
            host=rng.choice(["localhost", "api.local"]),
            port=rng.choice([8000, 443]),
            scheme=rng.choice(["http", "https"]),
            consumer=rng.choice([*CONSUMERS, None]),
            status=None if failed else status,
            reason="" if failed else "OK",
            duration_ms=None if failed else duration,
            error="Connection refused" if failed else None,
            response_body=Body() if failed else Body(content=b"x" * rng.randint(0, 900)),
            request_headers=(("User-Agent", rng.choice(["curl/8.5.0", "python-httpx/0.28"])),),
        ))  # fmt: skip
    return result


def write(conn: sqlite3.Connection, exchanges: list[Exchange], batch: int = 97) -> None:
    for start in range(0, len(exchanges), batch):
        write_batch(conn, exchanges[start : start + batch])


def canonical(conn: sqlite3.Connection) -> dict[tuple[object, ...], tuple[object, ...]]:
    """Every rollup row by (level, bucket, dimensions), its sketch decoded: comparable across
    databases whose key ids differ."""
    keys = rollups.Keys(conn)
    result: dict[tuple[object, ...], tuple[object, ...]] = {}
    for level, bucket, key_id, *figures, sketch in conn.execute(
        "SELECT level, bucket, key_id, requests, errors, timed, round(duration_sum, 6), "
        "duration_max, slowest_id, request_bytes, response_bytes, last_seen, sketch FROM rollups"
    ):
        bins, counts = percentiles.decode(sketch)
        where = (level, bucket, keys.dims[key_id])
        assert where not in result
        result[where] = (*figures, tuple(bins.tolist()), tuple(counts.tolist()))
    return result


def rebuilt(conn: sqlite3.Connection) -> dict[tuple[object, ...], tuple[object, ...]]:
    """What a rebuild from the rows gives, without touching the database."""
    conn.execute("SAVEPOINT check_rebuild")
    try:
        rollups.rebuild(conn)
        return canonical(conn)
    finally:
        conn.execute("ROLLBACK TO check_rebuild")
        conn.execute("RELEASE check_rebuild")


def assert_same_answers(conn: sqlite3.Connection, selection: Selection) -> None:
    """The rollup answer equals the exact one: counts exactly, percentiles within the error."""
    plan = rollup_answers.plan(conn, selection, minimum=0)
    assert plan is not None, selection
    fast = rollup_answers.summary(conn, plan).to_json()
    exact = stats.summary(conn, selection.where()).to_json()
    for name in ("requests", "errors", "failed", "unidentified_requests", "methods", "schemes",
                 "hosts", "user_agents", "status_codes"):  # fmt: skip
        assert fast[name] == exact[name], name
    assert_close(fast["latency_ms"], exact["latency_ms"], exact_keys=("max",))
    exact_keys = {
        "consumers": ("id", "requests", "errors", "last_seen", "label"),
        "endpoints": ("method", "endpoint", "requests", "errors", "max_ms", "avg_request_bytes",
                      "avg_response_bytes"),
    }  # fmt: skip
    for group, keys in exact_keys.items():
        mine, theirs = fast[group], exact[group]
        assert isinstance(mine, list) and isinstance(theirs, list)
        assert len(mine) == len(theirs), group
        for row, expected in zip(mine, theirs, strict=True):
            assert_close(row, expected, exact_keys=keys)


def assert_close(mine: object, theirs: object, exact_keys: tuple[str, ...]) -> None:
    assert isinstance(mine, dict) and isinstance(theirs, dict)
    for key, expected in theirs.items():
        got = mine[key]
        if key in exact_keys or not key.startswith("p") or expected is None:
            assert got == expected, key
        else:
            # The stated bound, plus the microsecond under which durations count as 0.
            assert abs(got - expected) <= percentiles.RELATIVE_ERROR * expected + 1e-3, key
