"""The filter language: each key, negation, OR, quotes, errors at their position, injection."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.model import Body, Consumer
from inspector.store import open_db, write_batch
from inspector.store.filters import (
    FILTER_KEYS,
    FilterError,
    SqlFilter,
    compile_filter,
    consumer_filter,
)
from inspector.testing import make_exchange

NOW = 1_795_000_000.0  # a fixed "now" so relative times are reproducible
ACME = Consumer(id="key-acme-1234", label="Acme Corp", email="ops@acme.test", group="Enterprise")
GLOBEX = Consumer(id="key-globex-9", label="Globex", email="it@globex.test", group="Free")


def _body(content: bytes, content_type: str, size: int | None = None) -> Body:
    size = len(content) if size is None else size
    return Body(content=content, size=size, wire_size=size, content_type=content_type)


def _exchanges() -> list[tuple[str, object]]:
    """Named exchanges, each with something the filters below single out."""
    return [
        ("get_user", make_exchange(
            uid="get_user", started_at=NOW - 60, consumer=ACME, duration_ms=12.5,
        )),
        ("post_order", make_exchange(
            uid="post_order", started_at=NOW - 3 * 3600, method="POST", scheme="https",
            host="api.local", port=443, path="/orders", status=201, duration_ms=650.0,
            consumer=GLOBEX, response_body=_body(b"<order id='1'/>", "application/xml", 20480),
            response_headers=(("Content-Type", "application/xml"),),
            request_json={"sku": "quokka-plush", "qty": 2},
        )),
        ("not_found", make_exchange(
            uid="not_found", started_at=NOW - 120, path="/users/999", host="api.local",
            port=8080, status=404, duration_ms=30.0,
            response_body=_body(b"<h1>page not found</h1>", "text/html; charset=utf-8"),
            response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        )),
        ("server_error", make_exchange(
            uid="server_error", started_at=NOW - 2 * 86400, method="PUT", path="/users/7",
            status=503, duration_ms=1500.0, consumer=ACME,
            response_body=_body(b"upstream overloaded", "text/plain"),
            response_headers=(("Content-Type", "text/plain"),),
        )),
        ("failed", make_exchange(
            uid="failed", started_at=NOW - 10, method="DELETE", path="/orders/5", status=None,
            reason="", duration_ms=None, error="Connection refused", response_body=Body(),
            response_headers=(),
        )),
        ("ws", make_exchange(
            uid="ws", started_at=NOW - 5, path="/socket", status=101, duration_ms=3.0,
            websocket_messages=5, websocket_bytes=320, response_body=Body(), response_headers=(),
        )),
        ("form", make_exchange(
            uid="form", started_at=NOW - 30, method="post", host="Api.Local", port=8080,
            path="/login", query="next=/home", status=302, duration_ms=80.0,
            request_headers=(("User-Agent", "curl/8.5.0"),),
            request_body=_body(b"user=ada&remember=1", "application/x-www-form-urlencoded"),
            response_body=Body(), response_headers=(),
        )),
        ("image", make_exchange(
            uid="image", started_at=NOW - 40, path="/static/logo.png", duration_ms=200.0,
            response_body=_body(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", 51200),
            response_headers=(("Content-Type", "image/png"),),
        )),
        ("spaced", make_exchange(
            uid="spaced", started_at=NOW - 50, path="/a b/c", duration_ms=1.0,
            json_body={"note": "hello 100% [sure] world"},
        )),
    ]  # fmt: skip


ALL = {name for name, _ in _exchanges()}


@pytest.fixture(scope="module")
def filter_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("filters") / "capture.db"
    conn = open_db(path)
    write_batch(conn, [exchange for _, exchange in _exchanges()])  # type: ignore[misc]
    yield conn
    conn.close()


def matching(conn: sqlite3.Connection, text: str | SqlFilter) -> set[str]:
    flt = compile_filter(text, now=NOW) if isinstance(text, str) else text
    rows = conn.execute(
        "SELECT e.uid FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id "
        f"WHERE ({flt.where})",
        flt.params,
    )
    return {row[0] for row in rows}


def _local_iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s).strftime("%Y-%m-%dT%H:%M:%S")


CASES: list[tuple[str, set[str]]] = [
    ("", ALL),
    ("   ", ALL),
    # method: case-insensitive, comma lists
    ("method:POST", {"post_order", "form"}),
    ("method:get,put", {"get_user", "not_found", "server_error", "ws", "image", "spaced"}),
    # status: code, class, comparisons, ranges, lists; failed exchanges have no status
    ("status:404", {"not_found"}),
    ("status:5xx", {"server_error"}),
    ("status:>=400", {"not_found", "server_error"}),
    ("status:<200", {"ws"}),
    ("status:300-499", {"form", "not_found"}),
    ("status:300..399", {"form"}),
    ("status:201,404", {"post_order", "not_found"}),
    ("status:2xx,5xx", {"get_user", "post_order", "image", "spaced", "server_error"}),
    ("status:failed", {"failed"}),
    ("status:5xx,FAILED", {"server_error", "failed"}),
    ("-status:failed", ALL - {"failed"}),
    # status:error is what every Errors column counts: >= 400 or no response at all
    ("status:error", {"not_found", "server_error", "failed"}),
    ("status:ERRORS", {"not_found", "server_error", "failed"}),
    ("-status:error", ALL - {"not_found", "server_error", "failed"}),
    ("status:error,201", {"not_found", "server_error", "failed", "post_order"}),
    # host: exact, any case, optional port, * wildcard
    ("host:api.local", {"post_order", "not_found", "form"}),
    ("host:API.LOCAL:8080", {"not_found", "form"}),
    ("host:*.local", {"post_order", "not_found", "form"}),
    ("host:local", set()),
    ("host:localhost,api.local:443", ALL - {"not_found", "form"}),
    # path: prefix, * wildcard, quotes for spaces
    ("path:/users", {"get_user", "not_found", "server_error"}),
    ("path:/users/9", {"not_found"}),
    ("path:/orders/*", {"failed"}),
    ("path:/*/logo", {"image"}),
    ('path:"/a b"', {"spaced"}),
    ('"path:/a b"', set()),  # quoted as a whole: free text, not a key
    # endpoint: exact template
    ("endpoint:/users/{id}", {"get_user", "not_found", "server_error"}),
    ("endpoint:/users", set()),
    ("endpoint:/orders*", {"post_order", "failed"}),
    # consumer: label, e-mail, identifier or group, any case, substring
    ("consumer:acme", {"get_user", "server_error"}),
    ("consumer:GLOBEX.TEST", {"post_order"}),
    ("consumer:enterprise", {"get_user", "server_error"}),
    ("consumer:globex-9", {"post_order"}),
    ('consumer:"acme corp"', {"get_user", "server_error"}),
    ("consumer:%", set()),  # LIKE wildcards are literal
    ("consumer:_", set()),
    # duration: ms by default, units, comparisons, ranges
    ("duration:>500", {"post_order", "server_error"}),
    ("duration:>1.2s", {"server_error"}),
    ("duration:<=3ms", {"ws", "spaced"}),
    ("duration:10-100", {"get_user", "not_found", "form"}),
    ("duration:=30", {"not_found"}),
    # size: response bytes, 1k = 1024
    ("size:>10k", {"post_order", "image"}),
    ("size:>=50kb", {"image"}),
    ("size:20k", {"post_order"}),
    ("size:0", {"failed", "ws", "form"}),
    # since / until: relative to now, or local ISO
    ("since:15m", {"get_user", "not_found", "failed", "ws", "form", "image", "spaced"}),
    ("since:1d", ALL - {"server_error"}),
    ("until:1h", {"post_order", "server_error"}),
    ("since:1d until:1h", {"post_order"}),
    ("since:1h30m", ALL - {"post_order", "server_error"}),
    (f"since:{_local_iso(NOW - 3 * 3600 - 1)}", ALL - {"server_error"}),
    (f"until:{_local_iso(NOW - 3 * 3600 + 1)}", {"post_order", "server_error"}),
    # type: response media type, aliases; form looks at the request
    ("type:json", {"get_user", "spaced"}),
    ("type:html", {"not_found"}),
    ("type:xml", {"post_order"}),
    ("type:text", {"not_found", "server_error"}),
    ("type:image", {"image"}),
    ("type:binary", {"image"}),
    ("type:form", {"form"}),
    ("type:websocket", {"ws"}),
    ("type:png", {"image"}),
    # has:
    ("has:error", {"failed"}),
    ("has:consumer", {"get_user", "post_order", "server_error"}),
    ("has:query", {"form"}),
    ("has:websocket", {"ws"}),
    ("has:body", ALL - {"failed", "ws"}),
    # scheme, port, ua
    ("scheme:https", {"post_order"}),
    ("port:8080", {"not_found", "form"}),
    ("port:>=8080", {"not_found", "form"}),
    ("ua:CURL", {"form"}),
    ("user-agent:curl", {"form"}),
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


def test_time_words_and_whole_days(filter_db: sqlite3.Connection) -> None:
    day = dt.datetime.fromtimestamp(NOW - 2 * 86400).date().isoformat()
    assert "server_error" in matching(filter_db, f"until:{day}")  # the whole day is included
    assert "server_error" not in matching(filter_db, f"since:{day} -until:{day}")
    assert matching(filter_db, "since:today") >= {"failed", "ws"}
    assert "server_error" not in matching(filter_db, "since:yesterday")
    assert matching(filter_db, "since:now") == set()


ERRORS: list[tuple[str, int, int, str]] = [
    (
        "method:GET stauts:404",
        11,
        6,
        "Unknown filter key 'stauts' at position 11 (did you mean 'status'?)",
    ),
    ("colour:red", 0, 6, "Unknown filter key 'colour'"),
    ("status:abc", 7, 3, "Bad status 'abc' at position 7"),
    ("status:200,abc", 11, 3, "Bad status 'abc' at position 11"),
    ("status:200,", 10, 1, "Empty item in the status list"),
    ("status:", 0, 7, "Empty value for status at position 0"),
    ('path:""', 0, 5, "Empty value for path"),
    ("duration:>fast", 9, 5, "Bad duration value '>fast'"),
    ("duration:5-2", 9, 3, "the range starts above its end"),
    ("size:10q", 5, 3, "Bad size value '10q'"),
    ("since:soon", 6, 4, "Bad since value 'soon'"),
    ("until:2026-13-45", 6, 10, "no such date"),
    ("since:25:99", 6, 5, "no such time of day"),
    ("until:9999-12-31", 6, 10, "out of range"),
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
    ("has:nothing", 4, 7, "Unknown has:nothing at position 4"),
    ("has:eror", 4, 4, "did you mean 'error'?"),
    ("method:G3T", 7, 3, "Bad method 'G3T'"),
    ("host::80", 5, 3, "Empty host"),
    ("host:api.local:99999", 5, 15, "Bad port '99999'"),
    ("!!!", 0, 3, "Nothing to search for in '!!!'"),
    ('"a\x00b"', 2, 1, "cannot be searched"),
    ("  sttaus:5xx", 2, 6, "at position 2 (did you mean 'status'?)"),
    ('-"x y" stauts:1', 7, 6, "'stauts' at position 7"),
]


@pytest.mark.parametrize(("text", "position", "length", "message"), ERRORS,
                         ids=[e[0] for e in ERRORS])  # fmt: skip
def test_bad_filters_name_the_position(text: str, position: int, length: int, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text, now=NOW)
    error = caught.value
    assert message in str(error)
    assert (error.position, error.length) == (position, length)
    assert error.exit_code == 2


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
