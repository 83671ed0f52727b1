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


def iso_utc(epoch_s: float | None) -> str | None:
    """`2026-11-22T10:00:00.123Z`: ISO 8601 in UTC, to the millisecond."""
    if epoch_s is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch_s, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
