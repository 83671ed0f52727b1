"""Shared fixtures: a fresh capture database file per test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.store import open_db


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "capture.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_db(db_path)
    yield conn
    conn.close()
