"""ReadMe Metrics: log items in the Python SDK's shape (hosted-apis.md 1.3), POSTed in batches.

Differences from readme-metrics 3.4.0, on purpose: `startedDateTime` is ISO 8601 with
milliseconds and Z; deny/allow lists match case-insensitively at any JSON depth and also cover
the query string and form fields, with the value "[REDACTED]" (the SDK's "[REDACTED n]" would
leak each secret's length); request bodies keep their real MIME type; nothing is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urljoin

from inspector import __version__
from inspector.config import key_list_redaction
from inspector.consumer_names import display_name
from inspector.exporters.masking import (
    REDACTED,
    fingerprint,
    masked_id,
)
from inspector.exporters.options import TIMEOUT_HELP, Destination, default_of, opt
from inspector.exporters.service import ServiceExporter
from inspector.exporters.transport import HttpRequest
from inspector.model import Body, Exchange, Headers, authority

DEFAULT_BASE_URL = "https://metrics.readme.io"
FALLBACK_GROUPS = ("none", "client-ip")
NOT_UTF8 = "[NOT VALID UTF-8]"  # what the SDK sends for a body that is not text


def exchange_uuid(uid: str) -> str:
    """The exchange's stable uid as a UUID string (ReadMe's `_id`); same uid, same id."""
    try:
        return str(uuid.UUID(hex=uid))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"api-inspector:{uid}"))


def iso_millis(epoch_s: float) -> str:
    """2026-11-22T23:35:34.123Z, whatever the locale and time zone."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _creator() -> dict[str, str]:
    comment = (
        f"{platform.machine()}-{platform.system().lower()}{platform.release()}"
        f"/{platform.python_version()}"
    )
    return {"name": "api-inspector", "version": __version__, "comment": comment}


def _authority(exchange: Exchange) -> str:
    """What a server sees as HTTP_HOST: the Host header, else host[:port]."""
    host = exchange.request_header("host")
    if host:
        return host
    return authority(exchange.scheme, exchange.host, exchange.port)


@dataclass(frozen=True, slots=True)
class ReadmeOptions:
    api_key: str
    base_url: str = DEFAULT_BASE_URL
    buffer_length: int = 10
    development: bool = False
    timeout_s: float = 3.0
    base_log_url: str = ""
    allowed_http_hosts: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()
    allowlist: tuple[str, ...] = ()
    fallback_group: str = "none"  # none: an exchange without a consumer is skipped


class ReadmeExporter(ServiceExporter):
    title = "ReadMe Metrics"
    credential_hint = "README_API_KEY (or --api-key)"
    credential_options = ("api_key",)

    def __init__(self, options: ReadmeOptions) -> None:
        self.options = options
        self.base_url = options.base_url
        self.batch_size = options.buffer_length
        self.timeout_s = options.timeout_s
        # The destination's own lists run through the same engine as capture's `[redact]`.
        self._extra_redaction = (
            key_list_redaction(options.denylist, options.allowlist)
            if options.denylist or options.allowlist
            else None
        )
        self.url = urljoin(options.base_url, "/v1/request")  # like the SDK: path replaced
        token = base64.b64encode(f"{options.api_key}:".encode()).decode("ascii")
        self._headers = (
            ("Authorization", f"Basic {token}"),
            ("Content-Type", "application/json"),
        )
        self._creator = _creator()

    @property
    def cursor_key(self) -> str:
        # A hash prefix tells two projects apart without storing anything usable as a key.
        key_tag = hashlib.sha256(self.options.api_key.encode()).hexdigest()[:8]
        return f"readme {self.options.base_url.rstrip('/')} key:{key_tag}"

    def _group(self, exchange: Exchange) -> dict[str, str] | None:
        consumer = exchange.consumer
        if consumer is not None:
            # A consumer known only by a fingerprint reads as `key …0001 (3kF9aQ)`.
            label = display_name(consumer.id, consumer.label)
            return {"label": label, "email": consumer.email, "id": masked_id(consumer.id)}
        if self.options.fallback_group == "client-ip" and exchange.client_address:
            ip = exchange.client_address
            return {"label": f"client {ip}", "email": "", "id": fingerprint(ip)}
        return None

    def prepare(self, exchange: Exchange) -> dict[str, Any] | None:
        if exchange.status is None:
            return None  # no response to log: ReadMe's request log needs one
        if self.options.allowed_http_hosts and (
            _authority(exchange) not in self.options.allowed_http_hosts
        ):
            return None
        group = self._group(exchange)
        if group is None:
            return None
        if self._extra_redaction is not None:
            exchange = self._extra_redaction(exchange)
        item_id = exchange_uuid(exchange.uid)
        return {
            "_id": item_id,
            "group": group,
            "clientIPAddress": exchange.client_address,
            "development": self.options.development,
            "request": {"log": {"creator": self._creator, "entries": [self._entry(exchange)]}},
        }

    def _headers_list(self, headers: Headers, *, request: bool) -> list[dict[str, str]]:
        out = []
        for name, value in headers:
            if request and name.lower() == "authorization" and value != REDACTED:
                value = masked_id(value)  # the SDK's masking: the dashboard shows the last 4
            out.append({"name": name, "value": value})
        return out

    def _body_text(self, body: Body) -> str:
        text = body.text
        if text is None:
            return NOT_UTF8
        return text

    def _entry(self, exchange: Exchange) -> dict[str, Any]:
        url = exchange.url
        query = parse_qsl(exchange.query, keep_blank_values=True)
        request: dict[str, Any] = {
            "method": exchange.method,
            "url": url,
            "httpVersion": exchange.http_version or "HTTP/1.1",
            "headers": self._headers_list(exchange.request_headers, request=True),
            "headersSize": -1,
            "queryString": [{"name": k, "value": v} for k, v in query],
            "cookies": [],
            "bodySize": -1,
        }
        req_body = exchange.request_body
        if req_body.content or req_body.size:
            mime = req_body.content_type
            if req_body.media_type == "application/x-www-form-urlencoded" and req_body.text:
                params = parse_qsl(req_body.text, keep_blank_values=True)
                request["postData"] = {
                    "mimeType": mime,
                    "params": [{"name": k, "value": v} for k, v in params],
                }
            else:
                request["postData"] = {"mimeType": mime, "text": self._body_text(req_body)}
        status = exchange.status or 0
        response_headers = self._headers_list(exchange.response_headers, request=False)
        if self.options.base_log_url:
            response_headers.append(
                {
                    "name": "x-documentation-url",
                    "value": f"{self.options.base_log_url.rstrip('/')}/logs/"
                    f"{exchange_uuid(exchange.uid)}",
                }
            )
        resp_body = exchange.response_body
        try:
            status_text = exchange.reason or HTTPStatus(status).phrase
        except ValueError:
            status_text = ""
        return {
            "pageref": url,
            "startedDateTime": iso_millis(exchange.started_at),
            "time": round(exchange.duration_ms or 0),
            "request": request,
            "response": {
                "status": status,
                "statusText": status_text,
                "headers": response_headers,
                "headersSize": -1,
                # As transferred (compressed), like the SDK's Content-Length; content.size is
                # the decoded length, as HAR defines them.
                "bodySize": resp_body.wire_size or resp_body.size,
                "content": {
                    "text": self._body_text(resp_body) if resp_body.size else "",
                    "size": resp_body.size,
                    "mimeType": resp_body.content_type,
                },
            },
        }

    def requests_for(self, items: Sequence[dict[str, Any]]) -> list[HttpRequest]:
        body = json.dumps(list(items), ensure_ascii=False, separators=(",", ":")).encode()
        return [HttpRequest("POST", self.url, self._headers, body)]


