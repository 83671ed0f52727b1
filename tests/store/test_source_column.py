"""The source column: which launched program sent a request, stored, filtered, shown in JSON."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.store import iter_exchanges, open_db, write_batch
from inspector.store.filters import FilterError, compile_filter
from inspector.store.queries import list_requests
from inspector.store.selection import Selection
from inspector.testing import make_exchange


@pytest.fixture
def tagged(db: sqlite3.Connection) -> sqlite3.Connection:
    write_batch(
        db,
        [
            make_exchange(uid="npm", path="/a", source="npm-test-07bc"),
            make_exchange(uid="curl1", path="/b", source="curl-3fa9"),
            make_exchange(uid="curl2", path="/c", source="Curl-0001"),
            make_exchange(uid="by-hand", path="/d"),
            make_exchange(uid="odd", path="/e", source="100%_sure"),
        ],
    )
    return db


def _uids(conn: sqlite3.Connection, text: str) -> set[str]:
    selection = Selection(filter=compile_filter(text))
    return {row.path for row in list_requests(conn, selection, limit=None)}


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("source:curl", {"/b", "/c"}),  # every run of curl, any case
        ("source:curl-3fa9", {"/b"}),  # one run
        ("source:test", {"/a"}),
        ("-source:curl", {"/a", "/d", "/e"}),
        ("has:source", {"/a", "/b", "/c", "/e"}),
        ("-has:source", {"/d"}),
        ("source:%", {"/e"}),  # LIKE wildcards are literal text
        ("source:_", {"/e"}),
        ("source:curl OR path:/d", {"/b", "/c", "/d"}),
    ],
)
def test_source_terms_select_the_launched_programs_requests(
    tagged: sqlite3.Connection, text: str, paths: set[str]
) -> None:
    assert _uids(tagged, text) == paths


def test_an_empty_source_term_is_an_error() -> None:
    with pytest.raises(FilterError, match="position"):
        compile_filter("source:")


def test_source_is_stored_read_back_and_in_the_json_rows(tagged: sqlite3.Connection) -> None:
    by_path = {exchange.path: exchange for _, exchange in iter_exchanges(tagged)}
    assert by_path["/a"].source == "npm-test-07bc" and by_path["/d"].source == ""
    rows = {row.path: row.to_json() for row in list_requests(tagged, Selection(), limit=None)}
    assert rows["/a"]["source"] == "npm-test-07bc"
    assert rows["/d"]["source"] == ""


def _as_before_sources(path: Path) -> None:
    """Make `path` look like a database written before the source column existed."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE exchanges DROP COLUMN source")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_exchange_source'")
    conn.close()


def test_a_reader_upgrades_a_database_from_before_sources(db_path: Path) -> None:
    conn = open_db(db_path)
    write_batch(conn, [make_exchange(uid="old", path="/old")])
    conn.close()
    _as_before_sources(db_path)

    reader = open_db(db_path, readonly=True)
    try:
        (row,) = list_requests(reader, Selection(filter=compile_filter("path:/old")))
        assert row.source == ""  # the row is kept, with no source
        assert _uids(reader, "-has:source") == {"/old"}
    finally:
        reader.close()
