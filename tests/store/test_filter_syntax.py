"""Filter text as words and tokens, and its printer: whatever `quote_value` writes, the parser
reads back as it was; every character keeps its raw position, for error messages.

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
from inspector.store.filter_syntax import FilterError, check_characters, quote_value, tokens, words
from inspector.store.filters import compile_filter
from inspector.store.queries import list_requests
from inspector.store.selection import Selection
from inspector.testing import make_exchange

# Any text a header, a path or a label can hold (no NUL or lone surrogates, which filters refuse).
values = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


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


def test_words_drop_the_quotes_and_keep_where_each_character_was() -> None:
    first, second = words('  consumer:"Acme ""Gold"" Corp"   path:/ä/ü')
    assert first.text == 'consumer:Acme "Gold" Corp'
    assert (first.start, first.end) == (2, 31)
    # `"` of a doubled pair stands at the first quote's position; the closing quote has none.
    assert first.offsets[first.text.index('"')] == 17
    assert first.quoted[: len("consumer:")] == (False,) * len("consumer:")
    assert all(first.quoted[len("consumer:") :])
    # Where "Gold" came from, quotes skipped: (position, length) of the raw span.
    assert first.span(first.text.index("Gold"), first.text.index("Gold") + 4) == (19, 4)
    assert first.span(len(first.text)) == (30, 1)  # past the end: the word's last character
    assert (second.text, second.start, second.span(5)) == ("path:/ä/ü", 34, (39, 4))


def test_a_quoted_or_and_quoted_parentheses_are_plain_text() -> None:
    found = tokens('-(status:5xx OR "OR") "(beta)" a)')
    assert [(t.kind, t.position, t.negated) for t in found] == [
        ("open", 0, True), ("term", 2, False), ("or", 13, False), ("term", 17, False),
        ("close", 20, False), ("term", 22, False), ("term", 31, False), ("close", 32, False),
    ]  # fmt: skip
    assert [t.word.text for t in found if t.word is not None] == [
        "status:5xx", "OR", "OR", "(beta)", "a"]  # fmt: skip
    assert not found[3].word.is_operator_or  # type: ignore[union-attr]
    # An empty quoted value stays a term, so the compiler can say it is empty.
    (empty,) = tokens('""')
    assert (empty.kind, empty.word.text if empty.word else None) == ("term", "")


@pytest.mark.parametrize(
    ("text", "position"),
    [("path:/a\x00b", 7), ("ok \udcff", 3), ("\x00", 0)],
)
def test_characters_sqlite_cannot_search_are_refused_at_their_position(
    text: str, position: int
) -> None:
    with pytest.raises(FilterError, match=f"at position {position} cannot be searched") as error:
        check_characters(text)
    assert (error.value.position, error.value.length) == (position, 1)
    check_characters("emoji 🚀 and ünïcode")  # nothing else is refused
