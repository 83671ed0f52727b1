"""wait_until: returns what the probe found, or fails naming what it waited for."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from inspector.testing import wait_until


def test_returns_the_first_truthy_answer() -> None:
    answers: Iterator[object] = itertools.chain([None, 0, [], "found"], itertools.repeat("later"))
    assert wait_until(lambda: next(answers)) == "found"


def test_fails_after_the_deadline_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0.05 s waiting for the rows"):
        wait_until(lambda: None, timeout=0.05, what="the rows")
