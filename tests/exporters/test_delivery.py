"""The delivery engine against real local servers that fail: nothing lost, nothing duplicated."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from inspector.exporters.cursors import list_cursors, load_cursor
from inspector.exporters.delivery import Deliverer, RetryPolicy, deliver, retry_after_s
from inspector.exporters.readme import ReadmeExporter, ReadmeOptions, exchange_uuid
from inspector.exporters.service import CredentialRejected, RetriesExhausted, ServiceRejected
from inspector.exporters.transport import HttpxTransport
from inspector.store import write_batch
from inspector.store.filters import compile_filter
from inspector.testing import make_exchange
from tests.exporters.service_support import FakeClock, Received, ScriptedServer

API_KEY = "rdme_secretKEY0123456789"


def _store(db: sqlite3.Connection, count: int) -> list[str]:
    exchanges = [make_exchange(consumer=f"key-{i % 3}", started_at=1.8e9 + i)
                 for i in range(count)]  # fmt: skip
    write_batch(db, exchanges)
    return [exchange_uuid(e.uid) for e in exchanges]


_transports: list[HttpxTransport] = []


@pytest.fixture(autouse=True)
def _close_transports() -> Iterator[None]:
    yield
    while _transports:
        _transports.pop().close()


def _deliverer(
    server: ScriptedServer, clock: FakeClock, *, buffer_length: int = 4, **policy: float
) -> Deliverer:
    exporter = ReadmeExporter(
        ReadmeOptions(
            api_key=API_KEY, base_url=server.url(), buffer_length=buffer_length, timeout_s=0.5
        )
    )
    _transports.append(HttpxTransport())
    return Deliverer(
        exporter, _transports[-1], policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        clock=clock.monotonic, wall_clock=clock.wall, sleep=clock.sleep,
    )  # fmt: skip


def _ids(requests: list[Received]) -> Counter[str]:
    return Counter(item["_id"] for request in requests for item in request.json())


def test_every_item_arrives_once_through_500s_drops_and_timeouts(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    expected = _store(db, 10)
    # The first batch gets through on the 4th try; the second waits past the client timeout.
    server.script = [(500, {}, b"oops"), "drop", (503, {}, b""), (200, {}, b""), "hang"]
    clock = FakeClock()
    report = deliver(db, _deliverer(server, clock))
    assert report.ok, report.error
    assert (report.sent, report.skipped, report.failed) == (10, 0, 0)
    assert _ids(server.accepted) == Counter(expected)  # each exactly once
    assert len(clock.sleeps) == 4  # 500, drop, 503, timeout
    assert load_cursor(db, report.destination) == 10


def test_backoff_grows_exponentially_with_jitter(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    _store(db, 1)
    server.script = [(502, {}, b"")] * 5
    clock = FakeClock()
    deliver(db, _deliverer(server, clock, base_delay_s=1.0, max_delay_s=100.0))
    assert len(clock.sleeps) == 5
    for attempt, slept in enumerate(clock.sleeps, start=1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling


def test_retry_after_seconds_and_http_date_are_honoured(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    _store(db, 1)
    clock = FakeClock()
    http_date = format_datetime(datetime.fromtimestamp(clock.now + 42, tz=UTC), usegmt=True)
    server.script = [
        (429, {"Retry-After": "7"}, b"slow down"),
        (503, {"Retry-After": http_date}, b""),
    ]
    report = deliver(db, _deliverer(server, clock))
    assert report.ok
    assert clock.sleeps[0] == 7.0
    assert clock.sleeps[1] == pytest.approx(42 - 7, abs=1)
    assert len(server.accepted) == 1


def test_a_rerun_sends_only_what_is_new(db: sqlite3.Connection, server: ScriptedServer) -> None:
    first = _store(db, 5)
    clock = FakeClock()
    assert deliver(db, _deliverer(server, clock)).sent == 5
    again = deliver(db, _deliverer(server, clock))
    assert (again.sent, again.examined) == (0, 0)
    second = _store(db, 3)
    third = deliver(db, _deliverer(server, clock))
    assert third.sent == 3
    assert _ids(server.accepted) == Counter(first + second)


def test_401_stops_naming_the_credential_and_keeps_the_cursor(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    _store(db, 6)
    server.script = [(200, {}, b""), (401, {}, b'{"message": "Invalid API key"}')]
    report = deliver(db, _deliverer(server, FakeClock()))
    assert isinstance(report.error, CredentialRejected)
    message = str(report.error)
    assert "README_API_KEY" in message and "Invalid API key" in message
    assert API_KEY not in message
    assert len(server.received) == 2  # no retry of a refused credential
    assert load_cursor(db, report.destination) == 4  # the first batch of 4 was delivered
    (state,) = list_cursors(db)
    assert state.state == "stopped" and "README_API_KEY" in state.message


def test_other_4xx_report_the_service_text(db: sqlite3.Connection, server: ScriptedServer) -> None:
    _store(db, 2)
    server.script = [(400, {}, b'{"error": {"reason": "entries[0].time must be a number"}}')]
    report = deliver(db, _deliverer(server, FakeClock()))
    assert isinstance(report.error, ServiceRejected)
    assert "HTTP 400" in str(report.error)
    assert "entries[0].time must be a number" in str(report.error)


def test_exhausted_retries_stop_and_a_later_run_resumes_without_duplicates(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    expected = _store(db, 10)
    server.script = [(200, {}, b""), (500, {}, b""), (500, {}, b""), (500, {}, b"")]
    clock = FakeClock()
    report = deliver(db, _deliverer(server, clock, max_attempts=3))
    assert isinstance(report.error, RetriesExhausted)
    assert "3 attempts" in str(report.error)
    assert report.sent == 4
    resumed = deliver(db, _deliverer(server, clock))
    assert resumed.ok and resumed.sent == 6
    assert _ids(server.accepted) == Counter(expected)


def test_the_retry_time_budget_bounds_one_request(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    _store(db, 1)
    server.script = [(429, {"Retry-After": "3600"}, b"")]
    clock = FakeClock()
    report = deliver(db, _deliverer(server, clock, max_total_s=60.0))
    assert isinstance(report.error, RetriesExhausted)
    assert "retry time limit" in str(report.error)
    assert clock.sleeps == []  # it did not wait an hour first


def test_filter_selects_and_resend_all_repeats_with_the_same_ids(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    write_batch(db, [make_exchange(consumer="k", status=200, started_at=1.8e9 + i)
                     for i in range(4)])  # fmt: skip
    write_batch(db, [make_exchange(consumer="k", status=500, reason="Server Error",
                                   started_at=1.8e9 + i) for i in range(3)])  # fmt: skip
    selected = compile_filter("status:5xx")
    clock = FakeClock()
    first = deliver(db, _deliverer(server, clock), selected)
    assert first.sent == 3
    statuses = {item["request"]["log"]["entries"][0]["response"]["status"]
                for request in server.accepted for item in request.json()}  # fmt: skip
    assert statuses == {500}
    ids_first = _ids(server.accepted)
    server.accepted.clear()
    again = deliver(
        db, _deliverer(server, clock), selected,
        resend_all=True, move_cursor=False,
    )  # fmt: skip
    assert again.sent == 3
    assert _ids(server.accepted) == ids_first  # same stable ids: the service can de-duplicate


def test_retry_after_parsing() -> None:
    now = 1_800_000_000.0
    assert retry_after_s("12", now) == 12.0
    assert retry_after_s("0.5", now) == 0.5
    assert retry_after_s("-3", now) == 0.0
    date = format_datetime(datetime.fromtimestamp(now + 30, tz=UTC), usegmt=True)
    assert retry_after_s(date, now) == pytest.approx(30)
    assert retry_after_s("soon", now) is None
    assert retry_after_s(None, now) is None


def test_a_long_run_of_skipped_rows_still_moves_the_cursor_and_progress(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    write_batch(db, [make_exchange(consumer=None) for _ in range(2500)])  # ReadMe skips these
    progress: list[int] = []
    deliverer = _deliverer(server, FakeClock())
    report = deliver(db, deliverer, on_progress=progress.append)
    assert (report.sent, report.skipped) == (0, 2500)
    assert progress == [1000, 1000, 500]
    assert server.received == []


def test_a_batch_too_large_for_the_service_is_split(
    db: sqlite3.Connection, server: ScriptedServer
) -> None:
    expected = _store(db, 8)
    server.default = lambda r: (413, {}, b"too big") if len(r.json()) > 2 else (200, {}, b"")
    report = deliver(db, _deliverer(server, FakeClock(), buffer_length=8))
    assert report.ok and report.sent == 8
    assert [len(r.json()) for r in server.accepted] == [2, 2, 2, 2]
    assert _ids(server.accepted) == Counter(expected)
