"""What a question is asked about: a filter, a consumer and a time range, compiled to one condition.

Every read (the CLI, the app's views, the exporters) names its exchanges with a Selection, so a
consumer choice or a chart's time range means the same thing everywhere, and the one join rule
(`from_clause`) and the one definition of an error (IS_ERROR_SQL) live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from inspector.store.filter_terms import IS_ERROR_SQL
from inspector.store.filters import MATCH_ALL, SqlFilter

__all__ = [
    "ANONYMOUS",
    "IS_ERROR_SQL",
    "ConsumerChoice",
    "Selection",
    "consumers_join",
    "from_clause",
    "is_error",
]

ANONYMOUS: Literal["anonymous"] = "anonymous"
ConsumerChoice = int | Literal["anonymous"] | None  # a consumer's row id, no consumer, or anyone

_CONSUMER_ALIAS = re.compile(r"\bc\.")


def is_error(status: int | None) -> bool:
    """IS_ERROR_SQL for one exchange, for code that counts in Python."""
    return status is None or status >= 400


def consumers_join(where: str) -> str:
    """The join to `consumers c`, when the condition refers to `c`; else nothing.

    Skipping a join nobody reads keeps full scans of a million rows cheap. Conditions are built
    by our own code (user values are bound parameters), so looking into them is safe. Also used
    over `rollup_keys e`, which has the same consumer_id column.
    """
    if _CONSUMER_ALIAS.search(where):
        return "LEFT JOIN consumers c ON c.id = e.consumer_id"
    return ""


def from_clause(where: str) -> str:
    """`FROM exchanges e`, joined to consumers only when the condition needs it."""
    return f"FROM exchanges e {consumers_join(where)}".rstrip()


@dataclass(frozen=True)
class Selection:
    """Exchanges matching `filter`, of `consumer`, started in [start, end) (None: unbounded)."""

    filter: SqlFilter = MATCH_ALL
    consumer: ConsumerChoice = None
    start: float | None = None
    end: float | None = None

    def consumer_condition(self) -> SqlFilter:
        if self.consumer is None:
            return MATCH_ALL
        if self.consumer == ANONYMOUS:
            return SqlFilter("e.consumer_id IS NULL")
        return SqlFilter("e.consumer_id = ?", (self.consumer,))

    def time_condition(self) -> SqlFilter:
        parts: list[str] = []
        params: list[object] = []
        if self.start is not None:
            parts.append("e.started_at >= ?")
            params.append(self.start)
        if self.end is not None:
            parts.append("e.started_at < ?")
            params.append(self.end)
        return SqlFilter(" AND ".join(parts), tuple(params)) if parts else MATCH_ALL

    def where(self) -> SqlFilter:
        """The whole selection as one condition over `e` (and `c` when the filter needs it)."""
        combined = self.filter.and_(self.consumer_condition()).and_(self.time_condition())
        if combined is self.filter:
            return self.filter
        # Free text alone still walks the time index when nothing else was added.
        return SqlFilter(combined.where, combined.params)

    def with_filter(self, extra: SqlFilter) -> Selection:
        return Selection(self.filter.and_(extra), self.consumer, self.start, self.end)
