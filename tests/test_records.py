"""One JSON object per request, whether it is built from a stored row (`inspector requests --json`)
or from an exchange on its way to a file or a service."""

from __future__ import annotations

import json
import sqlite3

import pytest

from inspector.exporters.ndjson import exchange_record
from inspector.model import Body, Consumer
from inspector.records import iso_utc, request_json
from inspector.store import write_batch
from inspector.store.queries import list_requests
from inspector.store.selection import Selection
from inspector.testing import make_exchange

_EXCHANGES = [
    make_exchange(path="/users/42", query="expand=orders&q=%C3%A9", status=201, reason="Created",
                  consumer=Consumer("acme", label="Acme", email="ops@acme.test", group="paid"),
                  request_json={"name": "Zoë"}, started_at=1_764_000_000.123_456),
    make_exchange(host="::1", port=8443, scheme="https", path="/", status=None, duration_ms=None,
                  error="Connection refused", started_at=1_764_000_001.0),
    make_exchange(path="/img", response_body=Body(content=b"\x89PNG", size=4, wire_size=4,
                                                  content_type="image/png"), started_at=0.0),
]  # fmt: skip


def test_a_stored_row_and_its_exchange_give_the_same_object(db: sqlite3.Connection) -> None:
    ids = write_batch(db, _EXCHANGES)
    stored = {record.id: record for record in list_requests(db, Selection(), limit=None)}
    for row_id, exchange in zip(ids, _EXCHANGES, strict=True):
        from_row = stored[row_id].to_json()
        from_exchange = request_json(row_id, exchange)
        # The exchange as written carries no consumer row id; the stored one has its own.
        assert isinstance(from_row["consumer"], dict | None)
        if isinstance(from_row["consumer"], dict) and isinstance(from_exchange["consumer"], dict):
            assert from_row["consumer"].pop("row_id") is not None
            assert from_exchange["consumer"].pop("row_id") is None
        assert from_row == from_exchange


def test_an_ndjson_line_is_the_listed_object_and_more(db: sqlite3.Connection) -> None:
    (row_id,) = write_batch(db, _EXCHANGES[:1])
    (stored,) = list_requests(db, Selection(), limit=None)
    line = exchange_record(row_id, _EXCHANGES[0])
    listed = stored.to_json()
    line["consumer"]["row_id"] = listed["consumer"]["row_id"]  # type: ignore[index]
    assert {key: line[key] for key in listed} == listed
    assert list(line)[:2] == ["id", "uid"]
    assert set(line) - set(listed) == {"uid", "ttfb_ms", "client_address", "server_address",
                                       "request_headers", "response_headers", "request_body",
                                       "response_body"}  # fmt: skip
    json.dumps(line)  # every value is JSON as it stands


def test_the_endpoint_of_an_exchange_not_yet_stored_is_derived_from_its_path() -> None:
    record = request_json(None, make_exchange(path="/orders/7/items/3"))
    assert record["endpoint"] == "/orders/{id}/items/{id}"
    assert request_json(None, make_exchange(path="/x", endpoint="/x/{name}"))["endpoint"] == (
        "/x/{name}"
    )


@pytest.mark.parametrize(
    ("epoch_s", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1_700_000_000.1234, "2023-11-14T22:13:20.123Z"),
        (1_700_000_000.9999, "2023-11-14T22:13:20.999Z"),  # cut, not rounded up
        (-1.5, "1969-12-31T23:59:58.500Z"),  # an odd HAR file's timestamp still prints
        (253_402_300_799, "9999-12-31T23:59:59.000Z"),
        (None, None),
    ],
)
def test_timestamps_print_in_utc_to_the_millisecond(
    epoch_s: float | None, text: str | None
) -> None:
    assert iso_utc(epoch_s) == text
