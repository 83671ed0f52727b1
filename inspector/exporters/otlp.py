"""OTLP protobuf encoding of exchanges (spans, consumer log events, histograms), shared by the
Apitally exporter and the generic OTLP exporter. Shapes follow apitally 1.0.0 (hosted-apis.md 2.2).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    AggregationTemporality,
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Metric,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from inspector import __version__
from inspector.endpoints import endpoint_template
from inspector.model import Body, Consumer, Exchange, Headers

SCOPE_NAME = "api-inspector"
HISTOGRAM_SCALE = 3  # Apitally's choice: 2^(1/8) bucket growth, about 9 % wide
MAX_BUCKETS = 160  # the OTel SDK default; wider ranges are downscaled
MAX_BODY_BYTES = 50_000
BODY_TOO_LARGE = b"[BODY_TOO_LARGE]"
# Only these bodies go on spans, as in apitally 1.0.0: other types are noise or binary.
BODY_TYPES = (
    "application/json",
    "application/problem+json",
    "application/vnd.api+json",
    "application/ld+json",
    "application/x-ndjson",
    "text/markdown",
    "text/plain",
)
NANOS = 1_000_000_000


# Attributes are built as dicts: protobuf (upb) turns them into messages about four times
# faster than constructing AnyValue/KeyValue objects one by one, and spans are the hot path.
AttributeValue = str | int | float | bool | bytes | list[str]


def any_value(value: AttributeValue) -> dict[str, Any]:
    """An AnyValue as the dict protobuf accepts in message constructors."""
    if isinstance(value, bool):
        return {"bool_value": value}
    if isinstance(value, int):
        return {"int_value": value}
    if isinstance(value, float):
        return {"double_value": value}
    if isinstance(value, bytes):
        return {"bytes_value": value}
    if isinstance(value, list):
        return {"array_value": {"values": [{"string_value": v} for v in value]}}
    return {"string_value": value}


def key_values(pairs: Iterable[tuple[str, AttributeValue]]) -> Any:
    """KeyValue dicts; typed Any because the generated stubs only admit KeyValue objects."""
    return [{"key": key, "value": any_value(value)} for key, value in pairs]


def trace_id(uid: str) -> bytes:
    """16 bytes derived from the exchange uid: a resend carries the same ids."""
    try:
        return uuid.UUID(hex=uid).bytes
    except ValueError:
        return hashlib.sha256(uid.encode()).digest()[:16]


def span_id(uid: str) -> bytes:
    return hashlib.sha256(f"span:{uid}".encode()).digest()[:8]


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    service_name: str
    instance_id: str
    environment: str = ""

    def resource(self) -> Resource:
        pairs: list[tuple[str, Any]] = [
            ("telemetry.sdk.language", "python"),
            ("telemetry.sdk.name", "api-inspector"),
            ("telemetry.sdk.version", __version__),
            ("service.instance.id", self.instance_id),
            ("service.name", self.service_name),
        ]
        if self.environment:
            pairs.append(("deployment.environment.name", self.environment))
        pairs += [
            ("telemetry.distro.name", "api-inspector"),
            ("telemetry.distro.version", __version__),
        ]
        return Resource(attributes=key_values(pairs))


def _scope() -> InstrumentationScope:
    return InstrumentationScope(name=SCOPE_NAME, version=__version__)


def _protocol_version(http_version: str) -> str:
    version = http_version.upper().removeprefix("HTTP/")
    return "2" if version == "2.0" else "3" if version == "3.0" else version


def route_of(exchange: Exchange) -> str:
    """The route template (http.route); an exchange not yet stored has none, so derive it."""
    return exchange.endpoint or endpoint_template(exchange.path)


def _header_attributes(prefix: str, headers: Headers) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value)
    return [(f"{prefix}{name}", values) for name, values in grouped.items()]


def _body_value(body: Body) -> str | bytes | None:
    if not body.size or not body.media_type.startswith(BODY_TYPES):
        return None
    if body.truncated or body.size > MAX_BODY_BYTES:
        return BODY_TOO_LARGE
    text = body.text
    if text is None:
        return None
    if "json" in body.media_type and body.media_type != "application/x-ndjson":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            return text
    return text


def consumer_identifier(consumer: Consumer | None) -> str | None:
    return consumer.id.strip()[:128] if consumer is not None else None


def exchange_span(exchange: Exchange, *, with_bodies: bool = True) -> Span:
    """One SERVER span, attributes in the order apitally 1.0.0 emits them."""
    attrs: list[tuple[str, Any]] = []
    identifier = consumer_identifier(exchange.consumer)
    if identifier:
        attrs.append(("apitally.consumer.identifier", identifier))
    attrs += [
        ("http.request.method", exchange.method),
        ("url.scheme", exchange.scheme),
        ("server.address", exchange.host),
        ("server.port", exchange.port),
        ("url.path", exchange.path),
    ]
    if exchange.query:
        attrs.append(("url.query", exchange.query))
    if exchange.client_port is not None:
        attrs.append(("client.port", exchange.client_port))
    if exchange.user_agent:
        attrs.append(("user_agent.original", exchange.user_agent))
    attrs.append(("network.protocol.version", _protocol_version(exchange.http_version)))
    route = route_of(exchange)
    attrs.append(("http.route", route))
    if exchange.client_address:
        attrs.append(("client.address", exchange.client_address))
    if exchange.request_body.size:
        attrs.append(("http.request.body.size", exchange.request_body.size))
    status = Status()
    if exchange.status is not None:
        attrs.append(("http.response.status_code", exchange.status))
        if exchange.status >= 500:
            attrs.append(("error.type", str(exchange.status)))
            status = Status(code=Status.STATUS_CODE_ERROR, message=f"HTTP {exchange.status}")
        attrs.append(("http.response.body.size", exchange.response_body.size))
    else:
        attrs.append(("error.type", "connection_error"))
        status = Status(code=Status.STATUS_CODE_ERROR, message=exchange.error or "no response")
    attrs += _header_attributes("http.request.header.", exchange.request_headers)
    attrs += _header_attributes("http.response.header.", exchange.response_headers)
    if with_bodies:
        for key, body in (
            ("apitally.request.body", exchange.request_body),
            ("apitally.response.body", exchange.response_body),
        ):
            value = _body_value(body)
            if value is not None:
                attrs.append((key, value))
    start_ns = int(exchange.started_at * NANOS)
    end_ns = start_ns + int((exchange.duration_ms or 0.0) * 1_000_000)
    return Span(
        trace_id=trace_id(exchange.uid),
        span_id=span_id(exchange.uid),
        name=f"{exchange.method} {route}",
        kind=Span.SpanKind.SPAN_KIND_SERVER,
        start_time_unix_nano=start_ns,
        end_time_unix_nano=end_ns,
        attributes=key_values(attrs),
        status=status,
        flags=256,  # SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK with no remote parent, as the SDK sets
    )


def traces_request(
    exchanges: Sequence[Exchange], resource: ResourceInfo, *, with_bodies: bool = True
) -> ExportTraceServiceRequest:
    spans = [exchange_span(e, with_bodies=with_bodies) for e in exchanges]
    return ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=resource.resource(),
                scope_spans=[ScopeSpans(scope=_scope(), spans=spans)],
            )
        ]
    )


def consumer_update_record(consumer: Consumer, now_ns: int) -> LogRecord:
    """Apitally's `apitally.consumer.update` event; limits as in the SDK (128/64/64)."""
    fields: list[tuple[str, Any]] = [("identifier", consumer.id.strip()[:128])]
    if consumer.label:
        fields.append(("name", consumer.label.strip()[:64]))
    if consumer.group:
        fields.append(("group", consumer.group.strip()[:64]))
    body: Any = {"kvlist_value": {"values": key_values(fields)}}
    return LogRecord(
        time_unix_nano=now_ns,
        observed_time_unix_nano=now_ns,
        body=body,
        event_name="apitally.consumer.update",
    )


