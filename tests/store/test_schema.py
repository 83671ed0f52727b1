"""The schema and its migrations: a file written by the first version upgrades with its rows
(rollups built from them, new columns defaulted), ids are never reused after a delete, and a
deleted exchange takes its payload and searchable text with it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from inspector.store import load_exchange, open_db, write_batch
from inspector.store.prune import delete_exchanges
from inspector.store.schema import migrations
from inspector.testing import make_exchange


def _first_version_file(path: Path) -> None:
    """A capture file as the first version left it: m001 only, two exchanges, a consumer."""
    conn = sqlite3.connect(path)
    migrations.apply(Database(conn), stop_before="m002_rollups")
    conn.execute("INSERT INTO consumers (identifier, label, first_seen, last_seen) "
                 "VALUES ('key-acme', 'Acme', 100, 160)")  # fmt: skip
    for uid, started_at, status in (("a", 100.0, 200), ("b", 160.0, 503)):
        conn.execute(
            "INSERT INTO exchanges (uid, started_at, duration_ms, method, scheme, host, port, "
            "path, endpoint, status, consumer_id) "
            "VALUES (?, ?, 12.5, 'GET', 'http', 'h', 80, '/x', '/x', ?, 1)",
            (uid, started_at, status),
        )
        conn.execute(
            "INSERT INTO exchange_payloads VALUES (last_insert_rowid(), '[]', '[]', x'', x'')"
        )
    conn.commit()
    conn.close()


def test_a_first_version_file_upgrades_with_its_rows(db_path: Path) -> None:
    _first_version_file(db_path)
    conn = open_db(db_path)
    try:
        applied = [
            row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")
        ]
        assert applied == [m.name for m in migrations._migrations]  # every one, in order
        old = load_exchange(conn, 1)
        assert old is not None and old.source == "" and old.status == 200
        assert old.consumer is not None and old.consumer.label == "Acme"
        assert conn.execute("SELECT named_by_hand FROM consumers").fetchone() == (0,)
        # The rollups were built from the rows already there: the hour holds both requests.
        assert conn.execute(
            "SELECT sum(requests), sum(errors) FROM rollups WHERE level = 3600"
        ).fetchone() == (2, 1)
        assert conn.execute("SELECT http_status FROM export_cursors").fetchall() == []
    finally:
        conn.close()


def test_ids_are_never_reused_after_a_delete(db: sqlite3.Connection) -> None:
    """Export cursors say "sent up to id N": a reused id would never be sent."""
    first = write_batch(db, [make_exchange(path=f"/a/{i}") for i in range(3)])
    delete_exchanges(db, first)
    (again,) = write_batch(db, [make_exchange(path="/b")])
    assert again > max(first)


def test_a_deleted_exchange_takes_its_payload_and_search_text_with_it(
    db: sqlite3.Connection,
) -> None:
    keep, gone = write_batch(db, [make_exchange(json_body={"w": "quokka"}),
                                  make_exchange(json_body={"w": "wombat"})])  # fmt: skip
    delete_exchanges(db, [gone])
    assert db.execute("SELECT exchange_id FROM exchange_payloads").fetchall() == [(keep,)]
    assert db.execute("SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH 'wombat'"
                      ).fetchall() == []  # fmt: skip
    assert db.execute("SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH 'quokka'"
                      ).fetchall() == [(keep,)]  # fmt: skip
    # The cascade itself, not only the delete helper: foreign keys are on for every connection.
    db.execute("DELETE FROM exchanges WHERE id = ?", (keep,))
    assert db.execute("SELECT count(*) FROM exchange_payloads").fetchone() == (0,)
