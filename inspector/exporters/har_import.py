"""Reading HAR files back into Exchanges: parse and validate everything, or refuse the file.

Accepts our own exports (whose `_` fields restore every detail) and HAR files from browsers and
other tools. Any problem is reported with its position: the JSON line and column for syntax, or
the entry and field path (`log.entries[3].request.url: missing`) for content. Nothing is returned
unless the whole file is valid, so an import is all or nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from inspector.errors import InspectorError
from inspector.model import DEFAULT_PORTS, Body, Consumer, Exchange

# Phases before the first response byte; `ssl` is already part of `connect` (HAR 1.2).
_TTFB_PHASES = ("blocked", "dns", "connect", "send", "wait")


class HarImportError(InspectorError):
    """A HAR file that cannot be imported; the message names the file and the position."""


_MIN_INTEGER, _MAX_INTEGER = -(2**63), 2**63 - 1


class _Fields:
    """A JSON object with its path in the document, so every error can say where it is."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(path or "the document", f"expected an object, got {_kind(value)}")
        self.data: dict[str, Any] = value
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise _Invalid(self.at(key), "missing")
        return self.data[key]

    def obj(self, key: str) -> _Fields:
        return _Fields(self.raw(key), self.at(key))

    def text(self, key: str, default: str | None = None) -> str:
        if default is not None and not self.has(key):
            return default
        value = self.raw(key)
        if not isinstance(value, str):
            raise _Invalid(self.at(key), f"expected a string, got {_kind(value)}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        if default is not None and not self.has(key):
            return default
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(self.at(key), f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise _Invalid(self.at(key), "expected a finite number")
        return number

    def integer(self, key: str, default: int | None = None) -> int:
        if default is not None and not self.has(key):
            return default
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(self.at(key), f"expected an integer, got {_kind(value)}")
        if not _MIN_INTEGER <= value <= _MAX_INTEGER:
            # SQLite stores 64-bit integers; a larger one would fail the import half-way.
            raise _Invalid(self.at(key), "expected an integer that fits in 64 bits")
        return value

    def optional_number(self, key: str) -> float | None:
        return self.number(key) if self.has(key) else None

    def optional_integer(self, key: str) -> int | None:
        return self.integer(key) if self.has(key) else None

    def items(self, key: str) -> list[Any]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise _Invalid(self.at(key), f"expected an array, got {_kind(value)}")
        return value


class _Invalid(Exception):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _headers(fields: _Fields, key: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for index, item in enumerate(fields.items(key)):
        header = _Fields(item, f"{fields.at(key)}[{index}]")
        pairs.append((header.text("name"), header.text("value")))
    return tuple(pairs)


def _started_at(entry: _Fields) -> float:
    text = entry.text("startedDateTime")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(entry.at("startedDateTime"), f"{text!r} is not an ISO 8601 date") from None
    if moment.tzinfo is None:
        raise _Invalid(entry.at("startedDateTime"), f"{text!r} has no UTC offset")
    return moment.timestamp()


def _decode(fields: _Fields, text_key: str, encoding_keys: tuple[str, ...]) -> bytes:
    text = fields.text(text_key, default="")
    encoding = ""
    for key in encoding_keys:
        if fields.has(key):
            encoding = fields.text(key)
            break
    if not encoding:
        return text.encode("utf-8", errors="surrogatepass")
    if encoding.lower() != "base64":
        raise _Invalid(fields.at(encoding_keys[0]), f"unsupported encoding {encoding!r}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _Invalid(fields.at(text_key), "not valid base64") from None


def _request_body(request: _Fields) -> Body:
    if not request.has("postData"):
        return Body()
    post = request.obj("postData")
    content_type = post.text("mimeType", default="")
    if post.has("text"):
        content = _decode(post, "text", ("_encoding", "encoding"))
    elif post.has("params"):
        params = []
        for index, item in enumerate(post.items("params")):
            param = _Fields(item, f"{post.at('params')}[{index}]")
            params.append((param.text("name"), param.text("value", default="")))
        content = urlencode(params).encode()
    else:
        content = b""
    size = post.integer("_size", default=len(content))
    wire = request.integer("bodySize", default=-1)
    return Body(
        content=content,
        size=size,
        wire_size=wire if wire >= 0 else size,
        truncated=_flag(post, "_truncated"),
        content_type=content_type,
    )


def _response_body(response: _Fields) -> Body:
    content_fields = response.obj("content")
    content = _decode(content_fields, "text", ("encoding",))
    size = content_fields.integer("size")
    if size < 0:
        size = len(content)
    wire = response.integer("bodySize", default=-1)
    if wire < 0:
        wire = size - content_fields.integer("compression", default=0)
    return Body(
        content=content,
        size=size,
        wire_size=max(wire, 0),
        truncated=_flag(content_fields, "_truncated"),
        content_type=content_fields.text("mimeType", default=""),
    )


def _flag(fields: _Fields, key: str) -> bool:
    if not fields.has(key):
        return False
    value = fields.raw(key)
    if not isinstance(value, bool):
        raise _Invalid(fields.at(key), f"expected true or false, got {_kind(value)}")
    return value


def _url_parts(request: _Fields) -> tuple[str, str, int, str, str]:
    url = request.text("url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _Invalid(request.at("url"), f"{url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise _Invalid(request.at("url"), f"{url!r} is not an absolute http(s) or ws(s) URL")
    return scheme, parts.hostname, port or DEFAULT_PORTS[scheme], parts.path or "/", parts.query


def _consumer(entry: _Fields) -> Consumer | None:
    if not entry.has("_consumer"):
        return None
    fields = entry.obj("_consumer")
    return Consumer(
        id=fields.text("id"),
        label=fields.text("label", default=""),
        email=fields.text("email", default=""),
        group=fields.text("group", default=""),
    )


def _timing_ms(entry: _Fields) -> tuple[float | None, float | None]:
    """(duration, time to first byte): our exact values when present, else from HAR timings."""
    if "_durationMs" in entry.data or "_ttfbMs" in entry.data:
        return entry.optional_number("_durationMs"), entry.optional_number("_ttfbMs")
    duration = entry.number("time")
    if not entry.has("timings"):
        return duration, None
    timings = entry.obj("timings")
    phases = [timings.number(phase, default=-1.0) for phase in _TTFB_PHASES]
    return duration, sum(phase for phase in phases if phase > 0)


def _websocket(entry: _Fields) -> tuple[int | None, int | None]:
    if entry.has("_webSocketMessages"):
        # Chrome lists the frames themselves; we keep their count and size.
        frames = entry.items("_webSocketMessages")
        size = sum(len(str(f.get("data", ""))) for f in frames if isinstance(f, Mapping))
        return len(frames), size
    return entry.optional_integer("_websocketMessages"), entry.optional_integer("_websocketBytes")


def _error(entry: _Fields, response: _Fields, status: int) -> str | None:
    if "_error" in entry.data:
        return entry.text("_error") if entry.has("_error") else None
    if response.has("_error") and response.text("_error"):
        return response.text("_error")
    # Status 0 is how HAR writers say "no response"; a failure needs a reason to show.
    return "No response was recorded" if status == 0 else None


def _exchange(entry: _Fields, uid: str) -> Exchange:
    started_at = _started_at(entry)  # checked in the order the spec lists the fields
    request = entry.obj("request")
    response = entry.obj("response")
    method = request.text("method")
    if not method:
        raise _Invalid(request.at("method"), "empty")
    scheme, host, port, path, query = _url_parts(request)
    status = response.integer("status")
    if status != 0 and not 100 <= status <= 999:
        raise _Invalid(response.at("status"), f"{status} is not an HTTP status")
    duration_ms, ttfb_ms = _timing_ms(entry)
    messages, websocket_bytes = _websocket(entry)
    server_address = entry.text("_serverAddress", default="") or entry.text(
        "serverIPAddress", default=""
    )
    connection = entry.text("connection", default="")
    return Exchange(
        uid=uid,
        started_at=started_at,
        method=method,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        query=query,
        http_version=request.text("httpVersion", default="") or "HTTP/1.1",
        request_headers=_headers(request, "headers"),
        request_body=_request_body(request),
        status=status or None,
        reason=response.text("statusText", default=""),
        response_headers=_headers(response, "headers"),
        response_body=_response_body(response),
        duration_ms=duration_ms,
        ttfb_ms=ttfb_ms,
        client_address=entry.text("_clientAddress", default=""),
        client_port=entry.optional_integer("_clientPort")
        if "_clientPort" in entry.data
        else (int(connection) if connection.isdigit() else None),
        server_address=server_address,
        server_port=entry.optional_integer("_serverPort")
        if "_serverPort" in entry.data
        else (port if server_address else None),
        error=_error(entry, response, status),
        websocket_messages=messages,
        websocket_bytes=websocket_bytes,
        consumer=_consumer(entry),
        endpoint=entry.text("_endpoint", default=""),
        source=entry.text("_source", default=""),
    )


def _uid(entry: _Fields, seen: Counter[str]) -> str:
    """Our own uid, or one derived from the entry's content, so a re-import never duplicates."""
    if entry.has("_uid"):
        uid = entry.text("_uid")
        if not uid or len(uid) > 128:
            raise _Invalid(entry.at("_uid"), "must be a non-empty string of at most 128 characters")
        return uid
    digest = hashlib.sha256(json.dumps(entry.data, sort_keys=True).encode()).hexdigest()[:32]
    seen[digest] += 1
    # Identical entries in one file are distinct requests: number them to keep both.
    return digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def parse_har(text: str, *, source: str) -> list[Exchange]:
    """Every entry of a HAR document as an Exchange; raises HarImportError naming the position."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HarImportError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise HarImportError(f"{source} is nested too deeply to be a HAR file.") from None
    del text  # a large file's text is not needed any more (the caller holds no other reference)
    seen: Counter[str] = Counter()
    exchanges = []
    try:
        log = _Fields(document, "").obj("log")
        version = log.text("version", default="1.2")
        if not version.startswith("1."):
            raise _Invalid(log.at("version"), f"HAR version {version!r} is not supported")
        entries = log.items("entries")
        for index in range(len(entries)):
            entry = _Fields(entries[index], f"log.entries[{index}]")
            exchanges.append(_exchange(entry, _uid(entry, seen)))
            # Release each parsed entry once converted: the JSON tree is several times larger
            # than the Exchanges, so peak memory stays near the size of the parsed document.
            entries[index] = None
    except _Invalid as exc:
        raise HarImportError(f"{source}: {exc}. Nothing was imported.") from None
    return exchanges


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HarImportError(
            f"{path} is not UTF-8 text (the byte at offset {exc.start} is invalid), "
            "so it is not a HAR file."
        ) from None


def read_har(path: Path) -> list[Exchange]:
    """Parse a HAR file (UTF-8, with or without a byte order mark)."""
    # No local name keeps the text, so parse_har can free it once parsed.
    return parse_har(_read_text(path), source=str(path))
