"""The generic OTLP/HTTP exporter against a collector: its headers, compression, partial success."""

from __future__ import annotations

import gzip
import sqlite3
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from inspector.errors import InspectorError
from inspector.exporters.delivery import Deliverer, DeliveryReport, deliver
from inspector.exporters.otlp_exporter import OtlpExporter, OtlpOptions, parse_headers
from inspector.exporters.transport import HttpxTransport
from inspector.store import write_batch
from inspector.testing import make_exchange
from tests.exporters.service_support import FakeClock, ScriptedServer


def run(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport, **options: Any
) -> DeliveryReport:
    exporter = OtlpExporter(OtlpOptions(base_url=server.url(), **options))
    clock = FakeClock()
    return deliver(db, Deliverer(exporter, transport, sleep=clock.sleep, clock=clock.monotonic))


def test_spans_reach_a_collector_with_its_headers(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(), make_exchange(status=None, error="timeout")])
    headers = parse_headers(["x-honeycomb-team=abc%20123", "X-Scope=dev"], source="--header")
    report = run(db, server, transport, headers=headers, batch_size=1)
    assert (report.sent, report.failed) == (2, 0)
    assert [r.path for r in server.accepted] == ["/v1/traces", "/v1/traces"]
    request = server.accepted[0]
    assert request.headers["x-honeycomb-team"] == "abc 123"
    assert request.headers["x-scope"] == "dev"
    assert "authorization" not in request.headers and "apitally-env" not in request.headers
    message = ExportTraceServiceRequest.FromString(gzip.decompress(request.body))
    assert len(message.resource_spans[0].scope_spans[0].spans) == 1


def test_uncompressed_bodies_without_bodies_on_spans(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange()])
    run(db, server, transport, compression="none", bodies=False)
    (request,) = server.accepted
    assert "content-encoding" not in request.headers
    span = ExportTraceServiceRequest.FromString(request.body).resource_spans[0].scope_spans[0]
    assert "apitally.response.body" not in {kv.key for kv in span.spans[0].attributes}


def test_partial_success_counts_rejected_spans(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange() for _ in range(3)])
    answer = ExportTraceServiceResponse(
        partial_success=ExportTracePartialSuccess(rejected_spans=1, error_message="too old")
    ).SerializeToString()
    server.script = [(200, {"Content-Type": "application/x-protobuf"}, answer)]
    report = run(db, server, transport)
    assert (report.sent, report.failed) == (2, 1)
    assert report.failures == ["span rejected by the collector: too old"]


def test_a_malformed_header_is_refused_without_echoing_it() -> None:
    with pytest.raises(InspectorError) as caught:
        parse_headers(["Authorization: Bearer s3cret"], source="--header")
    assert "s3cret" not in str(caught.value) and "header 1" in str(caught.value)
