"""Apitally 1.x export: decoded protobuf has the structure of apitally-py 1.0.0's payloads."""

from __future__ import annotations

import gzip
import sqlite3
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from inspector.errors import InspectorError
from inspector.exporters.apitally import ApitallyExporter, ApitallyOptions
from inspector.exporters.delivery import Deliverer, DeliveryReport, deliver
from inspector.exporters.transport import HttpxTransport
from inspector.model import Body, Consumer, Exchange
from inspector.store import write_batch
from inspector.testing import make_exchange
from tests.exporters.service_support import (
    FakeClock,
    Received,
    ScriptedServer,
    attributes_as_map,
    golden,
    structure_diff,
)

TOKEN = "apt_GoldenTestToken000000000"
OWL = Consumer(id="owl-key-1234", label="Owl Labs", group="Birds")
CLIENT = (
    ("User-Agent", "golden-client/1.0"), ("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"),
    ("Connection", "keep-alive"), ("Host", "api.example.test"),
)  # fmt: skip


def _body(text: str, content_type: str = "application/json") -> Body:
    data = text.encode()
    return Body(content=data, size=len(data), wire_size=len(data), content_type=content_type)


def golden_traffic() -> list[Exchange]:
    """The golden app's three requests, with the durations the golden histograms recorded."""
    common: dict[str, Any] = {"scheme": "http", "host": "api.example.test", "port": 44433,
                              "client_address": "127.0.0.1", "consumer": OWL}  # fmt: skip
    login = ('{"username":"owl","password":"[REDACTED]","nested":{"password":"[REDACTED]",'
             '"card_number":"[REDACTED]"}}')  # fmt: skip
    html = "x" * 265
    return [
        make_exchange(
            **common, method="GET", path="/items/42",
            query="limit=10&sort=name&password=[REDACTED]", endpoint="/items/{id}",
            client_port=48868, request_headers=CLIENT,
            response_headers=(("Content-Type", "application/json"), ("Content-Length", "39")),
            response_body=_body('{"id":42,"limit":"10","name":"widget"}'.ljust(39)),
            duration_ms=1.6604520001237688,
        ),
        make_exchange(
            **common, method="POST", path="/login", client_port=48878,
            request_headers=(*CLIENT, ("Authorization", "[REDACTED]"), ("X-API-Key", "[REDACTED]"),
                             ("Content-Type", "application/json"), ("Content-Length", "104")),
            request_body=_body(login.ljust(104)),
            response_headers=(("Content-Type", "application/json"), ("Content-Length", "36")),
            response_body=_body('{"token":"[REDACTED]","user":"owl"}'.ljust(36)),
            duration_ms=1.604056999894965,
        ),
        make_exchange(
            **common, method="GET", path="/boom", client_port=48884, request_headers=CLIENT,
            status=500, reason="INTERNAL SERVER ERROR",
            response_headers=(("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", "265")),
            response_body=_body(html, "text/html; charset=utf-8"),
            duration_ms=2.8467319998526364,
        ),
    ]  # fmt: skip


def run(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport, **options: Any
) -> DeliveryReport:
    exporter = ApitallyExporter(ApitallyOptions(token=TOKEN, base_url=server.url(), **options))
    clock = FakeClock()
    return deliver(db, Deliverer(exporter, transport, sleep=clock.sleep, clock=clock.monotonic))


def decoded(request: Received) -> dict[str, Any]:
    kinds: dict[str, Any] = {"/v1/traces": ExportTraceServiceRequest,
                             "/v1/logs": ExportLogsServiceRequest,
                             "/v1/metrics": ExportMetricsServiceRequest}  # fmt: skip
    message = kinds[request.path].FromString(gzip.decompress(request.body))
    return attributes_as_map(MessageToDict(message))  # type: ignore[no-any-return]


def golden_body(name: str) -> dict[str, Any]:
    return attributes_as_map(golden(name)["requests"][0]["body_decoded"])  # type: ignore[no-any-return]


def by_path(server: ScriptedServer, path: str) -> list[Received]:
    return [r for r in server.accepted if r.path == path]


def test_spans_have_the_sdk_structure(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, golden_traffic())
    assert run(db, server, transport).sent == 3
    (request,) = by_path(server, "/v1/traces")
    ours = decoded(request)["resourceSpans"][0]
    theirs = golden_body("apitally_v1_traces.json")["resourceSpans"][0]
    assert structure_diff(ours["resource"], theirs["resource"]) is None
    our_spans = ours["scopeSpans"][0]["spans"]
    their_spans = theirs["scopeSpans"][0]["spans"]
    # A proxy never sees the app's exception: the golden /boom span's `events` is the one delta.
    their_spans[2].pop("events")
    for index, (span, reference) in enumerate(zip(our_spans, their_spans, strict=True)):
        assert structure_diff(span, reference, f"spans[{index}]") is None
    assert [s["name"] for s in our_spans] == ["GET /items/{id}", "POST /login", "GET /boom"]
    assert our_spans[2]["status"]["code"] == "STATUS_CODE_ERROR"


