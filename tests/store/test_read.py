"""Reading exchanges back: one by id, or streamed in id order past a cursor, filtered, in batches;
every body state (cut, decoding stopped, absent) and every consumer field as it was written."""

from __future__ import annotations

import sqlite3

from inspector.model import Body, Consumer
from inspector.store import iter_exchanges, load_exchange, write_batch
from inspector.store.filters import SqlFilter, compile_filter
from inspector.testing import make_exchange


def test_iter_exchanges_streams_in_id_order_past_a_cursor(db: sqlite3.Connection) -> None:
    ids = write_batch(db, [make_exchange(path=f"/items/{i}") for i in range(25)])
    seen = [row_id for row_id, _ in iter_exchanges(db, after_id=ids[4], batch_size=7)]
    assert seen == ids[5:]
    posts = list(iter_exchanges(db, SqlFilter("e.method = ?", ("POST",))))
    assert posts == []


def test_an_id_that_is_not_stored_loads_as_none(db: sqlite3.Connection) -> None:
    assert load_exchange(db, 1) is None
    assert list(iter_exchanges(db)) == []
    (row_id,) = write_batch(db, [make_exchange()])
    assert load_exchange(db, row_id + 1) is None
    assert [i for i, _ in iter_exchanges(db, after_id=row_id)] == []


def test_cut_and_given_up_bodies_read_back_as_such(db: sqlite3.Connection) -> None:
    huge = 5 * 2**40  # a 5 TiB download of which only the start was kept
    cut = Body(content=b"\x00\xffstart", size=huge, wire_size=huge, truncated=True,
               content_type="application/octet-stream")  # fmt: skip
    bomb = Body(content=b"{" * 64, size=10**9, wire_size=1_000, truncated=True,
                decoding_stopped=True, content_type="application/json")  # fmt: skip
    ids = write_batch(db, [
        make_exchange(path="/cut", response_body=cut),
        make_exchange(path="/bomb", request_json={"q": "x"}, response_body=bomb),
    ])  # fmt: skip
    first, second = (load_exchange(db, row_id) for row_id in ids)
    assert first is not None and first.response_body == cut
    assert first.request_body == Body()  # no request body: empty, not None
    assert second is not None and second.response_body == bomb


def test_a_failed_exchange_and_an_anonymous_one_read_back_without_made_up_values(
    db: sqlite3.Connection,
) -> None:
    failed = make_exchange(status=None, reason="", duration_ms=None, ttfb_ms=None,
                           error="Connection refused", response_headers=(),
                           response_body=Body())  # fmt: skip
    (row_id,) = write_batch(db, [failed])
    loaded = load_exchange(db, row_id)
    assert loaded is not None
    assert (loaded.status, loaded.duration_ms, loaded.error) == (None, None, "Connection refused")
    assert loaded.response_headers == () and loaded.consumer is None


def test_unicode_everywhere_and_the_consumer_as_stored(db: sqlite3.Connection) -> None:
    written = make_exchange(
        path="/stra\u00dfe/\u65e5\u672c/\U0001f680",
        request_headers=(("X-N\u00e4me", "\u00e9t\u00e9 \U0001f600"),),
        json_body={"text": "\u043f\u0440\u0438\u0432\u0435\u0442"},
        consumer=Consumer(id="k\u00e9y", label="Caf\u00e9 \u00dcber", email="\u00e9@x.test",
                          group="G\u00f6ld"),
    )  # fmt: skip
    (row_id,) = write_batch(db, [written])
    loaded = load_exchange(db, row_id)
    assert loaded is not None
    assert loaded.path == written.path and loaded.request_headers == written.request_headers
    assert loaded.response_body.content == written.response_body.content
    assert loaded.consumer is not None
    assert (loaded.consumer.id, loaded.consumer.label, loaded.consumer.group) == (
        "k\u00e9y", "Caf\u00e9 \u00dcber", "G\u00f6ld")  # fmt: skip
    assert loaded.consumer.row_id is not None  # the consumers table's id, for naming it later


def test_a_compiled_filter_over_exchanges_and_consumers_selects_what_is_streamed(
    db: sqlite3.Connection,
) -> None:
    write_batch(db, [
        make_exchange(path=f"/n/{i}", consumer="acme" if i % 3 == 0 else None,
                      status=500 if i % 2 else 200)
        for i in range(30)
    ])  # fmt: skip
    chosen = [e.path for _, e in iter_exchanges(db, compile_filter("consumer:acme status:5xx"),
                                                batch_size=2)]  # fmt: skip
    assert chosen == ["/n/3", "/n/9", "/n/15", "/n/21", "/n/27"]
