"""The query layer's answers as callers read them: `inspector stats --json` shapes that survive
json.dumps, timestamps in UTC, count maps largest first with ties by name, consumers and endpoints
busiest first, a readable name for a fingerprinted consumer, and no error rate without requests."""

from __future__ import annotations

import json
import sqlite3

from inspector.config import fingerprint
from inspector.model import Consumer
from inspector.store import queries, write_batch
from inspector.store.answers import (
    ConsumerStats,
    EndpointStats,
    Summary,
    by_count,
    consumer_order,
    endpoint_order,
    host_key,
)
from inspector.store.selection import Selection
from inspector.testing import make_exchange

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def test_a_summary_of_real_traffic_is_the_stats_json(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(consumer=Consumer("key-b", "Beta"), started_at=T0, duration_ms=10.0),
        make_exchange(consumer=Consumer("key-a", "Alpha"), started_at=T0 + 1.25, status=500),
        make_exchange(consumer=Consumer("key-b", "Beta"), started_at=T0 + 2, host="ü.test",
                      port=443, scheme="https", path="/orders/1"),
        make_exchange(started_at=T0 + 3, status=None, duration_ms=None, error="refused"),
    ])  # fmt: skip
    summary = queries.summary(db, Selection())
    text = json.dumps(summary.to_json(), ensure_ascii=False)  # nothing a JSON writer refuses
    shown = json.loads(text)
    assert list(shown) == ["requests", "errors", "failed", "unidentified_requests", "methods",
                           "schemes", "hosts", "user_agents", "status_codes", "latency_ms",
                           "consumers", "endpoints"]  # fmt: skip
    assert (shown["requests"], shown["errors"], shown["failed"]) == (4, 2, 1)
    assert shown["unidentified_requests"] == 1
    assert shown["hosts"] == {"localhost:8000": 3, "ü.test": 1}  # https on 443: no port
    assert list(shown["status_codes"]) == ["200", "500", "failed"]  # 2, then ties by name
    beta, alpha = shown["consumers"]  # busiest first
    assert (beta["label"], beta["requests"], alpha["label"]) == ("Beta", 2, "Alpha")
    assert beta["last_seen"] == "2023-11-14T22:13:22.000Z"
    assert alpha["last_seen"] == "2023-11-14T22:13:21.250Z"
    assert set(shown["latency_ms"]) == {"p50", "p95", "p99", "max"}


def test_count_maps_are_largest_first_then_by_name() -> None:
    counts = {"PUT": 2, "GET": 9, "DELETE": 2, "POST": 5, "HEAD": 0}
    assert list(by_count(counts)) == ["GET", "POST", "DELETE", "PUT", "HEAD"]
    assert by_count({}) == {}


def _consumer(identifier: str, label: str, requests: int) -> ConsumerStats:
    return ConsumerStats(1, identifier, label, "", "", requests, 0, None, None, T0)


def test_consumers_sort_busiest_first_then_by_the_name_shown() -> None:
    hashed = fingerprint("live-key-long-aaaa-0001")
    rows = [_consumer("key-z", "", 3), _consumer(hashed, "", 3), _consumer("key-x", "Acme", 3),
            _consumer("key-y", "", 7)]  # fmt: skip
    names = [row.name for row in sorted(rows, key=consumer_order)]
    assert names[0] == "key-y"
    assert names[1] == "Acme"  # by the label shown, not by the identifier
    assert names[2].startswith("key …0001 (") and "sha512" not in names[2]
    assert names[3] == "key-z"


def _endpoint(method: str, endpoint: str, requests: int, errors: int = 0) -> EndpointStats:
    return EndpointStats(method, endpoint, requests, errors, None, None, None, None, 0.0, 0.0)


def test_endpoints_sort_busiest_first_and_a_spec_only_one_has_no_error_rate() -> None:
    rows = [_endpoint("POST", "/a", 4, 1), _endpoint("GET", "/b", 4), _endpoint("GET", "/a", 4),
            _endpoint("DELETE", "/spec-only", 0)]  # fmt: skip
    ordered = [(r.method, r.endpoint) for r in sorted(rows, key=endpoint_order)]
    assert ordered == [("GET", "/a"), ("POST", "/a"), ("GET", "/b"), ("DELETE", "/spec-only")]
    assert rows[0].error_rate == 0.25 and not rows[0].never_called
    assert rows[3].error_rate is None and rows[3].never_called
    assert json.loads(json.dumps(rows[3].to_json()))["requests"] == 0


def test_an_empty_summary_is_still_the_full_shape() -> None:
    empty = Summary().to_json()
    assert empty["requests"] == 0 and empty["consumers"] == [] and empty["endpoints"] == []
    assert empty["latency_ms"] == {"p50": None, "p95": None, "p99": None, "max": None}


def test_a_host_key_names_the_port_only_when_it_is_not_the_default() -> None:
    assert host_key("https", "api.test", 443) == "api.test"
    assert host_key("http", "api.test", 443) == "api.test:443"
    assert host_key("http", "::1", 8080) == "[::1]:8080"
