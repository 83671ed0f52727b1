"""HAR import: our exports come back field by field; browser HARs load; bad files are refused."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inspector.exporters.har import write_har
from inspector.exporters.har_import import HarImportError, parse_har, read_har
from inspector.model import Body, Exchange
from inspector.store import iter_exchanges, write_batch
from inspector.testing import make_exchange
from tests.exporters.test_har import varied_exchanges


def assert_same_exchange(imported: Exchange, original: Exchange) -> None:
    """Every field equal; started_at to the microsecond HAR's timestamps carry."""
    assert abs(imported.started_at - original.started_at) < 1e-6
    for field in dataclasses.fields(Exchange):
        if field.name != "started_at":
            assert getattr(imported, field.name) == getattr(original, field.name), field.name


def test_a_har_export_reimports_to_the_same_exchanges(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    write_batch(db, varied_exchanges())
    stored = [exchange for _, exchange in iter_exchanges(db)]
    har_file = tmp_path / "out.har"
    with har_file.open("w", encoding="utf-8") as handle:
        write_har(handle, stored)
    imported = read_har(har_file)
    assert len(imported) == len(stored) == 7
    for back, original in zip(imported, stored, strict=True):
        assert_same_exchange(back, original)


def _browser_har() -> dict[str, Any]:
    """The shape Chrome and Firefox save: no `_uid`, full timings, no text for some bodies."""
    entry = {
        "startedDateTime": "2026-11-23T10:15:30.123Z",
        "time": 120.5,
        "request": {
            "method": "POST",
            "url": "https://api.example.test:8443/v1/users?page=2",
            "httpVersion": "h2",
            "cookies": [],
            "headers": [{"name": ":authority", "value": "api.example.test"}],
            "queryString": [{"name": "page", "value": "2"}],
            "postData": {
                "mimeType": "application/x-www-form-urlencoded",
                "params": [{"name": "name", "value": "Ada Lovelace"}],
            },
            "headersSize": -1,
            "bodySize": 17,
        },
        "response": {
            "status": 201,
            "statusText": "",
            "httpVersion": "h2",
            "cookies": [],
            "headers": [{"name": "content-type", "value": "application/json"}],
            "content": {"size": 18, "mimeType": "application/json", "text": '{"id": "u-1", "x":1}'},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 10,
            "_transferSize": 120,
        },
        "cache": {},
        "timings": {
            "blocked": 1.5,
            "dns": -1,
            "ssl": 2.0,
            "connect": 4.0,
            "send": 0.5,
            "wait": 100.0,
            "receive": 14.5,
        },
        "serverIPAddress": "127.0.0.1",
        "_resourceType": "fetch",
    }
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "entries": [entry, copy.deepcopy(entry)],
        }
    }


def test_a_browser_har_imports_with_derived_timings_and_stable_uids() -> None:
    text = json.dumps(_browser_har())
    first, twin = parse_har(text, source="chrome.har")
    assert (first.method, first.scheme, first.host, first.port) == (
        "POST",
        "https",
        "api.example.test",
        8443,
    )
    assert (first.path, first.query, first.http_version) == ("/v1/users", "page=2", "h2")
    assert first.status == 201 and first.duration_ms == 120.5
    assert first.ttfb_ms == pytest.approx(1.5 + 4.0 + 0.5 + 100.0)  # ssl is inside connect
    assert first.request_body.content == b"name=Ada+Lovelace"
    assert first.response_body.wire_size == 10 and first.response_body.size == 18
    assert first.consumer is None and first.error is None
    # Identical entries are two requests: both kept, and a second import yields the same uids.
    assert first.uid != twin.uid
    assert [e.uid for e in parse_har(text, source="again.har")] == [first.uid, twin.uid]


def test_a_failed_request_in_chrome_style_keeps_its_error() -> None:
    document = _browser_har()
    document["log"]["entries"][0]["response"].update(status=0, _error="net::ERR_CONNECTION_REFUSED")
    document["log"]["entries"][1]["response"].update(status=0)
    refused, silent = parse_har(json.dumps(document), source="x.har")
    assert refused.status is None and refused.error == "net::ERR_CONNECTION_REFUSED"
    assert silent.failed and silent.error == "No response was recorded"


def test_bodies_that_are_not_exact_utf8_come_back_byte_for_byte() -> None:
    latin = "café".encode("latin-1")
    cut = "naïve résumé".encode()[:-1]  # truncated inside the last character
    originals = [
        make_exchange(response_body=Body(content=latin, size=4, wire_size=4,
                                         content_type="text/plain; charset=iso-8859-1")),
        make_exchange(response_body=Body(content=cut, size=14, wire_size=14, truncated=True,
                                         content_type="text/plain")),
    ]  # fmt: skip
    out = io.StringIO()
    write_har(out, originals)
    imported = parse_har(out.getvalue(), source="x.har")
    assert [e.response_body for e in imported] == [e.response_body for e in originals]


def _exported() -> dict[str, Any]:
    out = io.StringIO()
    write_har(out, varied_exchanges())
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


_DELETE = object()
_E3: list[str | int] = ["log", "entries", 3]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set([*_E3, "request", "url"], _DELETE), r"log\.entries\[3\]\.request\.url: missing"),
        (_set([*_E3, "request", "url"], 42), r"request\.url: expected a string, got a number"),
        (_set([*_E3, "request", "url"], "/relative"), r"request\.url: '/relative' is not an abs"),
        (_set([*_E3, "startedDateTime"], "yesterday"), r"startedDateTime: 'yesterday' is not an"),
        (_set([*_E3, "startedDateTime"], "2026-11-23T10:00:00"), r"has no UTC offset"),
        (_set([*_E3, "response", "status"], "200"), r"response\.status: expected an integer"),
        (_set([*_E3, "response", "status"], 42), r"response\.status: 42 is not an HTTP status"),
        (_set([*_E3, "response", "headers"], {}), r"response\.headers: expected an array"),
        (_set([*_E3, "request", "headers", 0, "value"], None), r"headers\[0\]\.value: expected a"),
        (
            _set(["log", "entries", 2, "response", "content", "text"], "!!not base64!!"),
            r"log\.entries\[2\]\.response\.content\.text: not valid base64",
        ),
        (
            _set(["log", "entries", 2, "response", "content", "encoding"], "rot13"),
            r"unsupported encoding 'rot13'",
        ),
        (_set(["log", "entries"], {}), r"log\.entries: expected an array"),
        (_set(["log"], _DELETE), r"^x\.har: log: missing"),
        (_set([*_E3, "_consumer"], {"label": "no id"}), r"_consumer\.id: missing"),
        (_set([*_E3, "_durationMs"], "fast"), r"_durationMs: expected a number"),
    ],
)
def test_malformed_content_is_refused_naming_entry_and_field(
    mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    document = _exported()
    mutate(document)
    with pytest.raises(HarImportError, match=message) as caught:
        parse_har(json.dumps(document), source="x.har")
    assert str(caught.value).endswith("Nothing was imported.")


def test_truncated_json_is_refused_with_line_and_column() -> None:
    text = json.dumps(_exported(), indent=1)
    cut = text[: len(text) // 2]
    line = cut.count("\n") + 1
    with pytest.raises(HarImportError, match=rf"x\.har is not valid JSON: .* at line {line}, col"):
        parse_har(cut, source="x.har")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.har"
    path.write_bytes(b'{"log": "caf\xe9"}')
    with pytest.raises(
        HarImportError, match=r"latin\.har is not UTF-8 text \(the byte at offset 12"
    ):
        read_har(path)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.har"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_browser_har()).encode())
    assert len(read_har(path)) == 2
