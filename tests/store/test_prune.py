"""delete_exchanges: rows, payloads and search entries go; everything else stays findable."""

from __future__ import annotations

import sqlite3

from inspector.store import write_batch
from inspector.store.prune import delete_exchanges
from inspector.testing import make_exchange


def _search(db: sqlite3.Connection, word: str) -> list[int]:
    rows = db.execute("SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ?", (word,))
    return sorted(row[0] for row in rows)


def test_deleted_exchanges_vanish_from_every_table_and_from_search(
    db: sqlite3.Connection,
) -> None:
    ids = write_batch(
        db, [make_exchange(json_body={"word": f"marker{i} shared"}) for i in range(1200)]
    )
    gone = ids[:700:2]
    assert delete_exchanges(db, [*gone, 999_999]) == len(gone)
    kept = sorted(set(ids) - set(gone))
    assert _search(db, "shared") == kept
    assert _search(db, "marker0") == []
    assert _search(db, "marker1") == [ids[1]]
    assert db.execute("SELECT count(*) FROM exchanges").fetchone()[0] == len(kept)
    assert db.execute("SELECT count(*) FROM exchange_payloads").fetchone()[0] == len(kept)
    # The index stays consistent: FTS5's own check passes after contentless deletes.
    db.execute("INSERT INTO exchanges_fts (exchanges_fts, rank) VALUES ('integrity-check', 1)")


def test_ids_are_never_reused_after_a_delete(db: sqlite3.Connection) -> None:
    # An export cursor at the newest id must still see rows written after it was deleted.
    ids = write_batch(db, [make_exchange() for _ in range(3)])
    delete_exchanges(db, [ids[-1]])
    (new_id,) = write_batch(db, [make_exchange(json_body={"w": "afterwards"})])
    assert new_id > ids[-1]
    assert _search(db, "afterwards") == [new_id]
