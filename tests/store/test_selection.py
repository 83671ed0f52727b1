"""Selections: consumer and time range mean the same for every answer; one error definition."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.model import Body, Consumer, Exchange
from inspector.store import queries, write_batch
from inspector.store.filters import compile_filter
from inspector.store.selection import ANONYMOUS, Selection
from inspector.testing import make_exchange

T0 = 1_795_000_020.0
ACME = Consumer(id="key-acme", label="Acme Corp")
INITECH = Consumer(id="key-initech", label="Initech")


def _failed(started_at: float, consumer: Consumer | None) -> Exchange:
    return make_exchange(
        started_at=started_at,
        consumer=consumer,
        status=None,
        reason="",
        duration_ms=None,
        error="Connection refused",
        response_body=Body(),
    )


@pytest.fixture
def traffic(db: sqlite3.Connection) -> sqlite3.Connection:
    write_batch(db, [
        make_exchange(started_at=T0, consumer=ACME, status=200, duration_ms=10.0),
        make_exchange(started_at=T0 + 1, consumer=ACME, status=404, duration_ms=20.0),
        _failed(started_at=T0 + 2, consumer=ACME),
        _failed(started_at=T0 + 3, consumer=ACME),
        make_exchange(started_at=T0 + 70, consumer=INITECH, status=503, duration_ms=30.0),
        make_exchange(started_at=T0 + 80, consumer=None, status=200, duration_ms=40.0),
        _failed(started_at=T0 + 90, consumer=None),
    ])  # fmt: skip
    return db


def test_errors_of_a_consumer_are_what_its_errors_column_counts(
    traffic: sqlite3.Connection,
) -> None:
    """The consumers list's Errors and the "Errors of this consumer" filter agree, failures too."""
    answer = queries.consumer_list(traffic, Selection())
    errors_filter = compile_filter("status:error")
    for consumer in answer.consumers:
        shown = queries.count_requests(traffic, Selection(errors_filter, consumer.row_id))
        assert shown == consumer.errors, consumer.name
    acme = next(c for c in answer.consumers if c.name == "Acme Corp")
    assert acme.errors == 3  # the 404 and both failed exchanges
    anonymous = queries.count_requests(traffic, Selection(errors_filter, ANONYMOUS))
    assert anonymous == answer.anonymous.errors == 1
    assert queries.count_requests(traffic, Selection(errors_filter)) == answer.everyone.errors == 5
    assert queries.summary(traffic, Selection()).errors == 5


def test_consumer_and_time_range_select_the_same_exchanges_everywhere(
    traffic: sqlite3.Connection,
) -> None:
    selection = Selection(consumer=ANONYMOUS, start=T0 + 60, end=T0 + 85)
    assert queries.count_requests(traffic, selection) == 1
    assert [row.duration_ms for row in queries.list_requests(traffic, selection)] == [40.0]
    summary = queries.summary(traffic, selection)
    assert (summary.requests, summary.unidentified_requests, summary.errors) == (1, 1, 0)
    chart = queries.chart_data(traffic, selection)
    assert chart.total == 1
    endpoints = queries.endpoint_stats(traffic, selection)
    assert sum(row.requests for row in endpoints) == 1
    everyone = queries.consumer_list(traffic, selection)
    assert (everyone.everyone.requests, everyone.anonymous.requests, everyone.consumers) == (
        1,
        1,
        (),
    )


def test_one_consumer_and_no_consumer(traffic: sqlite3.Connection) -> None:
    acme_id = next(c.row_id for c in queries.summary(traffic, Selection()).consumers
                   if c.id == "key-acme")  # fmt: skip
    assert queries.count_requests(traffic, Selection(consumer=acme_id)) == 4
    assert queries.count_requests(traffic, Selection(consumer=ANONYMOUS)) == 2
    assert queries.count_requests(traffic, Selection()) == 7
