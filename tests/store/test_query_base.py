"""The read queries' shared pieces: the time-index hint for free text."""

from __future__ import annotations

import sqlite3

from inspector.store import write_batch
from inspector.store.filters import MATCH_ALL, compile_filter
from inspector.store.query_base import time_walk
from inspector.testing import make_exchange


def test_only_free_text_alone_walks_the_time_index() -> None:
    assert time_walk(compile_filter("zanzibar")) == "INDEXED BY exchanges_started_at"
    for other in ("zanzibar status:200", "status:200", "-zanzibar", ""):
        assert time_walk(compile_filter(other)) == "", other
    assert time_walk(MATCH_ALL) == ""


def test_the_hint_names_an_index_the_schema_has_and_finds_newest_first(
    db: sqlite3.Connection,
) -> None:
    write_batch(db, [
        make_exchange(path=f"/p/{i}", json_body={"word": "zanzibar" if i % 2 else "other"},
                      started_at=1_000.0 + i)
        for i in range(10)
    ])  # fmt: skip
    flt = compile_filter("zanzibar")
    # SQLite refuses a query whose INDEXED BY names no index: the hint must stay real.
    rows = db.execute(
        f"SELECT e.path FROM exchanges e {time_walk(flt)} WHERE ({flt.where}) "
        "ORDER BY e.started_at DESC LIMIT 3",
        flt.params,
    ).fetchall()
    assert [path for (path,) in rows] == ["/p/9", "/p/7", "/p/5"]
