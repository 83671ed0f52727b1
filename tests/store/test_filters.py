"""The filter language: negation, OR, grouping, free text, errors at their position, injection.
(Each key's own terms: test_filter_terms.py.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.store import open_db, write_batch
from inspector.store.filters import (
    FILTER_KEYS,
    FilterError,
    SqlFilter,
    compile_filter,
    consumer_filter,
)
from inspector.testing import make_exchange
from tests.store.filter_support import ACME, ALL, NOW, assert_refused, matching

CASES: list[tuple[str, set[str]]] = [
    ("", ALL),
    ("   ", ALL),
    # negation, NULL-safe: failed exchanges have no status or duration, and are "not 2xx"
    ("-status:2xx", {"not_found", "server_error", "failed", "ws", "form"}),
    ("-duration:>20", {"get_user", "failed", "ws", "spaced"}),
    ("-has:consumer -has:error", ALL - {"get_user", "post_order", "server_error", "failed"}),
    ("-consumer:acme", ALL - {"get_user", "server_error"}),
    # AND, OR, precedence (AND binds tighter)
    ("method:GET status:404", {"not_found"}),
    ("status:404 OR status:503", {"not_found", "server_error"}),
    ("method:POST status:201 OR status:404", {"post_order", "not_found"}),
    ("has:error OR method:PUT path:/users", {"failed", "server_error"}),
    ("status:404 OR -has:body", {"not_found", "failed", "ws"}),
    ("quokka or", {"post_order"}),
    # parentheses group; "-(" negates a group; quoted parentheses are text
    ("(status:404 OR status:503) method:GET", {"not_found"}),
    ("(method:PUT OR method:DELETE) (has:error OR status:5xx)", {"server_error", "failed"}),
    ("-(status:2xx OR has:error)", {"not_found", "server_error", "ws", "form"}),
    ("((quokka))", {"post_order"}),
    ("( quokka ) OR ( status:101 )", {"post_order", "ws"}),
    ('"(quokka)"', {"post_order"}),  # lower-case "or" is a word (prefix of "orders")
    # free text: URL, headers and bodies; phrases; prefix of the last word; negation
    ("quokka", {"post_order"}),
    ('"page not found"', {"not_found"}),
    ('"not page found"', set()),
    ("overload", {"server_error"}),
    ("Quokka-Plush", {"post_order"}),
    ("-quokka", ALL - {"post_order"}),
    ("http://api.local:8080/users", {"not_found"}),
    ("localhost overloaded", {"server_error"}),
    ("remember", {"form"}),
    ('"100% [sure]"', {"spaced"}),
    ("text/html", {"not_found"}),
    ("quokka OR overloaded", {"post_order", "server_error"}),
    ("quokka method:GET", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_filter_selects_the_expected_exchanges(
    filter_db: sqlite3.Connection, text: str, expected: set[str]
) -> None:
    assert matching(filter_db, text) == expected


def test_every_term_value_is_a_bound_parameter() -> None:
    flt = compile_filter("consumer:zebra path:/giraffe quokka host:okapi", now=NOW)
    for word in ("zebra", "giraffe", "quokka", "okapi"):
        assert word not in flt.where
    assert any("zebra" in str(p) for p in flt.params)


def test_empty_filter_is_match_all() -> None:
    assert compile_filter("") == SqlFilter("1", ())
    assert compile_filter("").is_empty


def test_consumer_filter_and_combination(filter_db: sqlite3.Connection) -> None:
    acme_row = filter_db.execute(
        "SELECT id FROM consumers WHERE identifier = ?", (ACME.id,)
    ).fetchone()[0]
    assert matching(filter_db, consumer_filter(acme_row)) == {"get_user", "server_error"}
    assert matching(filter_db, consumer_filter(None)) == ALL
    both = consumer_filter(acme_row).and_(compile_filter("status:5xx OR status:404", now=NOW))
    # and_ wraps each side, so the OR inside the filter cannot leak past the consumer.
    assert matching(filter_db, both) == {"server_error"}
    assert compile_filter("").and_(consumer_filter(acme_row)) == consumer_filter(acme_row)


ERRORS: list[tuple[str, int, int, str]] = [
    (
        "method:GET stauts:404",
        11,
        6,
        "Unknown filter key 'stauts' at position 11 (did you mean 'status'?)",
    ),
    ("colour:red", 0, 6, "Unknown filter key 'colour'"),
    ("status:", 0, 7, "Empty value for status at position 0"),
    ('path:""', 0, 5, "Empty value for path"),
    ('a "unclosed', 2, 1, "Unclosed quote at position 2"),
    ('path:"/a b', 5, 1, "Unclosed quote at position 5"),
    ("OR status:404", 0, 2, "OR at position 0 needs a term on each side"),
    ("status:404 OR", 11, 2, "OR at position 11"),
    ("a OR OR b", 5, 2, "OR at position 5"),
    ("status:404 - method:GET", 11, 1, "Lone '-' at position 11"),
    ("(status:404", 0, 1, "Unclosed ( at position 0"),
    ("a (b (c)", 2, 1, "Unclosed ( at position 2"),
    ("status:404)", 10, 1, "Unmatched ) at position 10"),
    ("path:/a(1)", 9, 1, "Unmatched ) at position 9"),
    ("() a", 0, 1, "Empty parentheses at position 0"),
    ("( OR a)", 2, 2, "OR at position 2"),
    ("(a OR)", 3, 2, "OR at position 3"),
    ("!!!", 0, 3, "Nothing to search for in '!!!'"),
    ('"a\x00b"', 2, 1, "cannot be searched"),
    ("  sttaus:5xx", 2, 6, "at position 2 (did you mean 'status'?)"),
    ('-"x y" stauts:1', 7, 6, "'stauts' at position 7"),
]


@pytest.mark.parametrize(("text", "position", "length", "message"), ERRORS,
                         ids=[e[0] for e in ERRORS])  # fmt: skip
def test_bad_filters_name_the_position(text: str, position: int, length: int, message: str) -> None:
    assert_refused(text, position, length, message)


def test_unknown_key_lists_keys_when_nothing_is_close() -> None:
    with pytest.raises(FilterError, match="known keys: method, status"):
        compile_filter("zzzzzz:1")


INJECTIONS = [
    "'; DROP TABLE exchanges; --",
    '") OR 1=1 --',
    "x' OR '1'='1",
    "%' OR 1=1 OR '%",
    "*",
    "NEAR(zq zw)",
    "zq OR zw AND zx NOT zy",
    "url:localhost",
    "{url headers}: x",
    "^zq",
    "zq* zw*",
]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("key", [*FILTER_KEYS, None])
def test_injection_attempts_through_every_term_change_nothing(
    tmp_path: Path, key: str | None, payload: str
) -> None:
    conn = open_db(tmp_path / "capture.db")
    write_batch(conn, [make_exchange(uid="one"), make_exchange(uid="two", status=500)])
    quoted = '"' + payload.replace('"', "") + '"'
    text = quoted if key is None else f"{key}:{quoted}"
    try:
        flt = compile_filter(text, now=NOW)
    except FilterError:
        pass
    else:
        selected = matching(conn, flt)
        # No payload names anything in these exchanges: a term that matched both would mean
        # the payload changed the query instead of being compared as a value.
        wildcard = payload == "*" and key in ("host", "path", "endpoint")
        assert selected != {"one", "two"} or wildcard
    assert conn.execute("SELECT count(*) FROM exchanges").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM exchanges_fts").fetchone()[0] == 2
    conn.close()


def test_fts_operators_in_free_text_are_plain_words(filter_db: sqlite3.Connection) -> None:
    # Unquoted FTS5 syntax would make these match everything or fail; as phrases they find none.
    for text in ('"quokka OR page"', "NOT", "quokka NEAR", "AND", '"*"x'):
        assert matching(filter_db, text) <= ALL
    assert matching(filter_db, '"quokka OR page"') == set()


# --- Property: any text compiles to SQL that runs, or fails with a FilterError ---------------

_TERM_PIECES = st.sampled_from(
    [*FILTER_KEYS, "OR", "-", '"', ":", ",", "..", "-", ">=", "<", "*", "5xx", "1.5s", "10k",
     "2026-11-22", "0001-01-01", "9999-12-31", "T10:00", "15m", "/users", "{id}", "%", "_",
     "'", "\\", "NEAR", "AND", "NOT", "(", ")", " ", "  ", "\t", "é", "漢", "\x00", "0",
     "999999999999999999999", "since:", "until:", "status:", "size:", "duration:", "host:"]
)  # fmt: skip


@st.composite
def filter_texts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.text(max_size=40))
    return "".join(draw(st.lists(_TERM_PIECES, max_size=12)))


@settings(max_examples=400, deadline=None)
@given(text=filter_texts())
def test_any_text_gives_a_runnable_filter_or_a_filter_error(
    filter_db: sqlite3.Connection, text: str
) -> None:
    try:
        flt = compile_filter(text, now=NOW)
    except FilterError as error:
        assert 0 <= error.position <= max(0, len(text) - 1)
        assert error.length >= 1
        return
    assert matching(filter_db, flt) <= ALL


def test_every_key_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Filters", 1)[1].split("\n## ", 1)[0]
    for key in FILTER_KEYS:
        assert f"`{key}:" in section, f"README's Filters section does not show {key}:"
