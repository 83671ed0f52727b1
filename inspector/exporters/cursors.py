"""Durable per-destination export cursors in the `export_cursors` table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# States a destination can be in, as shown in the status bar and `export_cursors.state`.
IDLE = "idle"  # everything up to last_id was delivered
SENDING = "sending"
FAILING = "failing"  # retries ran out; a later run resumes after last_id
STOPPED = "stopped"  # the service refused us (credential, bad request): needs the user


@dataclass(frozen=True, slots=True)
class CursorState:
    destination: str
    last_id: int
    updated_at: float | None
    state: str
    message: str
    http_status: int | None = None  # the status that stopped it, when one did


def load_cursor(conn: sqlite3.Connection, destination: str) -> int:
    """The id of the last exchange delivered to `destination` (0 when none was)."""
    row = conn.execute(
        "SELECT last_id FROM export_cursors WHERE destination = ?", (destination,)
    ).fetchone()
    return int(row[0]) if row else 0


def save_cursor(
    conn: sqlite3.Connection,
    destination: str,
    *,
    last_id: int | None,
    state: str,
    message: str,
    now: float,
    http_status: int | None = None,
) -> None:
    """Record progress and state in one small transaction; `last_id` None keeps the old one.

    The cursor never moves backwards, so a one-off resend cannot make a later run repeat work.
    """
    with conn:
        conn.execute(
            """
            INSERT INTO export_cursors
                (destination, last_id, updated_at, state, message, http_status)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(destination) DO UPDATE SET
                last_id = max(last_id, excluded.last_id),
                updated_at = excluded.updated_at,
                state = excluded.state,
                message = excluded.message,
                http_status = excluded.http_status
            """,
            (destination, last_id or 0, now, state, message, http_status),
        )


def list_cursors(conn: sqlite3.Connection) -> list[CursorState]:
    rows = conn.execute(
        "SELECT destination, last_id, updated_at, state, message, http_status FROM export_cursors "
        "ORDER BY destination"
    ).fetchall()
    return [CursorState(*row) for row in rows]


def pending_count(conn: sqlite3.Connection, destination: str) -> int:
    """Exchanges stored after the cursor: what a run (or a forwarder) still has to look at."""
    last_id = load_cursor(conn, destination)
    row = conn.execute("SELECT count(*) FROM exchanges WHERE id > ?", (last_id,)).fetchone()
    return int(row[0])
