"""Shared fixtures: a fresh capture database file per test."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.store import open_db

# Qt tests never need a display; `make test` sets this too, a bare `pytest` run gets it here.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "capture.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_db(db_path)
    yield conn
    conn.close()
