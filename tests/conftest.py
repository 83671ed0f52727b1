"""Shared fixtures: a fresh capture database file per test."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from inspector.store import open_db

pytest_plugins = ["tests.live_capture"]

# Qt tests never need a display; `make test` sets this too, a bare `pytest` run gets it here.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests draw new examples on every run at a desk, which is how they find bugs. CI
# (`.ci/run` sets HYPOTHESIS_PROFILE=ci) draws the same ones every time, so a gap found there
# is reproducible and a landing never hangs on a lucky draw; what a desk run finds is fixed.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "capture.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_db(db_path)
    yield conn
    conn.close()
