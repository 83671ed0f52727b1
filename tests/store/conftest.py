"""Store test fixtures: a capture database holding busy, varied traffic."""

from __future__ import annotations

import sqlite3

import pytest

from tests.store.rollup_support import traffic, write


@pytest.fixture
def busy(db: sqlite3.Connection) -> sqlite3.Connection:
    write(db, traffic(6000, seed=1))
    return db
