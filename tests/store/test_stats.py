"""Statistics on known data: counts, percentiles against numpy, consumers, endpoints."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import numpy as np
import pytest

from inspector.model import Body, Consumer
from inspector.store import queries, write_batch
from inspector.store.filters import SqlFilter, compile_filter, consumer_filter
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_795_000_000.0
ACME = Consumer(id="key-acme", label="Acme Corp", email="ops@acme.test", group="Enterprise")
INITECH = Consumer(id="key-initech", label="Initech", email="bill@initech.test", group="Free")
ALL = compile_filter("")


def compute_stats(conn: sqlite3.Connection, flt: SqlFilter) -> dict[str, object]:
    """The `inspector stats --json` object of a filter: what a user reads."""
    return queries.summary(conn, Selection(flt)).to_json()


def consumer_stats(conn: sqlite3.Connection, flt: SqlFilter) -> list[dict[str, object]]:
    return [row.to_json() for row in queries.summary(conn, Selection(flt)).consumers]


def endpoint_stats(conn: sqlite3.Connection, flt: SqlFilter) -> list[dict[str, object]]:
    return [row.to_json() for row in queries.endpoint_stats(conn, Selection(flt))]


def list_requests(conn: sqlite3.Connection, flt: SqlFilter) -> list[dict[str, object]]:
    return [row.to_json() for row in queries.list_requests(conn, Selection(flt))]


def _iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _known_traffic() -> list[object]:
    return [
        make_exchange(started_at=T0 + 1, consumer=ACME, duration_ms=10.0),
        make_exchange(started_at=T0 + 2, consumer=ACME, duration_ms=20.0, path="/users/7"),
        make_exchange(started_at=T0 + 3, consumer=ACME, duration_ms=30.0, status=404),
        make_exchange(started_at=T0 + 4, consumer=INITECH, method="POST", path="/users",
                      status=201, duration_ms=100.0, request_json={"name": "Ada"},
                      scheme="https", host="api.local", port=443,
                      request_headers=(("User-Agent", "curl/8.5.0"),)),
        make_exchange(started_at=T0 + 5, consumer=INITECH, method="POST", path="/users",
                      status=500, duration_ms=300.0, scheme="https", host="api.local", port=443,
                      request_headers=(("User-Agent", "curl/8.5.0"),)),
        make_exchange(started_at=T0 + 6, status=None, reason="", duration_ms=None,
                      error="Connection refused", response_body=Body(), path="/health"),
    ]  # fmt: skip


def test_stats_counts_on_known_data(db: sqlite3.Connection) -> None:
    write_batch(db, _known_traffic())  # type: ignore[arg-type]
    stats = compute_stats(db, ALL)
    assert stats["requests"] == 6
    assert stats["errors"] == 3  # 404, 500 and the failed one
    assert stats["failed"] == 1
    assert stats["unidentified_requests"] == 1
    assert stats["methods"] == {"GET": 4, "POST": 2}
    assert stats["schemes"] == {"http": 4, "https": 2}
    assert stats["hosts"] == {"localhost:8000": 4, "api.local": 2}
    assert stats["user_agents"] == {"pytest/1.0": 4, "curl/8.5.0": 2}
    assert stats["status_codes"] == {"200": 2, "201": 1, "404": 1, "500": 1, "failed": 1}
    durations = [10.0, 20.0, 30.0, 100.0, 300.0]
    assert stats["latency_ms"] == {
        "p50": pytest.approx(np.percentile(durations, 50)),
        "p95": pytest.approx(np.percentile(durations, 95)),
        "p99": pytest.approx(np.percentile(durations, 99)),
        "max": 300.0,
    }


def test_stats_per_endpoint(db: sqlite3.Connection) -> None:
    write_batch(db, _known_traffic())  # type: ignore[arg-type]
    endpoints = endpoint_stats(db, ALL)
    by_key = {(e["method"], e["endpoint"]): e for e in endpoints}
    assert list(by_key) == [("GET", "/users/{id}"), ("POST", "/users"), ("GET", "/health")]
    users = by_key[("GET", "/users/{id}")]
    assert (users["requests"], users["errors"]) == (3, 1)
    assert users["p50_ms"] == pytest.approx(20.0)
    assert users["p95_ms"] == pytest.approx(np.percentile([10, 20, 30], 95))
    post = by_key[("POST", "/users")]
    assert (post["requests"], post["errors"]) == (2, 1)
    assert post["p99_ms"] == pytest.approx(np.percentile([100, 300], 99))
    assert post["avg_request_bytes"] == pytest.approx(len(b'{"name": "Ada"}') / 2, abs=0.05)
    assert isinstance(users["avg_response_bytes"], float)
    assert users["avg_response_bytes"] > 0
    health = by_key[("GET", "/health")]
    assert (health["requests"], health["errors"], health["p50_ms"]) == (1, 1, None)


def test_stats_per_consumer(db: sqlite3.Connection) -> None:
    write_batch(db, _known_traffic())  # type: ignore[arg-type]
    consumers = consumer_stats(db, ALL)
    assert [c["label"] for c in consumers] == ["Acme Corp", "Initech"]
    acme, initech = consumers
    assert (acme["id"], acme["email"], acme["group"]) == ("key-acme", "ops@acme.test", "Enterprise")
    assert (acme["requests"], acme["errors"]) == (3, 1)
    assert acme["p50_ms"] == pytest.approx(20.0)
    assert acme["p95_ms"] == pytest.approx(np.percentile([10, 20, 30], 95))
    assert acme["last_seen"] == _iso(T0 + 3)
    assert (initech["requests"], initech["errors"]) == (2, 1)
    # row_id is what the GUI passes back to select the consumer.
    selected = list_requests(db, consumer_filter(int(initech["row_id"])))  # type: ignore[call-overload]
    assert {row["method"] for row in selected} == {"POST"}


def test_stats_follow_the_filter(db: sqlite3.Connection) -> None:
    write_batch(db, _known_traffic())  # type: ignore[arg-type]
    stats = compute_stats(db, compile_filter("consumer:initech"))
    assert stats["requests"] == 2
    assert stats["status_codes"] == {"201": 1, "500": 1}
    assert [c["label"] for c in stats["consumers"]] == ["Initech"]  # type: ignore[attr-defined]
    assert stats["latency_ms"]["p50"] == pytest.approx(200.0)  # type: ignore[index]
    assert compute_stats(db, compile_filter("has:error"))["latency_ms"] == {
        "p50": None, "p95": None, "p99": None, "max": None,
    }  # fmt: skip


def test_stats_of_an_empty_database(db: sqlite3.Connection) -> None:
    stats = compute_stats(db, ALL)
    assert stats["requests"] == 0
    assert stats["errors"] == 0
    assert stats["status_codes"] == {}
    assert stats["latency_ms"] == {"p50": None, "p95": None, "p99": None, "max": None}
    assert stats["consumers"] == []
    assert stats["endpoints"] == []


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_match_numpy_on_random_groups(db: sqlite3.Connection, seed: int) -> None:
    rng = random.Random(seed)
    people = [Consumer(id=f"c{i}", label=f"C{i}") for i in range(4)]
    samples: dict[str, list[float]] = {p.id: [] for p in people}
    exchanges = []
    for i in range(rng.randrange(1, 400)):
        person = rng.choice(people)
        duration = round(rng.lognormvariate(3, 1), 3)
        samples[person.id].append(duration)
        exchanges.append(make_exchange(started_at=T0 + i, consumer=person, duration_ms=duration))
    write_batch(db, exchanges)
    everything = [d for values in samples.values() for d in values]
    latency = compute_stats(db, ALL)["latency_ms"]
    for p in (50, 95, 99):
        assert latency[f"p{p}"] == pytest.approx(np.percentile(everything, p))  # type: ignore[index]
    assert latency["max"] == max(everything)  # type: ignore[index]
    for row in consumer_stats(db, ALL):
        values = samples[str(row["id"])]
        assert row["requests"] == len(values)
        assert row["p50_ms"] == pytest.approx(np.percentile(values, 50))
        assert row["p95_ms"] == pytest.approx(np.percentile(values, 95))


@pytest.mark.parametrize("seed", range(3))
def test_endpoint_percentiles_match_numpy(db: sqlite3.Connection, seed: int) -> None:
    rng = random.Random(seed)
    routes = [("GET", "/a/1", "/a/{id}"), ("POST", "/a/1", "/a/{id}"), ("GET", "/b", "/b")]
    samples: dict[tuple[str, str], list[float]] = {(m, t): [] for m, _, t in routes}
    exchanges = []
    for i in range(rng.randrange(1, 300)):
        method, path, template = rng.choice(routes)
        failed = rng.random() < 0.1
        duration = None if failed else round(rng.expovariate(0.02), 3)
        if duration is not None:
            samples[(method, template)].append(duration)
        exchanges.append(make_exchange(
            started_at=T0 + i, method=method, path=path, duration_ms=duration,
            status=None if failed else 200, error="timed out" if failed else None,
        ))  # fmt: skip
    write_batch(db, exchanges)
    for row in endpoint_stats(db, ALL):
        values = samples[(str(row["method"]), str(row["endpoint"]))]
        for p in (50, 95, 99):
            expected = np.percentile(values, p) if values else None
            assert row[f"p{p}_ms"] == (pytest.approx(expected) if values else None)
        assert row["max_ms"] == (max(values) if values else None)
