"""HAR 1.2 export: valid files, -1 timings, UTC offsets, base64, sizes, streaming."""

from __future__ import annotations

import base64
import gzip
import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from inspector.exporters.har import HarWriter, har_entry, write_har
from inspector.model import Body, Consumer, Exchange
from inspector.testing import make_exchange
from tests.exporters.har_spec import HarSpecError, assert_valid_har

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


def varied_exchanges() -> list[Exchange]:
    """One of each shape a capture holds: JSON, form POST, binary, gzip, failed, truncated."""
    gz_text = json.dumps({"items": list(range(200))}).encode()
    return [
        make_exchange(
            consumer=Consumer("sha512-abc?1234", "Acme", "ops@acme.test", "Gold"),
            source="npm-test-07bc",  # sent by a program `inspector run` launched
        ),
        make_exchange(
            method="POST",
            path="/login",
            query="next=%2Fhome&empty=",
            request_headers=(("Host", "localhost:8000"), ("Cookie", "session=s1; theme=dark")),
            request_body=Body(
                content=b"user=ada&password=%5BREDACTED%5D",
                size=33,
                wire_size=33,
                content_type="application/x-www-form-urlencoded",
            ),
            status=302,
            reason="Found",
            response_headers=(
                ("Location", "/home"),
                ("Set-Cookie", "session=abc; Path=/; HttpOnly; Secure"),
            ),
            response_body=Body(),
        ),
        make_exchange(
            path="/avatars/7.png",
            response_headers=(("Content-Type", "image/png"),),
            response_body=Body(
                content=PNG, size=len(PNG), wire_size=len(PNG), content_type="image/png"
            ),
        ),
        make_exchange(
            path="/reports",
            response_headers=(("Content-Type", "application/json"), ("Content-Encoding", "gzip")),
            response_body=Body(
                content=gz_text,
                size=len(gz_text),
                wire_size=len(gzip.compress(gz_text)),
                content_type="application/json",
            ),
        ),
        make_exchange(
            status=None,
            reason="",
            response_headers=(),
            response_body=Body(),
            error="Connection refused",
            duration_ms=None,
            ttfb_ms=None,
        ),
        make_exchange(
            response_body=Body(
                content=b'{"big": "' + b"x" * 100,
                size=5_000_000,
                wire_size=5_000_000,
                truncated=True,
                content_type="application/json",
            ),
        ),
        make_exchange(
            method="PUT",
            request_body=Body(
                content=b"\x00\x01\x02binary",
                size=9,
                wire_size=9,
                content_type="application/octet-stream",
            ),
        ),
    ]


def export(exchanges: list[Exchange]) -> dict[str, Any]:
    out = io.StringIO()
    assert write_har(out, exchanges) == len(exchanges)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def test_every_kind_of_exchange_exports_to_a_valid_har_1_2_file() -> None:
    document = export(varied_exchanges())
    assert_valid_har(document)
    assert document["log"]["version"] == "1.2"
    assert document["log"]["creator"]["name"] == "API Inspector"
    assert len(document["log"]["entries"]) == 7


def test_the_spec_checker_rejects_what_other_tools_get_wrong() -> None:
    # The checker must be able to fail, or the test above proves nothing.
    good = export([make_exchange()])
    mutations: list[tuple[Callable[[dict[str, Any]], object], str]] = [
        (lambda e: e["timings"].__setitem__("dns", None), "timings.dns"),
        (lambda e: e.__setitem__("startedDateTime", "2026-11-23T10:00:00"), "startedDateTime"),
        (lambda e: e["request"].pop("headersSize"), "request.headersSize"),
        (lambda e: e["response"]["content"].__setitem__("extra", 1), "content.extra"),
        (lambda e: e.__setitem__("time", 99.0), "time"),
    ]
    for mutate, where in mutations:
        document = json.loads(json.dumps(good))
        mutate(document["log"]["entries"][0])
        with pytest.raises(HarSpecError, match=where.replace(".", r"\.")):
            assert_valid_har(document)


def test_timings_that_do_not_apply_are_minus_one_and_the_rest_add_up() -> None:
    entry = har_entry(make_exchange(duration_ms=80.0, ttfb_ms=30.0))
    timings = entry["timings"]
    assert [timings[k] for k in ("blocked", "dns", "connect", "ssl")] == [-1, -1, -1, -1]
    assert (timings["send"], timings["wait"], timings["receive"]) == (0, 30.0, 50.0)
    assert entry["time"] == 80.0
    failed = har_entry(make_exchange(status=None, error="timeout", duration_ms=None, ttfb_ms=None))
    assert None not in failed["timings"].values()
    assert failed["time"] == 0
    assert failed["_durationMs"] is None  # the exact value, for a lossless re-import


