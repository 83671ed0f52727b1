"""Answers from the rollups: the same counts as the rows and percentiles within the stated error,
for every filter the rollups can answer; filters that need the rows are left to them."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.store import queries, rollup_answers, stats
from inspector.store.filters import compile_filter
from inspector.store.selection import ANONYMOUS, Selection
from tests.store.rollup_support import T0, assert_same_answers


@pytest.mark.parametrize(
    "selection",
    [
        Selection(),
        Selection(compile_filter("method:POST status:5xx")),
        Selection(compile_filter("consumer:acme -status:2xx")),
        Selection(compile_filter("status:error host:api.local:443 OR ua:curl")),
        Selection(consumer=ANONYMOUS),
        Selection(start=T0 + 1234.5, end=T0 + 7777.7),  # partial minutes and hours at both ends
        Selection(compile_filter("endpoint:/orders/{id}/items"), start=T0 + 59.9, end=T0 + 3660),
        Selection(start=T0 + 10, end=T0 + 150),  # a few minutes: edges read from rows
    ],
    ids=str,
)
def test_rollup_answers_equal_the_exact_ones(
    busy: sqlite3.Connection, selection: Selection
) -> None:
    assert_same_answers(busy, selection)


def test_filters_that_need_rows_are_not_answered_from_rollups(busy: sqlite3.Connection) -> None:
    for text in ("duration:>100", "path:/users", "refused", "since:1h", "type:json", "has:body"):
        assert rollup_answers.plan(busy, Selection(compile_filter(text)), minimum=0) is None, text


def test_small_selections_are_answered_exactly(busy: sqlite3.Connection) -> None:
    summary = queries.summary(busy, Selection())
    assert summary.requests <= rollup_answers.EXACT_LIMIT
    assert summary.method.exact_percentiles
    assert summary.to_json() == stats.summary(busy, Selection().where()).to_json()
