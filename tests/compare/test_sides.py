"""load_side(): the exchanges of a selection in a real capture file, grouped per endpoint and
consumer, with the response shapes learnt from a sample of JSON bodies."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.compare.sides import SHAPE_SAMPLES, load_side, require_exchanges
from inspector.errors import InspectorError
from inspector.model import Body, Consumer
from inspector.store import write_batch
from inspector.store.selection import Selection
from inspector.testing import make_exchange


def _body(content: bytes, *, truncated: bool = False, kind: str = "application/json") -> Body:
    return Body(content=content, size=len(content) * (10 if truncated else 1),
                truncated=truncated, content_type=kind)  # fmt: skip


def test_exchanges_are_grouped_per_endpoint_and_per_consumer(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(consumer="k1", duration_ms=10.0),
        make_exchange(path="/users/7", consumer="k1", status=404, duration_ms=20.0),
        make_exchange(consumer=Consumer(id="k2", label="Acme Corp"), status=503),
        make_exchange(method="POST", path="/orders", status=None, error="refused",
                      duration_ms=None),
    ])  # fmt: skip
    side = load_side(db, Selection(), "yesterday")
    assert side.label == "yesterday" and side.requests == 4
    users, orders = side.endpoints["GET /users/{id}"], side.endpoints["POST /orders"]
    assert (users.requests, users.errors, dict(users.statuses)) == (
        3, 2, {"200": 1, "404": 1, "503": 1},
    )  # fmt: skip
    assert list(users.durations_ms) == [10.0, 20.0, 12.5]
    assert (orders.requests, orders.errors, dict(orders.statuses)) == (1, 1, {"failed": 1})
    assert list(orders.durations_ms) == []  # no duration is not a 0 ms one
    assert {name: group.requests for name, group in side.consumers.items()} == {
        "k1": 2, "Acme Corp": 1, "(no consumer)": 1,
    }  # fmt: skip


def test_the_selection_decides_which_exchanges_count(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(started_at=1000.0 + i, path=f"/users/{i}") for i in range(10)])
    side = load_side(db, Selection(start=1003.0, end=1007.0), "window")
    assert side.requests == 4
    assert list(side.endpoints) == ["GET /users/{id}"]


def test_nothing_selected_is_an_empty_side_that_cannot_be_compared(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(started_at=1000.0)])
    empty = load_side(db, Selection(start=2000.0), "after the deploy")
    assert empty.requests == 0 and empty.endpoints == {} and empty.shapes == {}
    with pytest.raises(InspectorError) as caught:
        require_exchanges(empty, "head")
    assert str(caught.value) == ("The head side (after the deploy) holds no exchanges to compare.")
    full = load_side(db, Selection(), "all")
    assert require_exchanges(full, "base") is full


def test_response_shapes_name_nested_paths_and_every_type_seen(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(json_body={"id": 1, "items": [{"sku": "a", "tags": ["x"]}], "note": None}),
        make_exchange(json_body={"id": "2", "items": [], "ünïcode": "ok"}),
    ])  # fmt: skip
    shape = load_side(db, Selection(), "s").shapes["GET /users/{id}"]
    assert shape.bodies == 2
    assert shape.types == {
        "id": {"integer", "string"}, "items": {"array"}, "items[].sku": {"string"},
        "items[].tags": {"array"}, "note": {"null"}, "ünïcode": {"string"},
    }  # fmt: skip
    assert shape.seen["id"] == 2 and shape.seen["items[].sku"] == 1


def test_only_whole_successful_json_bodies_teach_the_shape(db: sqlite3.Connection) -> None:
    write_batch(db, [
        make_exchange(response_body=_body(b'{"cut": 1, "off')),  # not JSON
        make_exchange(response_body=_body(b'{"cut": 1}', truncated=True)),
        make_exchange(status=500, json_body={"error": "down"}),
        make_exchange(response_body=_body(b"id,name\n1,Ada\n", kind="text/csv")),
        make_exchange(json_body={"id": 42}),
    ])  # fmt: skip
    shape = load_side(db, Selection(), "s").shapes["GET /users/{id}"]
    assert (shape.bodies, shape.types) == (1, {"id": {"integer"}})


def test_an_endpoint_without_a_json_success_has_no_shape(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(status=502, json_body={"error": "bad gateway"})])
    side = load_side(db, Selection(), "s")
    assert "GET /users/{id}" in side.endpoints and side.shapes == {}


def test_shapes_read_a_bounded_sample_of_bodies(db: sqlite3.Connection) -> None:
    write_batch(db, [make_exchange(json_body={"n": i}) for i in range(SHAPE_SAMPLES + 25)])
    side = load_side(db, Selection(), "s")
    assert side.endpoints["GET /users/{id}"].requests == SHAPE_SAMPLES + 25
    assert side.shapes["GET /users/{id}"].bodies == SHAPE_SAMPLES
