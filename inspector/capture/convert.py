"""flow -> Exchange: the one place that reads a mitmproxy HTTP flow.

Everything downstream (rules, store, exporters) sees only the immutable `Exchange` built here.
"""

from __future__ import annotations

import dataclasses

from mitmproxy import http

from inspector.capture.bodies import BodyRecorder, record_body
from inspector.capture.clients import flow_source
from inspector.model import Body, Exchange, Headers


def _text(raw: bytes) -> str:
    """Header bytes as text: UTF-8 when valid, else Latin-1 (HTTP's historical charset).

    Never surrogate escapes, which SQLite and JSON refuse to store.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _headers(headers: http.Headers, max_bytes: int) -> Headers:
    """The header block as text, capped like a body at `max_bytes` (names and values counted).

    A server or client may send megabytes of headers; past the cap the value being stored is cut
    and ends with a note of how much was left out, and later headers are left out the same way.
    """
    fields = headers.fields
    total = sum(len(name) + len(value) for name, value in fields)
    if total <= max_bytes:
        return tuple((_text(name), _text(value)) for name, value in fields)
    kept: list[tuple[str, str]] = []
    room = max_bytes
    for index, (name, value) in enumerate(fields):
        if len(name) + len(value) <= room:
            kept.append((_text(name), _text(value)))
            room -= len(name) + len(value)
            continue
        left_out = total - (max_bytes - room)
        dropped = len(fields) - index - 1
        note = f"… [header block cut at {max_bytes:,} bytes: {left_out:,} bytes"
        note += f" and {dropped:,} more headers not stored]" if dropped else " not stored]"
        # Even a name may be huge. Cut bytes may end inside a UTF-8 character: _text falls back
        # to Latin-1 for those.
        cut_name = name[:room]
        cut_value = value[: max(0, room - len(cut_name))]
        kept.append((_text(cut_name), _text(cut_value) + note))
        break
    return tuple(kept)


def _first(headers: Headers, lowercase_name: str) -> str:
    for name, value in headers:
        if name.lower() == lowercase_name:
            return value
    return ""


def header_text(headers: http.Headers, name: str) -> str:
    """One header's value as clean text (mitmproxy's own strings carry surrogate escapes)."""
    return _text(headers.get(name, "").encode("utf-8", "surrogateescape"))


def _body(message: http.Message, headers: Headers, max_body_bytes: int) -> Body:
    if isinstance(message.stream, BodyRecorder):
        # Streamed through our recorder: mitmproxy kept no copy, the recorder has the sizes.
        return message.stream.finish()
    content_type = _first(headers, "content-type")
    raw = message.raw_content
    if raw is None:
        # Streamed by someone else (e.g. stream_large_bodies) before we could record it.
        return Body(content_type=content_type)
    return record_body(
        raw,
        content_encoding=_first(headers, "content-encoding"),
        content_type=content_type,
        max_bytes=max_body_bytes,
    )


def request_host(request: http.Request) -> str:
    """The host the client asked for: authority, else Host header, else the connection target.

    The same answer as mitmproxy's `pretty_host` at a fraction of its cost: it runs for every
    request, and mitmproxy's version validates and parses more than we need.
    """
    authority = request.data.authority
    if not authority:
        for name, value in request.headers.fields:
            if name.lower() == b"host":
                authority = value
                break
    if not authority:
        return request.host
    text = _text(authority)
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    host, _, port = text.rpartition(":")
    return host if host and port.isdigit() else text


def _address(peer: object) -> tuple[str, int | None]:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return str(peer[0]), int(peer[1])
    return "", None


def _elapsed_ms(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start) * 1000.0)


def flow_to_exchange(flow: http.HTTPFlow, *, max_body_bytes: int) -> Exchange:
    """The raw `Exchange` of a finished (or failed) HTTP flow, before any rules are applied."""
    request = flow.request
    response = flow.response
    path, _, query = request.data.path.partition(b"?")
    started_at = request.timestamp_start
    ended_at: float | None = None
    if response is not None and response.timestamp_end is not None:
        ended_at = response.timestamp_end
    elif flow.error is not None:
        ended_at = flow.error.timestamp
    client_address, client_port = _address(flow.client_conn.peername)
    server_address, server_port = _address(flow.server_conn.peername or flow.server_conn.address)
    websocket_messages: int | None = None
    websocket_bytes: int | None = None
    if flow.websocket is not None:
        websocket_messages = len(flow.websocket.messages)
        websocket_bytes = sum(len(message.content) for message in flow.websocket.messages)
    request_headers = _headers(request.headers, max_body_bytes)
    response_headers = _headers(response.headers, max_body_bytes) if response is not None else ()
    return Exchange(
        started_at=started_at,
        method=_text(request.data.method),
        scheme=request.scheme,
        host=request_host(request),
        port=request.port,
        path=_text(path) or "/",
        query=_text(query),
        http_version=request.http_version,
        request_headers=request_headers,
        request_body=_body(request, request_headers, max_body_bytes),
        status=response.status_code if response is not None else None,
        reason=_text(response.data.reason) if response is not None else "",
        response_headers=response_headers,
        response_body=(
            _body(response, response_headers, max_body_bytes) if response is not None else Body()
        ),
        duration_ms=_elapsed_ms(started_at, ended_at),
        ttfb_ms=_elapsed_ms(started_at, response.timestamp_start if response else None),
        client_address=client_address,
        client_port=client_port,
        server_address=server_address,
        server_port=server_port,
        error=flow.error.msg if flow.error is not None else None,
        websocket_messages=websocket_messages,
        websocket_bytes=websocket_bytes,
        source=flow_source(flow),
    )


# mitmproxy's advice at the end of its 502 text is for mitmproxy users, not ours.
_CONNECT_ADVICE = " If you plan to redirect requests away from this server"


def failed_connect_to_exchange(flow: http.HTTPFlow, *, max_body_bytes: int) -> Exchange:
    """A CONNECT whose server could not be reached, as a failed exchange.

    The client got a 502 from the proxy itself and never sent its request through the tunnel,
    so the CONNECT is all there is to record: the target's host and port, no status, and the
    reason as the error. The tunnel would have carried TLS but for a client's plain HTTP over
    CONNECT (rare): the scheme says https.
    """
    exchange = flow_to_exchange(flow, max_body_bytes=max_body_bytes)
    response = flow.response
    if flow.error is not None:
        reason = flow.error.msg
    elif response is not None:
        reason = (response.get_text(strict=False) or "").partition(_CONNECT_ADVICE)[0].strip()
    else:
        reason = ""
    return dataclasses.replace(
        exchange,
        scheme="https",
        path="/",
        status=None,
        reason="",
        response_headers=(),
        response_body=Body(),
        ttfb_ms=None,
        error=reason or f"the proxy could not open a tunnel to {exchange.host}:{exchange.port}",
    )
