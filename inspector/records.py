"""The JSON object of one request, as `inspector requests --json` prints it (DESIGN section 4).
NDJSON exports and Elasticsearch documents are this object plus headers and bodies, so a field
added here reaches all three, from a stored row or from an exchange alike."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from inspector.endpoints import endpoint_template
from inspector.model import Consumer


def iso_utc(epoch_s: float | None) -> str | None:
    """`2026-11-22T10:00:00.123Z`: ISO 8601 in UTC, to the millisecond."""
    if epoch_s is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch_s, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Request(Protocol):
    """What the object is made of: a stored row (store.queries.RequestRecord) or an Exchange."""

    @property
    def started_at(self) -> float: ...
    @property
    def method(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def duration_ms(self) -> float | None: ...
    @property
    def request_bytes(self) -> int: ...
    @property
    def response_bytes(self) -> int: ...
    @property
    def response_content_type(self) -> str: ...
    @property
    def http_version(self) -> str: ...
    @property
    def consumer(self) -> Consumer | None: ...
    @property
    def endpoint(self) -> str: ...  # "" on an exchange not yet stored: derived from the path
    @property
    def user_agent(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def source(self) -> str: ...


def request_json(row_id: int | None, request: Request) -> dict[str, object]:
    """The `inspector requests --json` object; `row_id` is the exchange's id in its database."""
    consumer = request.consumer
    return {
        "id": row_id,
        "started_at": iso_utc(request.started_at),
        "started_at_epoch_s": request.started_at,
        "method": request.method,
        "scheme": request.scheme,
        "host": request.host,
        "port": request.port,
        "path": request.path,
        "query": request.query,
        "url": request.url,
        "status": request.status,
        "reason": request.reason,
        "duration_ms": request.duration_ms,
        "request_bytes": request.request_bytes,
        "response_bytes": request.response_bytes,
        "response_content_type": request.response_content_type,
        "http_version": request.http_version,
        "consumer": None if consumer is None else consumer.to_json(),
        "endpoint": request.endpoint or endpoint_template(request.path),
        "user_agent": request.user_agent,
        "error": request.error,
        "source": request.source,
    }