def logs_request(records: Sequence[LogRecord], resource: ResourceInfo) -> ExportLogsServiceRequest:
    scope = InstrumentationScope(name="apitally")
    return ExportLogsServiceRequest(
        resource_logs=[
            ResourceLogs(
                resource=resource.resource(),
                scope_logs=[ScopeLogs(scope=scope, log_records=list(records))],
            )
        ]
    )


def bucket_index(value: float, scale: int = HISTOGRAM_SCALE) -> int:
    """OTel's exponential bucket at a scale >= 0: floor(log2(v) * 2^scale), except that an
    exact power of two belongs to the bucket below (buckets are upper-inclusive)."""
    mantissa, exponent = math.frexp(value)
    if mantissa == 0.5:
        return ((exponent - 1) << scale) - 1
    return math.ceil(math.log2(value) * (1 << scale)) - 1


@dataclass(slots=True)
class _Series:
    values: list[float]
    start_ns: int
    end_ns: int


def _data_point(attrs: tuple[tuple[str, Any], ...], series: _Series) -> Any:
    positive = [v for v in series.values if v > 0]
    scale = HISTOGRAM_SCALE
    indices = [bucket_index(v, scale) for v in positive]
    while indices and max(indices) - min(indices) + 1 > MAX_BUCKETS and scale > -10:
        scale -= 1
        indices = [i >> 1 for i in indices]
    offset = min(indices) if indices else 0
    counts = [0] * ((max(indices) - offset + 1) if indices else 0)
    for index in indices:
        counts[index - offset] += 1
    return ExponentialHistogramDataPoint(
        attributes=key_values(attrs),
        start_time_unix_nano=series.start_ns,
        time_unix_nano=series.end_ns,
        count=len(series.values),
        sum=float(sum(series.values)),
        scale=scale,
        zero_count=len(series.values) - len(positive),
        positive=ExponentialHistogramDataPoint.Buckets(offset=offset, bucket_counts=counts),
        min=float(min(series.values)),
        max=float(max(series.values)),
    )


