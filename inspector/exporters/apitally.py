"""Apitally 1.x: gzip OTLP protobuf traces, consumer log events and histograms (hosted-apis 2.2)."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.errors import InspectorError
from inspector.exporters.options import TIMEOUT_HELP, Destination, default_of, opt
from inspector.exporters.otlp import (
    ResourceInfo,
    consumer_update_record,
    encode,
    logs_request,
    metrics_request,
    traces_request,
)
from inspector.exporters.service import ACCEPTED, ServiceExporter, Verdict
from inspector.exporters.transport import HttpRequest, HttpResponse
from inspector.model import Consumer, Exchange

DEFAULT_BASE_URL = "https://otlp.apitally.io"
TOKEN_PATTERN = re.compile(r"^apt_[a-zA-Z0-9]{24}$")
ENV_PATTERN = re.compile(r"^[\w-]{1,32}$")


@dataclass(frozen=True, slots=True)
class ApitallyOptions:
    token: str
    env: str = "dev"  # apitally 1.0.0's default
    base_url: str = DEFAULT_BASE_URL
    buffer_length: int = 200  # spans per POST; 3 histograms per key stay under 1000 points
    timeout_s: float = 10.0
    service_name: str = "api-inspector"

    def __post_init__(self) -> None:
        if not TOKEN_PATTERN.match(self.token):
            # Never echo the value: a near-miss token is still a secret.
            raise InspectorError(
                "The Apitally write token is not valid: it must be apt_ followed by 24 letters "
                "or digits. Check APITALLY_TOKEN (or --token)."
            )
        if not ENV_PATTERN.match(self.env):
            raise InspectorError(
                f"--env {self.env!r} is not valid for Apitally: use 1 to 32 letters, digits, "
                "'_' or '-'."
            )


class ApitallyExporter(ServiceExporter):
    title = "Apitally"
    credential_hint = "APITALLY_TOKEN (or --token)"
    credential_options = ("token",)

    def __init__(
        self, options: ApitallyOptions, *, now_ns: Callable[[], int] = time.time_ns
    ) -> None:
        self.options = options
        self.base_url = options.base_url
        self.batch_size = options.buffer_length
        self.timeout_s = options.timeout_s
        self._now_ns = now_ns
        base = options.base_url.rstrip("/")
        self.traces_url = f"{base}/v1/traces"
        self.logs_url = f"{base}/v1/logs"
        self.metrics_url = f"{base}/v1/metrics"
        self._headers = (
            ("Authorization", f"Bearer {options.token}"),
            ("Apitally-Env", options.env),
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "gzip"),
        )
        # Stable per target, so Apitally sees one instance per database destination.
        self.resource = ResourceInfo(
            service_name=options.service_name,
            instance_id=str(uuid.uuid5(uuid.NAMESPACE_URL, self.cursor_key)),
            environment=options.env,
        )
        self._announced: set[Consumer] = set()  # consumer updates Apitally has accepted
        self._announcing: list[Consumer] = []

    @property
    def cursor_key(self) -> str:
        # A hash prefix tells two apps apart without storing anything usable as a token.
        token_tag = hashlib.sha256(self.options.token.encode()).hexdigest()[:8]
        base = self.options.base_url.rstrip("/")
        return f"apitally {base} env:{self.options.env} token:{token_tag}"

    def prepare(self, exchange: Exchange) -> Exchange | None:
        # No response means nothing reached the API; Apitally never logs OPTIONS either.
        if exchange.status is None or exchange.method == "OPTIONS":
            return None
        return exchange

    def requests_for(self, items: Sequence[Exchange]) -> list[HttpRequest]:
        requests = [
            HttpRequest(
                "POST", self.traces_url, self._headers, encode(traces_request(items, self.resource))
            )
        ]
        fresh: dict[Consumer, None] = {}
        for exchange in items:
            consumer = exchange.consumer
            if consumer and (consumer.label or consumer.group) and consumer not in self._announced:
                fresh[consumer] = None
        self._announcing = list(fresh)
        if self._announcing:
            now = self._now_ns()
            records = [consumer_update_record(c, now) for c in self._announcing]
            body = encode(logs_request(records, self.resource))
            requests.append(HttpRequest("POST", self.logs_url, self._headers, body))
        metrics = metrics_request(items, self.resource)
        if metrics is not None:
            requests.append(HttpRequest("POST", self.metrics_url, self._headers, encode(metrics)))
        return requests

    def read_answer(self, request: HttpRequest, response: HttpResponse) -> Verdict:
        if request.url == self.logs_url:
            self._announced.update(self._announcing)
        return ACCEPTED


# The destination: its options (flags, config keys, variables) and how they build it.
def _build(values: dict[str, Any]) -> ServiceExporter:
    return ApitallyExporter(
        ApitallyOptions(
            token=values["token"], env=values["env"], base_url=values["base_url"],
            buffer_length=values["buffer_length"], timeout_s=values["timeout"],
            service_name=values["service_name"],
        )
    )  # fmt: skip


DESTINATION = Destination(
    "apitally",
    "Apitally",
    "Send exchanges to Apitally (OTLP traces, logs, metrics).",
    (
        opt(
            "token",
            "str",
            "",
            "Apitally write token (apt_...).",
            env="APITALLY_TOKEN",
            secret=True,
            required=True,
        ),
        opt(
            "env",
            "str",
            default_of(ApitallyOptions, "env"),
            "Apitally environment.",
            env="APITALLY_ENV",
        ),
        opt(
            "base_url",
            "str",
            default_of(ApitallyOptions, "base_url"),
            "OTLP endpoint base URL.",
            env="APITALLY_OTLP_ENDPOINT",
        ),
        opt(
            "buffer_length",
            "int",
            default_of(ApitallyOptions, "buffer_length"),
            "Spans per POST.",
            minimum=1,
        ),
        opt(
            "timeout", "float", default_of(ApitallyOptions, "timeout_s"), TIMEOUT_HELP, minimum=0.1
        ),
        opt(
            "service_name",
            "str",
            default_of(ApitallyOptions, "service_name"),
            "The service.name resource attribute.",
        ),
    ),
    _build,
)
