"""Export cursors: durable, per destination, never moving backwards."""

from __future__ import annotations

import sqlite3

from inspector.exporters.cursors import list_cursors, load_cursor, pending_count, save_cursor
from inspector.store import write_batch
from inspector.testing import make_exchange


def test_cursors_are_per_destination_and_never_move_backwards(db: sqlite3.Connection) -> None:
    assert load_cursor(db, "readme a") == 0
    save_cursor(db, "readme a", last_id=7, state="idle", message="", now=1.0)
    save_cursor(db, "readme b", last_id=2, state="failing", message="HTTP 503", now=2.0)
    save_cursor(db, "readme a", last_id=3, state="idle", message="", now=3.0)
    assert load_cursor(db, "readme a") == 7
    save_cursor(db, "readme b", last_id=None, state="stopped", message="bad key", now=4.0)
    states = {c.destination: c for c in list_cursors(db)}
    assert (states["readme b"].last_id, states["readme b"].state) == (2, "stopped")
    assert states["readme b"].message == "bad key" and states["readme b"].updated_at == 4.0
    assert states["readme b"].http_status is None


def test_the_status_that_stopped_a_destination_is_kept_as_data(db: sqlite3.Connection) -> None:
    save_cursor(db, "readme a", last_id=1, state="stopped", message="words", now=1.0,
                http_status=401)  # fmt: skip
    assert list_cursors(db)[0].http_status == 401
    save_cursor(db, "readme a", last_id=None, state="idle", message="", now=2.0)
    assert list_cursors(db)[0].http_status is None  # a later good run clears it


def test_pending_counts_rows_past_the_cursor(db: sqlite3.Connection) -> None:
    ids = write_batch(db, [make_exchange() for _ in range(5)])
    assert pending_count(db, "otlp x") == 5
    save_cursor(db, "otlp x", last_id=ids[1], state="idle", message="", now=1.0)
    assert pending_count(db, "otlp x") == 3