def metrics_request(
    exchanges: Sequence[Exchange], resource: ResourceInfo
) -> ExportMetricsServiceRequest | None:
    """DELTA exponential histograms of duration (s) and body sizes (By) for one batch.

    Keyed like Apitally's: method, route, status and consumer. Exchanges without a response
    and OPTIONS requests are not counted, as in the SDK. None when nothing is counted.
    """
    names = (
        ("http.server.request.duration", "s"),
        ("http.server.request.body.size", "By"),
        ("http.server.response.body.size", "By"),
    )
    series: list[dict[tuple[tuple[str, Any], ...], _Series]] = [{}, {}, {}]
    for exchange in exchanges:
        if exchange.status is None or exchange.method == "OPTIONS":
            continue
        attrs: tuple[tuple[str, Any], ...] = (
            ("http.request.method", exchange.method),
            ("http.route", route_of(exchange)),
            ("http.response.status_code", exchange.status),
        )
        identifier = consumer_identifier(exchange.consumer)
        if identifier:
            attrs += (("apitally.consumer.identifier", identifier),)
        start_ns = int(exchange.started_at * NANOS)
        end_ns = start_ns + int((exchange.duration_ms or 0.0) * 1_000_000)
        values: list[float | None] = [
            (exchange.duration_ms or 0.0) / 1000,
            float(exchange.request_body.size) if exchange.request_body.size else None,
            float(exchange.response_body.size),
        ]
        for target, value in zip(series, values, strict=True):
            if value is None:
                continue
            found = target.get(attrs)
            if found is None:
                target[attrs] = _Series([value], start_ns, end_ns)
            else:
                found.values.append(value)
                found.start_ns = min(found.start_ns, start_ns)
                found.end_ns = max(found.end_ns, end_ns)
    metrics = []
    for (name, unit), points in zip(names, series, strict=True):
        if not points:
            continue
        histogram = ExponentialHistogram(
            data_points=[_data_point(attrs, s) for attrs, s in points.items()],
            aggregation_temporality=AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
        )
        metrics.append(Metric(name=name, unit=unit, exponential_histogram=histogram))
    if not metrics:
        return None
    scope = InstrumentationScope(name="apitally")
    return ExportMetricsServiceRequest(
        resource_metrics=[
            ResourceMetrics(
                resource=resource.resource(),
                scope_metrics=[ScopeMetrics(scope=scope, metrics=metrics)],
            )
        ]
    )


def encode(message: Any, *, compress: bool = True) -> bytes:
    data: bytes = message.SerializeToString()
    # Level 6: the gzip default trades little size for much less CPU than 9 on big batches.
    return gzip.compress(data, compresslevel=6) if compress else data