# The destination: its options (flags, config keys, variables) and how they build it.
def _build(values: dict[str, Any]) -> ServiceExporter:
    return ReadmeExporter(
        ReadmeOptions(
            api_key=values["api_key"], base_url=values["base_url"],
            buffer_length=values["buffer_length"], development=values["development"],
            timeout_s=values["timeout"], base_log_url=values["base_log_url"],
            allowed_http_hosts=tuple(values["allowed_http_hosts"]),
            denylist=tuple(values["denylist"]), allowlist=tuple(values["allowlist"]),
            fallback_group=values["fallback_group"],
        )
    )  # fmt: skip


DESTINATION = Destination(
    "readme",
    "ReadMe Metrics",
    "Send exchanges to ReadMe Metrics (API logs).",
    (
        opt(
            "api_key",
            "str",
            "",
            "ReadMe API key.",
            env="README_API_KEY",
            secret=True,
            required=True,
        ),
        opt(
            "base_url",
            "str",
            default_of(ReadmeOptions, "base_url"),
            "Metrics API base URL.",
            env="README_METRICS_SERVER",
        ),
        opt(
            "buffer_length",
            "int",
            default_of(ReadmeOptions, "buffer_length"),
            "Log items per POST.",
            minimum=1,
        ),
        opt(
            "development",
            "bool",
            default_of(ReadmeOptions, "development"),
            "Mark the logs as development traffic.",
        ),
        opt("timeout", "float", default_of(ReadmeOptions, "timeout_s"), TIMEOUT_HELP, minimum=0.1),
        opt(
            "base_log_url",
            "str",
            default_of(ReadmeOptions, "base_log_url"),
            "Adds x-documentation-url = BASE/logs/<id> to each logged response.",
        ),
        opt(
            "allowed_http_hosts",
            "list",
            default_of(ReadmeOptions, "allowed_http_hosts"),
            "Send only exchanges whose Host is one of these (host or host:port).",
        ),
        opt(
            "denylist",
            "list",
            default_of(ReadmeOptions, "denylist"),
            "Keys to redact (headers, query, form, JSON).",
        ),
        opt(
            "allowlist",
            "list",
            default_of(ReadmeOptions, "allowlist"),
            "Keys to keep; all others are redacted.",
        ),
        opt(
            "fallback_group",
            "choice",
            default_of(ReadmeOptions, "fallback_group"),
            "Grouping for exchanges without a consumer: skip them (none) or group by "
            "client IP address.",
            choices=("none", "client-ip"),
        ),
    ),
    _build,
)
