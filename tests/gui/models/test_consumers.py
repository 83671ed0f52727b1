"""The consumers list: counts, error rate, p95 and last seen per consumer, off the GUI thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from inspector.gui.models import consumers as columns
from inspector.gui.models.consumers import ALL, ANONYMOUS, ConsumerListModel
from inspector.gui.workers import QueryRunner
from inspector.model import Consumer
from inspector.store.filters import compile_filter
from inspector.testing.factories import make_exchange

pytestmark = pytest.mark.gui

ACME = Consumer("key-acme", "Acme Corp", "ops@acme.test", "Enterprise")


@pytest.fixture
def model(qtbot: QtBot, db: sqlite3.Connection, db_path: Path) -> ConsumerListModel:
    return ConsumerListModel(QueryRunner(db_path))


def _refreshed(qtbot: QtBot, model: ConsumerListModel) -> None:
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.refresh()


def test_each_consumer_with_its_numbers_busiest_first(
    qtbot: QtBot, qtmodeltester: ModelTester, model: ConsumerListModel,
    add_exchanges: Callable[..., list[int]],
) -> None:  # fmt: skip
    acme_durations = [10.0, 20.0, 30.0, 40.0, 1000.0]
    add_exchanges(
        *(make_exchange(consumer=ACME, duration_ms=d, started_at=100 + i)
          for i, d in enumerate(acme_durations)),
        make_exchange(consumer=ACME, status=500, duration_ms=50.0, started_at=200),
        make_exchange(consumer="key-solo", status=404, duration_ms=5.0, started_at=300),
        make_exchange(consumer=None, started_at=50),
    )  # fmt: skip
    _refreshed(qtbot, model)
    qtmodeltester.check(model)
    names = [model.index(row, columns.NAME).data() for row in range(model.rowCount())]
    assert names == ["All consumers", "Acme Corp", "(no consumer)", "key-solo"]
    acme = model.row_at(1)
    assert acme is not None
    assert (acme.requests, acme.errors, acme.last_seen) == (6, 1, 200)
    expected_p95 = float(np.percentile([*acme_durations, 50.0], 95))
    assert acme.p95_ms == pytest.approx(expected_p95)
    assert acme.subtitle == "ops@acme.test · Enterprise"
    assert model.index(1, columns.ERRORS).data() == "17 %"
    everyone = model.row_at(0)
    assert everyone is not None and (everyone.key, everyone.requests, everyone.errors) == (
        ALL,
        8,
        2,
    )
    everyone_durations = [*acme_durations, 50.0, 5.0, 12.5]
    assert everyone.p95_ms == pytest.approx(float(np.percentile(everyone_durations, 95)))
    assert model.row_at(2).key == ANONYMOUS  # type: ignore[union-attr]


def test_the_list_follows_the_filter(
    qtbot: QtBot, model: ConsumerListModel, add_exchanges: Callable[..., list[int]]
) -> None:
    add_exchanges(make_exchange(consumer=ACME, status=200), make_exchange(consumer="b", status=503))
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.set_filter(compile_filter("status:5xx"))
    names = [model.index(row, columns.NAME).data() for row in range(model.rowCount())]
    assert names == ["All consumers", "b"]


def test_fingerprinted_consumers_read_as_distinct_keys(
    qtbot: QtBot, db: sqlite3.Connection
) -> None:
    from inspector.config import fingerprint
    from inspector.gui.models.consumers import read_consumers
    from inspector.model import Consumer
    from inspector.store import write_batch
    from inspector.store.filters import MATCH_ALL
    from inspector.testing import make_exchange

    ids = [fingerprint("key-a"), fingerprint("key-b"), fingerprint("live-key-long-aaaa-0001")]
    write_batch(db, [make_exchange(consumer=Consumer(id=i)) for i in ids])
    rows = [row for row in read_consumers(db, MATCH_ALL) if row.identifier in ids]
    names = {row.name for row in rows}
    assert len(names) == 3 and not any("sha512" in name for name in names)
    assert any(name.startswith("key …0001 (") for name in names)
    assert all("sha512" not in row.subtitle for row in rows)
