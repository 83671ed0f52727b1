"""Deleting exchanges everywhere they are stored, the full-text index included."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from inspector.store import rollups
from inspector.store.filters import SqlFilter
from inspector.store.ingest import search_text
from inspector.store.read import iter_exchanges

_CHUNK = 500


def delete_exchanges(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    """Delete these exchanges (ids that do not exist are ignored); returns how many went.

    The full-text table is contentless, and SQLite before 3.43 deletes from such a table only
    when given the exact values that were indexed, so they are rebuilt from the stored rows.
    Consumers stay: their first and last seen times still describe what was captured.
    """
    deleted = 0
    touched: list[float] = []
    with conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ", ".join("?" for _ in chunk)
            found = list(iter_exchanges(conn, SqlFilter(f"e.id IN ({marks})", tuple(chunk))))
            conn.executemany(
                "INSERT INTO exchanges_fts (exchanges_fts, rowid, url, headers, body) "
                "VALUES ('delete', ?, ?, ?, ?)",
                [(row_id, *search_text(exchange)) for row_id, exchange in found],
            )
            present = [row_id for row_id, _ in found]
            touched.extend(exchange.started_at for _, exchange in found)
            marks = ", ".join("?" for _ in present)
            if present:
                conn.execute(
                    f"DELETE FROM exchange_payloads WHERE exchange_id IN ({marks})", present
                )
                conn.execute(f"DELETE FROM exchanges WHERE id IN ({marks})", present)
            deleted += len(present)
        # The buckets they were counted in are recounted from what remains, in this transaction.
        rollups.rebuild_buckets(conn, touched, deleted)
    return deleted
