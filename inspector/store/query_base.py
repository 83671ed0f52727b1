"""Pieces shared by the read queries: the time-index hint for free text."""

from __future__ import annotations

from inspector.store.filters import SqlFilter


def time_walk(flt: SqlFilter) -> str:
    """An index hint for reading `flt`'s matches newest (or oldest) first, a page at a time.

    SQLite cannot tell how many rows a full-text MATCH returns, so it fetches every match and
    sorts them all by time: 0.2 to 0.4 s for a common word at a million exchanges. Walking the
    start-time index and testing each id against the matches stops once the page is full
    (35 ms), and costs one pass over the index at worst, for a word found nowhere (about
    100 ms). Only for free text alone: any other term would make each step read its row.
    """
    return "INDEXED BY exchanges_started_at" if flt.free_text_only else ""
