"""HAR 1.2 export: one Exchange to one HAR entry, and a streaming writer for whole files.

Avoids the bugs other tools ship: timings that do not apply are -1 (never null), startedDateTime
is ISO 8601 with an explicit UTC offset whatever the locale, binary bodies are base64 with
`encoding: "base64"`, sizes that are unknown are -1. Everything HAR has no field for travels in
`_`-prefixed custom fields (allowed by the spec), so `inspector import` gets back the very same
exchange: `_uid`, `_consumer`, `_endpoint`, `_source`, `_error`, `_durationMs`, `_ttfbMs`,
addresses and ports, `_truncated` and `_size` on bodies.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any, TextIO
from urllib.parse import parse_qsl

from inspector import __version__
from inspector.model import Body, Exchange, Headers, header_values

HAR_VERSION = "1.2"
CREATOR = {"name": "API Inspector", "version": __version__}

JsonObject = dict[str, Any]

# One encoder for every entry; entries are trees we just built, so no cycle check is needed.
_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def iso_timestamp(epoch_s: float) -> str:
    """`2026-11-23T13:47:14.123456+00:00`: microseconds, explicit offset, no locale involved."""
    return datetime.fromtimestamp(epoch_s, tz=UTC).isoformat(timespec="microseconds")


@functools.lru_cache(maxsize=1024)
def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _name_values(pairs: Iterable[tuple[str, str]]) -> list[JsonObject]:
    return [{"name": name, "value": value} for name, value in pairs]


def _request_cookies(headers: Headers) -> list[JsonObject]:
    cookies: list[JsonObject] = []
    for header in header_values(headers, "cookie"):
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                cookies.append({"name": name, "value": value})
    return cookies


def _response_cookies(headers: Headers) -> list[JsonObject]:
    cookies: list[JsonObject] = []
    for header in header_values(headers, "set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            # Cookies are a convenience view for HAR readers; the header itself is kept as is.
            continue
        for name, morsel in jar.items():
            cookie: JsonObject = {"name": name, "value": morsel.value}
            for har_key, attribute in (("path", "path"), ("domain", "domain")):
                if morsel[attribute]:
                    cookie[har_key] = morsel[attribute]
            if morsel["expires"]:
                cookie["expires"] = morsel["expires"]
            if morsel["httponly"]:
                cookie["httpOnly"] = True
            if morsel["secure"]:
                cookie["secure"] = True
            cookies.append(cookie)
    return cookies


def body_text(body: Body) -> tuple[str, bool]:
    """The body as JSON-safe text, and whether that text is base64.

    Text only when its UTF-8 encoding gives back the stored bytes exactly: a body in another
    charset, or truncated inside a character, is base64, so an import restores every byte.
    """
    text = body.text
    if text is not None:
        try:
            exact = text.encode("utf-8") == body.content
        except UnicodeEncodeError:  # lone surrogates cannot be UTF-8
            exact = False
        if exact:
            return text, False
    return base64.b64encode(body.content).decode("ascii"), True


def _has_request_body(body: Body) -> bool:
    return bool(body.content or body.size or body.content_type or body.truncated)


def _post_data(body: Body) -> JsonObject:
    text, binary = body_text(body)
    post: JsonObject = {"mimeType": body.content_type, "text": text}
    if binary:
        # HAR 1.2 defines `encoding` on response content only; `_encoding` keeps postData valid.
        post["_encoding"] = "base64"
    post["_size"] = body.size
    post["_truncated"] = body.truncated
    return post


def _content(body: Body) -> JsonObject:
    content: JsonObject = {"size": body.size, "mimeType": body.content_type}
    if body.content or not body.size:
        text, binary = body_text(body)
        content["text"] = text
        if binary:
            content["encoding"] = "base64"
    saved = body.size - body.wire_size
    if saved > 0:
        content["compression"] = saved
    content["_truncated"] = body.truncated
    return content


def _timings(exchange: Exchange) -> JsonObject:
    # We measure time to first byte and total only: connection phases are not applicable (-1).
    # send + wait + receive add up to `time`, as the spec requires.
    total = exchange.duration_ms
    if total is None or total <= 0:
        wait = receive = 0.0
    else:
        wait = total if exchange.ttfb_ms is None else min(max(exchange.ttfb_ms, 0.0), total)
        receive = total - wait
    return {
        "blocked": -1,
        "dns": -1,
        "connect": -1,
        "ssl": -1,
        "send": 0,
        "wait": wait,
        "receive": receive,
    }


def har_entry(exchange: Exchange) -> JsonObject:
    """The HAR 1.2 entry for one exchange, with our extras in `_` fields."""
    request: JsonObject = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": exchange.http_version,
        "cookies": _request_cookies(exchange.request_headers),
        "headers": _name_values(exchange.request_headers),
        "queryString": _name_values(parse_qsl(exchange.query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": exchange.request_body.wire_size,
    }
    if _has_request_body(exchange.request_body):
        request["postData"] = _post_data(exchange.request_body)
    failed = exchange.status is None
    response: JsonObject = {
        "status": 0 if failed else exchange.status,
        "statusText": exchange.reason,
        "httpVersion": "" if failed else exchange.http_version,
        "cookies": _response_cookies(exchange.response_headers),
        "headers": _name_values(exchange.response_headers),
        "content": _content(exchange.response_body),
        "redirectURL": exchange.response_header("location") or "",
        "headersSize": -1,
        "bodySize": -1 if failed else exchange.response_body.wire_size,
    }
    if exchange.error is not None:
        response["_error"] = exchange.error
    consumer = exchange.consumer
    entry: JsonObject = {
        "startedDateTime": iso_timestamp(exchange.started_at),
        "time": max(exchange.duration_ms or 0.0, 0.0),
        "request": request,
        "response": response,
        "cache": {},
        "timings": _timings(exchange),
    }
    if _is_ip_address(exchange.server_address):
        entry["serverIPAddress"] = exchange.server_address
    if exchange.client_port is not None:
        entry["connection"] = str(exchange.client_port)
    entry.update(
        {
            "_uid": exchange.uid,
            "_consumer": None
            if consumer is None
            else {
                "id": consumer.id,
                "label": consumer.label,
                "email": consumer.email,
                "group": consumer.group,
            },
            "_endpoint": exchange.endpoint,
            "_error": exchange.error,
            "_durationMs": exchange.duration_ms,
            "_ttfbMs": exchange.ttfb_ms,
            "_serverAddress": exchange.server_address,
            "_clientAddress": exchange.client_address,
            "_clientPort": exchange.client_port,
            "_serverPort": exchange.server_port,
            "_websocketMessages": exchange.websocket_messages,
            "_websocketBytes": exchange.websocket_bytes,
        }
    )
    if exchange.source:
        entry["_source"] = exchange.source
    return entry


class HarWriter:
    """Writes a HAR file entry by entry, so memory stays flat whatever the number of exchanges.

    Use as a context manager: the opening of `log` is written on entry, the closing on exit.
    """

    def __init__(self, out: TextIO, *, comment: str = "") -> None:
        self._out = out
        self._comment = comment
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def __enter__(self) -> HarWriter:
        head: JsonObject = {"version": HAR_VERSION, "creator": CREATOR, "pages": []}
        if self._comment:
            head["comment"] = self._comment
        opening = json.dumps({"log": head}, ensure_ascii=False)
        # `{"log": {...}}` minus its two closing braces, then the entries array.
        self._out.write(opening[:-2] + ', "entries": [')
        return self

    def write(self, exchange: Exchange) -> None:
        separator = "\n" if self._count == 0 else ",\n"
        self._out.write(separator + _ENCODER.encode(har_entry(exchange)))
        self._count += 1

    def __exit__(self, exc_type: object, *rest: object) -> None:
        # A failed export stays visibly unterminated rather than looking complete.
        if exc_type is None:
            self._out.write("\n]}}\n")


def write_har(out: TextIO, exchanges: Iterable[Exchange]) -> int:
    """Write a complete HAR file of `exchanges`; returns how many entries were written."""
    with HarWriter(out) as writer:
        for exchange in exchanges:
            writer.write(exchange)
    return writer.count