def test_consumer_update_and_histograms_have_the_sdk_structure(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, golden_traffic())
    run(db, server, transport)
    (logs,) = by_path(server, "/v1/logs")
    record = decoded(logs)["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    reference = golden_body("apitally_v1_logs.json")["resourceLogs"][0]["scopeLogs"][0]
    (update,) = record
    assert structure_diff(update, reference["logRecords"][1]) is None
    assert update["body"]["kvlistValue"]["values"] == {
        "identifier": {"stringValue": "owl-key-1234"}, "name": {"stringValue": "Owl Labs"},
        "group": {"stringValue": "Birds"},
    }  # fmt: skip
    (metrics,) = by_path(server, "/v1/metrics")
    ours = decoded(metrics)["resourceMetrics"][0]["scopeMetrics"][0]
    theirs = golden("apitally_v1_metrics.json")["requests"][0]["body_decoded"]["resourceMetrics"][1]
    theirs = attributes_as_map(theirs)["scopeMetrics"][0]
    assert structure_diff(ours, theirs) is None
    # Same values, same buckets as the SDK computed (scale 3, DELTA).
    for our_metric, their_metric in zip(ours["metrics"], theirs["metrics"], strict=True):
        our_points = our_metric["exponentialHistogram"]["dataPoints"]
        their_points = their_metric["exponentialHistogram"]["dataPoints"]
        assert [p["positive"] for p in our_points] == [p["positive"] for p in their_points]
        assert our_metric["exponentialHistogram"]["aggregationTemporality"] == (
            "AGGREGATION_TEMPORALITY_DELTA"
        )


def test_headers_carry_token_env_and_gzip_protobuf(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer=OWL)])
    run(db, server, transport, env="prod")
    assert {r.path for r in server.accepted} == {"/v1/traces", "/v1/logs", "/v1/metrics"}
    for request in server.accepted:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["apitally-env"] == "prod"
        assert request.headers["content-type"] == "application/x-protobuf"
        assert request.headers["content-encoding"] == "gzip"
        gzip.decompress(request.body)


def test_a_consumer_is_announced_once(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(consumer=OWL) for _ in range(5)])
    write_batch(db, [make_exchange(consumer=Consumer(id="anon-key"))])  # no name: not announced
    run(db, server, transport, buffer_length=2)
    assert len(by_path(server, "/v1/traces")) == 3
    records = [rec for r in by_path(server, "/v1/logs")
               for rec in decoded(r)["resourceLogs"][0]["scopeLogs"][0]["logRecords"]]  # fmt: skip
    assert len(records) == 1


def test_options_and_failed_exchanges_are_not_sent(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(method="OPTIONS"),
                     make_exchange(status=None, error="Connection refused"),
                     make_exchange()])  # fmt: skip
    report = run(db, server, transport)
    assert (report.sent, report.skipped) == (1, 2)


def test_a_bad_token_is_refused_up_front_without_echoing_it() -> None:
    with pytest.raises(InspectorError) as caught:
        ApitallyOptions(token="apt_tooShortSecret")
    assert "APITALLY_TOKEN" in str(caught.value)
    assert "tooShortSecret" not in str(caught.value)


def test_401_names_the_token_variable(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange()])
    server.script = [(401, {}, b"invalid token")]
    report = run(db, server, transport)
    assert report.error is not None and "APITALLY_TOKEN" in str(report.error)
    assert TOKEN not in str(report.error)


def test_resent_spans_keep_their_ids(
    db: sqlite3.Connection, server: ScriptedServer, transport: HttpxTransport
) -> None:
    write_batch(db, [make_exchange(), make_exchange()])
    server.script = [(503, {"Retry-After": "1"}, b"")]
    clock = FakeClock()
    exporter = ApitallyExporter(ApitallyOptions(token=TOKEN, base_url=server.url()))
    deliver(db, Deliverer(exporter, transport, sleep=clock.sleep, clock=clock.monotonic))
    traces = [r for r in server.received if r.path == "/v1/traces"]
    ids = [[s["spanId"] for s in decoded(r)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
           for r in traces]  # fmt: skip
    assert len(ids) == 2 and ids[0] == ids[1] and len(set(ids[0])) == 2