def test_started_date_time_is_utc_with_an_offset_whatever_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        stamp = har_entry(make_exchange(started_at=1_795_441_942.25))["startedDateTime"]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert stamp == "2026-11-23T13:52:22.250000+00:00"
    assert datetime.fromisoformat(stamp).timestamp() == 1_795_441_942.25


def test_binary_bodies_are_base64_and_text_bodies_are_text() -> None:
    entries = export(varied_exchanges())["log"]["entries"]
    png = entries[2]["response"]["content"]
    assert png["encoding"] == "base64"
    assert base64.b64decode(png["text"]) == PNG
    assert json.loads(entries[0]["response"]["content"]["text"]) == {"id": 42, "name": "Ada"}
    assert "encoding" not in entries[0]["response"]["content"]
    upload = entries[6]["request"]["postData"]
    assert upload["_encoding"] == "base64"
    assert base64.b64decode(upload["text"]) == b"\x00\x01\x02binary"


def test_sizes_tell_decoded_from_wire_and_unknown_headers_size() -> None:
    entries = export(varied_exchanges())["log"]["entries"]
    gz = entries[3]["response"]
    assert gz["content"]["size"] > gz["bodySize"] > 0
    assert gz["content"]["compression"] == gz["content"]["size"] - gz["bodySize"]
    assert gz["headersSize"] == -1
    truncated = entries[5]["response"]["content"]
    assert truncated["size"] == 5_000_000 and truncated["_truncated"] is True
    failed = entries[4]["response"]
    assert (failed["status"], failed["bodySize"], failed["_error"]) == (0, -1, "Connection refused")


def test_cookies_query_and_redirect_are_filled_for_har_readers() -> None:
    entry = export(varied_exchanges())["log"]["entries"][1]
    assert entry["request"]["cookies"] == [
        {"name": "session", "value": "s1"},
        {"name": "theme", "value": "dark"},
    ]
    assert entry["request"]["queryString"] == [
        {"name": "next", "value": "/home"},
        {"name": "empty", "value": ""},
    ]
    assert entry["response"]["cookies"] == [
        {"name": "session", "value": "abc", "path": "/", "httpOnly": True, "secure": True}
    ]
    assert entry["response"]["redirectURL"] == "/home"


def test_our_extras_travel_in_underscore_fields() -> None:
    exchange = make_exchange(
        consumer=Consumer("key-1", "Acme", "ops@acme.test", "Gold"),
        endpoint="/users/{id}",
        websocket_messages=3,
        websocket_bytes=120,
    )
    entry = har_entry(exchange)
    assert entry["_uid"] == exchange.uid
    assert entry["_consumer"] == {
        "id": "key-1",
        "label": "Acme",
        "email": "ops@acme.test",
        "group": "Gold",
    }
    assert entry["_endpoint"] == "/users/{id}"
    assert (entry["_websocketMessages"], entry["_websocketBytes"]) == (3, 120)


def test_the_writer_streams_entry_by_entry() -> None:
    out = io.StringIO()
    sizes_seen: list[int] = []

    def exchanges() -> Iterator[Exchange]:
        for _ in range(5):
            sizes_seen.append(len(out.getvalue()))
            yield make_exchange()

    write_har(out, exchanges())
    # Each entry reached the output before the next exchange was even produced.
    assert sizes_seen == sorted(sizes_seen) and len(set(sizes_seen)) == 5
    assert_valid_har(json.loads(out.getvalue()))


def test_an_empty_export_is_a_valid_file_and_a_failed_one_is_visibly_incomplete() -> None:
    assert_valid_har(export([]))
    out = io.StringIO()
    with pytest.raises(RuntimeError), HarWriter(out) as writer:
        writer.write(make_exchange())
        raise RuntimeError("disk full")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.getvalue())


@pytest.mark.capture
def test_another_implementation_reads_our_har_files() -> None:
    # mitmproxy's own HAR reader (`mitmproxy -r file.har`) as an independent consumer.
    from mitmproxy.io import FlowReader

    exchanges = varied_exchanges()
    out = io.StringIO()
    write_har(out, exchanges)
    flows = list(FlowReader(io.BytesIO(out.getvalue().encode())).stream())
    assert [flow.request.url for flow in flows] == [e.url for e in exchanges]  # type: ignore[attr-defined]
    png = flows[2].response  # type: ignore[attr-defined]
    assert png.status_code == 200 and png.content == PNG
