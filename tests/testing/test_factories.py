"""make_exchange(): the exchange the tests build on, as its docstring promises, and one the store
keeps as it is."""

from __future__ import annotations

import json
import sqlite3

from inspector.model import Consumer
from inspector.store import write_batch
from inspector.store.read import load_exchange
from inspector.testing import make_exchange


def test_the_default_is_a_json_get_answered_200_in_12_5_ms() -> None:
    exchange = make_exchange()
    assert (exchange.method, exchange.url, exchange.status) == (
        "GET", "http://localhost:8000/users/42", 200)  # fmt: skip
    assert exchange.duration_ms == 12.5 and exchange.error is None and exchange.consumer is None
    assert json.loads(exchange.response_body.content) == {"id": 42, "name": "Ada"}
    assert exchange.response_body.text is not None
    assert exchange.request_body.content == b""


def test_json_bodies_come_with_their_type_and_a_matching_content_length() -> None:
    exchange = make_exchange(json_body={"name": "Zoë", "tags": ["ü"] * 100},
                             request_json=[1, 2, 3])  # fmt: skip
    response = exchange.response_body
    assert json.loads(response.content) == {"name": "Zoë", "tags": ["ü"] * 100}
    assert response.size == response.wire_size == len(response.content)
    assert ("Content-Length", str(len(response.content))) in exchange.response_headers
    assert exchange.request_body.content == b"[1, 2, 3]"
    assert exchange.request_body.content_type == "application/json"


def test_a_consumer_given_by_id_and_any_field_overridden() -> None:
    exchange = make_exchange(consumer="key-acme", method="POST", status=None, error="refused",
                             path="/orders", query="dry=1")  # fmt: skip
    assert exchange.consumer == Consumer(id="key-acme")
    assert exchange.url == "http://localhost:8000/orders?dry=1"
    assert (exchange.method, exchange.status, exchange.error) == ("POST", None, "refused")
    assert make_exchange(consumer=Consumer("a", "Acme")).consumer == Consumer("a", "Acme")


def test_each_call_is_a_new_exchange_with_its_own_uid() -> None:
    first, second = make_exchange(), make_exchange()
    assert first.uid != second.uid and first.started_at <= second.started_at


def test_what_it_makes_is_stored_and_read_back_unchanged(db: sqlite3.Connection) -> None:
    made = make_exchange(consumer="key-acme", request_json={"q": "ü"}, json_body=[{"id": 1}])
    [exchange_id] = write_batch(db, [made])
    loaded = load_exchange(db, exchange_id)
    assert loaded is not None
    assert (loaded.url, loaded.status, loaded.duration_ms) == (made.url, 200, 12.5)
    assert loaded.request_body.content == made.request_body.content
    assert loaded.response_body.content == made.response_body.content
    assert loaded.consumer is not None and loaded.consumer.id == "key-acme"
