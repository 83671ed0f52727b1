"""The immutable records core code speaks in: Exchange, Body, Consumer. No I/O here."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field

# Header lists keep order and repeats, exactly as they crossed the wire.
Headers = tuple[tuple[str, str], ...]

# Content types whose bodies are text even without a charset parameter.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "application/x-ndjson",
)
_TEXT_SUFFIXES = ("+json", "+xml")


# The port a scheme implies, so that URLs and hosts leave it out.
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def authority(scheme: str, host: str, port: int) -> str:
    """`host` on the scheme's default port, `host:port` otherwise; IPv6 in brackets."""
    name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return name if port == DEFAULT_PORTS.get(scheme) else f"{name}:{port}"


def header_values(headers: Headers, name: str) -> list[str]:
    """All values of a header, case-insensitively, in wire order."""
    wanted = name.lower()
    return [value for key, value in headers if key.lower() == wanted]


def first_header(headers: Headers, name: str) -> str | None:
    values = header_values(headers, name)
    return values[0] if values else None


def media_type(content_type: str) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return content_type.split(";", 1)[0].strip().lower()


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value:
            return value.strip().strip('"')
    return None


@dataclass(frozen=True, slots=True)
class Body:
    """A message body after content decoding (gzip, br, ...), possibly truncated."""

    content: bytes = b""
    # Full decoded size, even when `content` was truncated to max_body_bytes.
    size: int = 0
    # Size as it crossed the wire, before content decoding.
    wire_size: int = 0
    truncated: bool = False
    content_type: str = ""
    # Decoding was given up as a compression bomb (see capture.bodies.BOMB_RATIO): `content` is
    # the decoded start and `size` a lower bound of the decoded size.
    decoding_stopped: bool = False

    @property
    def media_type(self) -> str:
        return media_type(self.content_type)

    @property
    def is_text(self) -> bool:
        """True when the body is meant to be read as text and decodes as such."""
        return self.text is not None

    @property
    def text(self) -> str | None:
        """The body as text, or None for binary content (never sent to text search)."""
        if not self.content:
            return "" if not self.size else None
        mtype = self.media_type
        declared_text = mtype.startswith(_TEXT_TYPES) or mtype.endswith(_TEXT_SUFFIXES)
        if not declared_text and mtype:
            return None
        charset = _charset(self.content_type) or "utf-8"
        try:
            text = self.content.decode(charset)
        except (UnicodeDecodeError, LookupError):
            # A truncated body may end inside a multi-byte character: retry without the tail.
            if not self.truncated:
                return None
            try:
                text = self.content[:-3].decode(charset, errors="strict")
            except (UnicodeDecodeError, LookupError):
                return None
        if not mtype and "\x00" in text:
            return None
        return text


@dataclass(frozen=True, slots=True)
class Consumer:
    """Who made a request. `id` is a fingerprint when it was drawn from a credential."""

    id: str
    label: str = ""
    email: str = ""
    group: str = ""
    # Its row in the capture database, when read from one (not part of who it is).
    row_id: int | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, object]:
        """The `consumer` object of `inspector requests --json` and NDJSON exports."""
        return {"id": self.id, "label": self.label, "email": self.email, "group": self.group,
                "row_id": self.row_id}  # fmt: skip


def new_uid() -> str:
    """A stable id for an exchange, so that exports and retries never duplicate it.

    A UUIDv7 as 32 hex digits: time-ordered, so the database's unique index on it grows at its
    end instead of touching random pages (which halved the write rate at a million rows).
    """
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return f"{value:032x}"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its response (or its failure), as captured."""

    started_at: float  # epoch seconds, UTC
    method: str
    scheme: str
    host: str
    port: int
    path: str
    query: str = ""  # raw query string without the leading "?"
    uid: str = field(default_factory=new_uid)
    http_version: str = "HTTP/1.1"
    request_headers: Headers = ()
    request_body: Body = field(default_factory=Body)
    status: int | None = None  # None when no response arrived
    reason: str = ""
    response_headers: Headers = ()
    response_body: Body = field(default_factory=Body)
    duration_ms: float | None = None
    ttfb_ms: float | None = None
    client_address: str = ""
    client_port: int | None = None
    server_address: str = ""
    server_port: int | None = None
    error: str | None = None  # why the exchange failed, e.g. "Connection refused"
    websocket_messages: int | None = None
    websocket_bytes: int | None = None
    consumer: Consumer | None = None
    endpoint: str = ""  # path template, e.g. /users/{id}; empty means "derive from path"
    source: str = ""  # the launched program that sent it (`inspector run`, Intercept); "" unknown

    @property
    def url(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{authority(self.scheme, self.host, self.port)}{self.path}{query}"

    @property
    def user_agent(self) -> str:
        return first_header(self.request_headers, "user-agent") or ""

    @property
    def request_bytes(self) -> int:
        return self.request_body.size

    @property
    def response_bytes(self) -> int:
        return self.response_body.size

    @property
    def response_content_type(self) -> str:
        return self.response_body.content_type

    @property
    def failed(self) -> bool:
        return self.error is not None and self.status is None

    @property
    def is_error(self) -> bool:
        """Counts towards error rates: HTTP status >= 400 or no response at all."""
        return self.status is None or self.status >= 400

    def request_header(self, name: str) -> str | None:
        return first_header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return first_header(self.response_headers, name)

    def replace(self, **changes: object) -> Exchange:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
