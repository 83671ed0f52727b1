"""Store test fixtures: a capture database holding busy, varied traffic, and one holding an
exchange for each thing a filter can single out."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from inspector.store import open_db, write_batch
from tests.store.filter_support import named_exchanges
from tests.store.rollup_support import traffic, write


@pytest.fixture
def busy(db: sqlite3.Connection) -> sqlite3.Connection:
    write(db, traffic(6000, seed=1))
    return db


@pytest.fixture(scope="module")
def filter_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    """One database of the named exchanges per test module: filters only read it."""
    path = tmp_path_factory.mktemp("filters") / "capture.db"
    conn = open_db(path)
    write_batch(conn, [exchange for _, exchange in named_exchanges()])
    yield conn
    conn.close()
