"""Pieces shared by the read queries: the FROM clause a filter needs, and UTC timestamps."""

from __future__ import annotations

import datetime as dt
import re

from inspector.store.filters import SqlFilter

_CONSUMER_ALIAS = re.compile(r"\bc\.")


def from_clause(flt: SqlFilter) -> str:
    """`FROM exchanges e` plus the consumers join only when the filter refers to `c`.

    Skipping a join nobody reads keeps full scans of a million rows cheap. The filter text is
    built by our own code (user values are bound parameters), so looking into it is safe.
    """
    if _CONSUMER_ALIAS.search(flt.where):
        return "FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id"
    return "FROM exchanges e"


def time_walk(flt: SqlFilter) -> str:
    """An index hint for reading `flt`'s matches newest (or oldest) first, a page at a time.

    SQLite cannot tell how many rows a full-text MATCH returns, so it fetches every match and
    sorts them all by time: 0.2 to 0.4 s for a common word at a million exchanges. Walking the
    start-time index and testing each id against the matches stops once the page is full
    (35 ms), and costs one pass over the index at worst, for a word found nowhere (about
    100 ms). Only for free text alone: any other term would make each step read its row.
    """
    return "INDEXED BY exchanges_started_at" if flt.free_text_only else ""


def iso_utc(epoch_s: float | None) -> str | None:
    """`2026-11-22T10:00:00.123Z`: ISO 8601 in UTC, to the millisecond."""
    if epoch_s is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch_s, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
