"""OTLP encoding: exponential histogram buckets, stable span ids, bounded bodies, error spans."""

from __future__ import annotations

import math
from typing import Any

import pytest

from inspector.exporters.otlp import (
    BODY_TOO_LARGE,
    MAX_BUCKETS,
    ResourceInfo,
    bucket_index,
    exchange_span,
    metrics_request,
)
from inspector.model import Body
from inspector.testing import make_exchange


def _attributes(span: Any) -> dict[str, Any]:
    out = {}
    for kv in span.attributes:
        field = kv.value.WhichOneof("value")
        value = getattr(kv.value, field)
        out[kv.key] = (
            list(v.string_value for v in value.values) if field == "array_value" else value
        )
    return out


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, -1), (2.0, 7), (0.5, -9), (3.0, 12), (1024.0, 79), (1025.0, 80)],
)
def test_bucket_index_matches_the_otel_definition(value: float, expected: int) -> None:
    assert bucket_index(value) == expected
    # The bucket (base^i, base^(i+1)] holds the value, base = 2^(1/8).
    base = 2 ** (1 / 8)
    assert base**expected < value <= base ** (expected + 1) * (1 + 1e-12)


def test_wide_ranges_are_downscaled_and_zeros_counted() -> None:
    exchanges = [
        make_exchange(duration_ms=ms, response_body=Body(size=size))
        for ms, size in ((0.001, 0), (100_000.0, 10_000_000), (5.0, 512))
    ]
    request = metrics_request(exchanges, ResourceInfo("svc", "id"))
    assert request is not None
    metrics = request.resource_metrics[0].scope_metrics[0].metrics
    duration, response_size = metrics[0], metrics[1]
    point = duration.exponential_histogram.data_points[0]
    assert point.count == 3 and point.scale < 3
    assert len(point.positive.bucket_counts) <= MAX_BUCKETS
    assert sum(point.positive.bucket_counts) == 3
    size_point = response_size.exponential_histogram.data_points[0]
    assert size_point.zero_count == 1 and sum(size_point.positive.bucket_counts) == 2
    assert math.isclose(size_point.max, 10_000_000)


def test_span_ids_are_stable_and_bodies_bounded() -> None:
    big = Body(content=b"{}", size=60_000, truncated=True, content_type="application/json")
    exchange = make_exchange(response_body=big, request_json={"b": 2, "a": 1})
    first, second = exchange_span(exchange), exchange_span(exchange)
    assert first.trace_id == second.trace_id and first.span_id == second.span_id
    assert len(first.trace_id) == 16 and len(first.span_id) == 8
    attributes = _attributes(first)
    assert attributes["apitally.response.body"] == BODY_TOO_LARGE
    assert attributes["apitally.request.body"] == '{"b":2,"a":1}'
    assert attributes["http.route"] == "/users/{id}"
    assert attributes["http.request.header.user-agent"] == ["pytest/1.0"]
    image = make_exchange(response_body=Body(content=b"\x89PNG", size=4, content_type="image/png"))
    assert "apitally.response.body" not in _attributes(exchange_span(image))


def test_a_failed_exchange_is_an_error_span() -> None:
    span = exchange_span(make_exchange(status=None, error="Connection refused"))
    attributes = _attributes(span)
    assert "http.response.status_code" not in attributes
    assert attributes["error.type"] == "connection_error"
    assert span.status.message == "Connection refused"
