"""Naming a consumer by hand, from the app: a label kept with it in the capture database.

It outlasts the configuration file's label (`[[consumer]] label`) at the consumer's next
request, since it is the newer wish; clearing it hands the name back to the configuration. It
lives in this capture file only: the configuration is the place for names every capture keeps.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MAX_LABEL_CHARS = 120


class ConsumerNameError(ValueError):
    """A name that cannot be given, in words for the person who typed it."""


def clean_label(text: str) -> str:
    """One line with single spaces: what the lists and exports can show."""
    label = " ".join(text.split())
    if len(label) > MAX_LABEL_CHARS:
        raise ConsumerNameError(f"A name has at most {MAX_LABEL_CHARS} characters.")
    return label


def name_consumer(conn: sqlite3.Connection, row_id: int, text: str) -> str:
    """Give consumer `row_id` the label `text` (empty: back to its generated name).

    Returns the label as stored. Raises ConsumerNameError when the consumer is gone (the
    capture was cleared meanwhile) or the name is too long.
    """
    label = clean_label(text)
    with conn:
        changed = conn.execute(
            "UPDATE consumers SET label = ?, named_by_hand = ? WHERE id = ?",
            (label, int(bool(label)), row_id),
        ).rowcount
    if not changed:
        raise ConsumerNameError("This consumer is no longer in the capture (was it cleared?).")
    return label


def name_consumer_in(path: Path, row_id: int, text: str) -> str:
    """`name_consumer` on the capture file at `path`, beside a capture that may be writing it.

    A plain connection, not `open_db`: the file is one the app already reads, and open_db's
    integrity check would cost seconds on a large capture for a one-row update.
    """
    label = clean_label(text)  # a bad name is refused before the file is touched
    try:
        # mode=rw: never create a file that went away; the timeout waits out a writer's batch.
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise ConsumerNameError(f"Cannot open {path}: {exc}.") from exc
    try:
        return name_consumer(conn, row_id, label)
    except sqlite3.Error as exc:
        raise ConsumerNameError(f"Cannot write to {path}: {exc}.") from exc
    finally:
        conn.close()
