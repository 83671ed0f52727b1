"""Generic OTLP/HTTP: the Apitally-shaped spans to any OpenTelemetry collector."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from inspector.errors import InspectorError
from inspector.exporters.options import TIMEOUT_HELP, Destination, default_of, opt
from inspector.exporters.otlp import ResourceInfo, encode, traces_request
from inspector.exporters.service import ACCEPTED, ServiceExporter, Verdict
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.model import Exchange

DEFAULT_BASE_URL = "http://localhost:4318"


def parse_headers(values: Sequence[str], *, source: str) -> tuple[tuple[str, str], ...]:
    """`K=V` items (OTEL_EXPORTER_OTLP_HEADERS style, values may be percent-encoded)."""
    headers = []
    for position, item in enumerate(values, start=1):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            # The item is not echoed: it is likely a credential.
            raise InspectorError(f"{source}: header {position} is not written NAME=VALUE.")
        headers.append((name.strip(), unquote(value.strip())))
    return tuple(headers)


@dataclass(frozen=True, slots=True)
class OtlpOptions:
    base_url: str = DEFAULT_BASE_URL
    headers: tuple[tuple[str, str], ...] = ()
    batch_size: int = 500
    timeout_s: float = 10.0
    compression: str = "gzip"  # or "none"
    service_name: str = "api-inspector"
    bodies: bool = True


class OtlpExporter(ServiceExporter):
    title = "The OTLP collector"
    credential_hint = "the --header values (or OTEL_EXPORTER_OTLP_HEADERS)"
    credential_options = ("header",)

    def __init__(self, options: OtlpOptions) -> None:
        self.options = options
        self.base_url = options.base_url
        self.sends_credentials = bool(options.headers)
        self.batch_size = options.batch_size
        self.timeout_s = options.timeout_s
        self.url = f"{options.base_url.rstrip('/')}/v1/traces"
        headers = [("Content-Type", "application/x-protobuf")]
        if options.compression == "gzip":
            headers.append(("Content-Encoding", "gzip"))
        self._headers = (*headers, *options.headers)
        self.resource = ResourceInfo(
            service_name=options.service_name,
            instance_id=str(uuid.uuid5(uuid.NAMESPACE_URL, self.cursor_key)),
        )

    @property
    def cursor_key(self) -> str:
        # Header values may be credentials: only a hash prefix of them names the target.
        tag = hashlib.sha256(repr(self.options.headers).encode()).hexdigest()[:8]
        return f"otlp {self.url} headers:{tag}"

    def prepare(self, exchange: Exchange) -> Exchange:
        return exchange  # a failed exchange is still a span, with status ERROR

    def requests_for(self, items: Sequence[Exchange]) -> list[HttpRequest]:
        message = traces_request(items, self.resource, with_bodies=self.options.bodies)
        body = encode(message, compress=self.options.compression == "gzip")
        return [HttpRequest("POST", self.url, self._headers, body)]

    def read_answer(self, request: HttpRequest, response: HttpResponse) -> Verdict:
        """OTLP partial success: the collector accepted the request but dropped some spans."""
        if not response.body or "protobuf" not in response.headers.get("content-type", ""):
            return ACCEPTED
        try:
            answer = ExportTraceServiceResponse.FromString(response.body)
        except Exception:  # a collector's odd answer must not stop a 2xx batch
            return ACCEPTED
        rejected = answer.partial_success.rejected_spans
        if rejected <= 0:
            return ACCEPTED
        reason = answer.partial_success.error_message or "no reason given"
        return Verdict(refused=[f"span rejected by the collector: {reason}"] * rejected)


# The destination: its options (flags, config keys, variables) and how they build it.
def _build(values: dict[str, Any]) -> ServiceExporter:

    env_headers = values["_environ"].get("OTEL_EXPORTER_OTLP_HEADERS", "")
    headers = parse_headers(
        [h for h in env_headers.split(",") if h.strip()], source="OTEL_EXPORTER_OTLP_HEADERS"
    ) + parse_headers(values["header"], source="--header")
    return OtlpExporter(
        OtlpOptions(
            base_url=values["base_url"], headers=headers, batch_size=values["batch_size"],
            timeout_s=values["timeout"], compression=values["compression"],
            service_name=values["service_name"], bodies=values["bodies"],
        )
    )  # fmt: skip


DESTINATION = Destination(
    "otlp",
    "OTLP collector",
    "Send exchanges as OTLP/HTTP spans to a collector.",
    (
        opt(
            "base_url",
            "str",
            default_of(OtlpOptions, "base_url"),
            "Collector base URL (/v1/traces is appended).",
            env="OTEL_EXPORTER_OTLP_ENDPOINT",
        ),
        opt(
            "header",
            "list",
            (),
            "Extra header NAME=VALUE (repeatable); also read from OTEL_EXPORTER_OTLP_HEADERS.",
            secret=True,
        ),
        opt(
            "batch_size", "int", default_of(OtlpOptions, "batch_size"), "Spans per POST.", minimum=1
        ),
        opt("timeout", "float", default_of(OtlpOptions, "timeout_s"), TIMEOUT_HELP, minimum=0.1),
        opt(
            "compression",
            "choice",
            default_of(OtlpOptions, "compression"),
            "Request body compression.",
            choices=("gzip", "none"),
        ),
        opt(
            "service_name",
            "str",
            default_of(OtlpOptions, "service_name"),
            "The service.name resource attribute.",
            env="OTEL_SERVICE_NAME",
        ),
        opt(
            "bodies",
            "bool",
            default_of(OtlpOptions, "bodies"),
            "Put text bodies on spans (apitally.*.body).",
        ),
    ),
    _build,
)
