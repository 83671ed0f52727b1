"""What the agent's tools answer, read from a real capture file: pages, bodies by offset, windows,
and errors that start with the argument at fault."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from inspector.agent.answers import MAX_BODY_CHARS, AgentInputError, Capture
from inspector.config.fingerprint import fingerprint
from inspector.errors import InspectorError
from inspector.model import Body, Consumer
from inspector.store import write_batch
from inspector.testing import make_exchange

ACME = Consumer(id="key-acme", label="Acme Corp")


def _body(content: bytes, content_type: str) -> Body:
    return Body(content=content, size=len(content), wire_size=len(content),
                content_type=content_type)  # fmt: skip


def _ids(db: sqlite3.Connection, count: int) -> list[int]:
    """`count` exchanges of GET /users/N, one a second up to now."""
    now = time.time()
    return write_batch(db, [make_exchange(started_at=now - count + n, path=f"/users/{n}")
                            for n in range(count)])  # fmt: skip


def _error(call: Callable[[], object]) -> str:
    with pytest.raises(AgentInputError) as caught:
        call()
    return str(caught.value)


def test_a_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(InspectorError, match="does not exist: pass the --db of a capture"):
        Capture(missing)
    assert not missing.exists()


def test_a_file_that_is_no_capture_is_refused_at_start(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 100)
    with pytest.raises(InspectorError, match=r"notes\.db"):
        Capture(notes)


def test_requests_page_newest_first_by_cursor_to_the_end(
    db: sqlite3.Connection, db_path: Path
) -> None:
    written = _ids(db, 45)
    capture = Capture(db_path)
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        page = capture.requests("", 20, cursor)
        seen += [row["id"] for row in page["rows"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and seen == sorted(written, reverse=True)
    first = capture.requests("path:/users/44", 5, "")["rows"]
    assert [(row["method"], row["status"], row["endpoint"]) for row in first] == [
        ("GET", 200, "/users/{id}")
    ]
    assert first[0]["url"] == "http://localhost:8000/users/44"


def test_an_exact_page_has_no_cursor_for_an_empty_next_one(
    db: sqlite3.Connection, db_path: Path
) -> None:
    _ids(db, 20)
    assert Capture(db_path).requests("", 20, "")["next_cursor"] == ""
    assert Capture(db_path).requests("", 19, "")["next_cursor"] != ""


def test_rows_written_after_start_are_seen(db: sqlite3.Connection, db_path: Path) -> None:
    capture = Capture(db_path)
    assert capture.requests("", 10, "")["rows"] == []
    _ids(db, 3)
    assert len(capture.requests("", 10, "")["rows"]) == 3


def test_bad_arguments_name_themselves_first(db: sqlite3.Connection, db_path: Path) -> None:
    _ids(db, 1)
    capture = Capture(db_path)
    assert _error(lambda: capture.requests("", 0, "")) == "limit: 0 is outside 1..200"
    assert _error(lambda: capture.endpoints("", 201)) == "limit: 201 is outside 1..200"
    assert _error(lambda: capture.requests("", 5, "nonsense!")).startswith(
        "cursor: 'nonsense!' is not a cursor"
    )
    bad_filter = _error(lambda: capture.stats("status:>>5"))
    assert bad_filter.startswith("filter: ") and "'status:>>5'" in bad_filter
    assert _error(lambda: capture.whats_wrong(0)) == "minutes: 0 is outside 1..10080"
    assert _error(lambda: capture.exchange(1, "headers", 0, 10)).startswith("part: 'headers'")
    assert _error(lambda: capture.exchange(999, "summary", 0, 10)) == (
        f"id: no exchange 999 in {db_path}"
    )
    too_long = _error(lambda: capture.exchange(1, "summary", 0, MAX_BODY_CHARS + 1))
    assert too_long == f"length: {MAX_BODY_CHARS + 1} is outside 1..{MAX_BODY_CHARS}"


def test_the_summary_names_the_consumer_and_counts_redacted_values(
    db: sqlite3.Connection, db_path: Path
) -> None:
    [exchange_id] = write_batch(db, [make_exchange(
        query="token=[REDACTED]", consumer=ACME,
        request_headers=(("Authorization", "[REDACTED]"), ("X-Note", "a [REDACTED] b [REDACTED]")),
        request_body=_body(b"\x89PNG\r\n\x1a\n", "image/png"),
    )])  # fmt: skip
    summary = Capture(db_path).exchange(exchange_id, "summary", 0, 10)
    assert summary["consumer"] == "Acme Corp"
    assert summary["redacted_values"] == 4  # three in headers, one in the URL
    assert ["Authorization", "[REDACTED]"] in summary["request_headers"]
    assert summary["request_body"] == {
        "content_type": "image/png",
        "size": 8,
        "stored": 8,
        "binary": True,
        "truncated_when_captured": False,
    }
    assert summary["response_body"]["binary"] is False


def test_a_body_is_read_in_characters_by_offset_to_its_end(
    db: sqlite3.Connection, db_path: Path
) -> None:
    text = "é" * 5000 + "[REDACTED]" + "ü" * 5000  # two bytes each: offsets count characters
    [exchange_id] = write_batch(db, [make_exchange(
        response_body=_body(text.encode(), "text/plain; charset=utf-8"))])  # fmt: skip
    capture = Capture(db_path)
    first = capture.exchange(exchange_id, "response_body", 0, 4000)
    assert first["text"] == "é" * 4000 and first["total_chars"] == 10010
    assert first["next_offset"] == 4000 and first["redacted_in_chunk"] == 0
    middle = capture.exchange(exchange_id, "response_body", 4000, 4000)
    assert middle["redacted_in_chunk"] == 1 and middle["next_offset"] == 8000
    last = capture.exchange(exchange_id, "response_body", 8000, 4000)
    assert last["text"] == "ü" * 2010 and last["next_offset"] is None
    assert _error(lambda: capture.exchange(exchange_id, "response_body", 10011, 10)) == (
        "offset: 10011 is past the end (10010 characters)"
    )


def test_an_empty_body_reads_as_empty_and_a_binary_one_says_what_it_is(
    db: sqlite3.Connection, db_path: Path
) -> None:
    [exchange_id] = write_batch(db, [make_exchange(
        response_body=_body(bytes(range(256)), "application/octet-stream"))])  # fmt: skip
    capture = Capture(db_path)
    empty = capture.exchange(exchange_id, "request_body", 0, 100)
    assert empty["text"] == "" and empty["total_chars"] == 0 and empty["next_offset"] is None
    assert _error(lambda: capture.exchange(exchange_id, "response_body", 0, 100)) == (
        f"part: the response body of {exchange_id} is binary (application/octet-stream, 256 bytes)"
    )


def test_stats_and_endpoints_are_cut_to_fit_a_context(
    db: sqlite3.Connection, db_path: Path
) -> None:
    now = time.time()
    write_batch(db, [make_exchange(started_at=now, path=f"/r{n}", endpoint=f"/r{n}")
                     for n in range(25)])  # fmt: skip
    capture = Capture(db_path)
    stats = capture.stats("")
    assert stats["requests"] == 25
    assert len(stats["endpoints"]) == 20 and stats["endpoints_not_shown"] == 5
    endpoints = capture.endpoints("", 3)
    assert len(endpoints["endpoints"]) == 3 and endpoints["total"] == 25
    assert capture.stats("path:/r24")["requests"] == 1


def test_consumers_are_listed_by_their_readable_name(db: sqlite3.Connection, db_path: Path) -> None:
    write_batch(db, [make_exchange(consumer=ACME), make_exchange(consumer=ACME),
                     make_exchange(consumer=fingerprint("key-initech-0001"))])  # fmt: skip
    answer = Capture(db_path).consumers("", 10)
    assert answer["total"] == 2
    assert answer["consumers"][0]["name"] == "Acme Corp"
    assert answer["consumers"][0]["requests"] == 2
    assert answer["consumers"][1]["name"].startswith("key …0001")


def test_compare_two_windows_and_refuse_an_empty_or_missing_one(
    db: sqlite3.Connection, db_path: Path
) -> None:
    now = time.time()
    write_batch(db, [
        *(make_exchange(started_at=now - 7200 + n, path="/users/1") for n in range(10)),
        *(make_exchange(started_at=now - 60 + n, path="/users/1") for n in range(10)),
        *(make_exchange(started_at=now - 60 + n, path="/v2/items", endpoint="/v2/items")
          for n in range(10)),
    ])  # fmt: skip
    capture = Capture(db_path)
    report = capture.compare("since:3h until:1h", "since:1h", "")
    assert report["base"]["requests"] == 10 and report["head"]["requests"] == 20
    assert report["new_endpoints"] == ["GET /v2/items"]
    narrowed = capture.compare("since:3h until:1h", "since:1h", "path:/users")
    assert narrowed["head"]["requests"] == 10 and narrowed["new_endpoints"] == []
    assert _error(lambda: capture.compare("", "since:1h", "")).startswith("base_filter: give")
    assert _error(lambda: capture.compare("since:1h", "", "")).startswith("head_filter: give")
    assert _error(lambda: capture.compare("since:1h", "method:DELETE", "")) == (
        "head_filter: 'method:DELETE' selects no exchanges"
    )
    assert _error(lambda: capture.compare("since:1h", "status:>>", "")).startswith("head_filter: ")


def test_whats_wrong_reads_only_the_last_minutes(db: sqlite3.Connection, db_path: Path) -> None:
    now = time.time()
    write_batch(db, [
        # An old outage is history, not what is wrong now.
        *(make_exchange(started_at=now - 3600, path="/old", status=500) for _ in range(5)),
        *(make_exchange(started_at=now - 30, path="/fast", duration_ms=5.0) for _ in range(8)),
        *(make_exchange(started_at=now - 20, path="/slow", duration_ms=900.0, consumer=ACME)
          for _ in range(3)),
        make_exchange(started_at=now - 10, path="/slow", status=503, consumer=ACME),
    ])  # fmt: skip
    wrong = Capture(db_path).whats_wrong(10)
    assert wrong["window_minutes"] == 10
    assert wrong["requests"] == 12 and wrong["errors"] == 1 and wrong["error_rate"] == 0.0833
    assert wrong["errors_by_endpoint"] == [{"endpoint": "GET /slow", "errors": 1}]
    assert wrong["errors_by_consumer"] == [{"consumer": "Acme Corp", "errors": 1}]
    assert [e["endpoint"] for e in wrong["slowest_endpoints"]] == ["GET /slow", "GET /fast"]
    assert [row["status"] for row in wrong["latest_errors"]] == [503]


def test_whats_wrong_on_an_empty_capture_divides_by_nothing(
    db: sqlite3.Connection, db_path: Path
) -> None:
    wrong = Capture(db_path).whats_wrong(15)
    assert wrong["requests"] == 0 and wrong["error_rate"] == 0 and wrong["latest_errors"] == []
