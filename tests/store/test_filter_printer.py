"""The filter language's printer: whatever `quote_value` writes, the parser reads back as it was.

Quick filters (a consumer's group, an endpoint, a host) are printed into the filter bar; the old
printer wrote `a"b` as `"a\\"b"`, which the parser read as an unclosed quote, and `say "hi" now`
as three words.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.model import Consumer
from inspector.store import write_batch
from inspector.store.filter_syntax import quote_value, words
from inspector.store.filters import compile_filter
from inspector.store.queries import list_requests
from inspector.store.selection import Selection
from inspector.testing import make_exchange

# Any text a header, a path or a label can hold (no NUL or lone surrogates, which filters refuse).
values = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


@given(values)
def test_a_printed_value_reads_back_as_one_word_with_the_same_text(value: str) -> None:
    (word,) = words(f"consumer:{quote_value(value)}")
    assert word.text == f"consumer:{value}"


@given(values.filter(lambda v: v.strip() != ""))
def test_a_printed_value_compiles_as_a_filter(value: str) -> None:
    compile_filter(f"consumer:{quote_value(value)}")
    compile_filter(f"-path:{quote_value(value)} OR endpoint:{quote_value(value)}")


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("/users/{id}", "/users/{id}"),
        ("Acme Corp", '"Acme Corp"'),
        ('a"b', '"a""b"'),
        ('say "hi" now', '"say ""hi"" now"'),
        ("ends with \\", '"ends with \\"'),  # a backslash is plain text
        ("(beta)", '"(beta)"'),
        ("", '""'),
    ],
)
def test_the_printed_forms(value: str, printed: str) -> None:
    assert quote_value(value) == printed


@pytest.mark.parametrize("group", ['Partner "Gold"', "Tier (1)", 'a"b'])
def test_a_quick_filter_on_a_group_with_quotes_finds_its_consumers(
    db: sqlite3.Connection, group: str
) -> None:
    write_batch(
        db,
        [
            make_exchange(path="/mine", consumer=Consumer("k1", group=group)),
            make_exchange(path="/other", consumer=Consumer("k2", group="Other")),
        ],
    )
    selection = Selection(filter=compile_filter(f"consumer:{quote_value(group)}"))
    assert [row.path for row in list_requests(db, selection)] == ["/mine"]
