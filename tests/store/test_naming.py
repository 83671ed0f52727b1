"""Naming a consumer from the app: stored with it, shown by every answer, refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.config.fingerprint import fingerprint
from inspector.model import Consumer
from inspector.store import open_db, write_batch
from inspector.store.naming import MAX_LABEL_CHARS, ConsumerNameError, name_consumer_in
from inspector.store.queries import consumer_list
from inspector.store.selection import Selection
from inspector.testing import make_exchange

KEY = fingerprint("sk_live_51Habc0000000000000001")  # what capture stores for an API key


def _consumer_row(conn: sqlite3.Connection) -> tuple[int, str]:
    (stats,) = [c for c in consumer_list(conn, Selection()).consumers if c.id == KEY]
    return stats.row_id, stats.name


@pytest.fixture
def captured(db_path: Path) -> Path:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(consumer=Consumer(KEY))])
    conn.close()
    return db_path


def test_a_name_is_stored_and_shown_then_cleared_back_to_the_generated_one(
    captured: Path,
) -> None:
    conn = open_db(captured, readonly=True)
    row_id, generated = _consumer_row(conn)
    assert generated.startswith("key …0001")

    assert name_consumer_in(captured, row_id, "  Mobile \n app  ") == "Mobile app"
    assert _consumer_row(conn) == (row_id, "Mobile app")
    assert name_consumer_in(captured, row_id, "") == ""
    assert _consumer_row(conn) == (row_id, generated)
    conn.close()


def test_the_next_request_of_that_consumer_keeps_the_name(captured: Path) -> None:
    conn = open_db(captured)
    row_id, _ = _consumer_row(conn)
    name_consumer_in(captured, row_id, "Mobile app")
    write_batch(conn, [make_exchange(consumer=Consumer(KEY))])  # no label from the config
    assert _consumer_row(conn)[1] == "Mobile app"
    conn.close()


def test_refusals_say_why_and_change_nothing(captured: Path, tmp_path: Path) -> None:
    conn = open_db(captured, readonly=True)
    row_id, generated = _consumer_row(conn)
    with pytest.raises(ConsumerNameError, match=f"at most {MAX_LABEL_CHARS} characters"):
        name_consumer_in(captured, row_id, "x" * (MAX_LABEL_CHARS + 1))
    with pytest.raises(ConsumerNameError, match="no longer in the capture"):
        name_consumer_in(captured, row_id + 1000, "Ghost")
    assert _consumer_row(conn) == (row_id, generated)
    conn.close()
    missing = tmp_path / "gone.db"
    with pytest.raises(ConsumerNameError, match="Cannot open"):
        name_consumer_in(missing, 1, "x")
    assert not missing.exists()  # never created


def test_a_hand_given_name_outlasts_the_configuration_label_until_it_is_cleared(
    captured: Path,
) -> None:
    conn = open_db(captured)
    row_id, _ = _consumer_row(conn)
    configured = Consumer(KEY, label="Acme Mobile")  # what grouping rules attach
    write_batch(conn, [make_exchange(consumer=configured)])
    assert _consumer_row(conn)[1] == "Acme Mobile"
    name_consumer_in(captured, row_id, "Mobile app v3")
    write_batch(conn, [make_exchange(consumer=configured)])
    assert _consumer_row(conn)[1] == "Mobile app v3"  # the newer wish stays
    name_consumer_in(captured, row_id, "")
    write_batch(conn, [make_exchange(consumer=configured)])
    assert _consumer_row(conn)[1] == "Acme Mobile"  # cleared: the configuration names it again
    conn.close()
