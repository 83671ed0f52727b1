"""The filter language's terms, key by key: what each selects among exchanges that single it
out, relative and absolute times, and a bad value named at its position with what is wrong."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from tests.store.filter_support import ALL, NOW, assert_refused, matching


def _local_iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s).strftime("%Y-%m-%dT%H:%M:%S")


TERM_CASES: list[tuple[str, set[str]]] = [
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
]


@pytest.mark.parametrize(("text", "expected"), TERM_CASES, ids=[c[0] for c in TERM_CASES])
def test_each_key_selects_the_expected_exchanges(
    filter_db: sqlite3.Connection, text: str, expected: set[str]
) -> None:
    assert matching(filter_db, text) == expected


def test_time_words_and_whole_days(filter_db: sqlite3.Connection) -> None:
    day = dt.datetime.fromtimestamp(NOW - 2 * 86400).date().isoformat()
    assert "server_error" in matching(filter_db, f"until:{day}")  # the whole day is included
    assert "server_error" not in matching(filter_db, f"since:{day} -until:{day}")
    assert matching(filter_db, "since:today") >= {"failed", "ws"}
    assert "server_error" not in matching(filter_db, "since:yesterday")
    assert matching(filter_db, "since:now") == set()


TERM_ERRORS: list[tuple[str, int, int, str]] = [
    ("status:abc", 7, 3, "Bad status 'abc' at position 7"),
    ("status:200,abc", 11, 3, "Bad status 'abc' at position 11"),
    ("status:200,", 10, 1, "Empty item in the status list"),
    ("duration:>fast", 9, 5, "Bad duration value '>fast'"),
    ("duration:5-2", 9, 3, "the range starts above its end"),
    ("size:10q", 5, 3, "Bad size value '10q'"),
    ("since:soon", 6, 4, "Bad since value 'soon'"),
    ("until:2026-13-45", 6, 10, "no such date"),
    ("since:25:99", 6, 5, "no such time of day"),
    ("until:9999-12-31", 6, 10, "out of range"),
    ("has:nothing", 4, 7, "Unknown has:nothing at position 4"),
    ("has:eror", 4, 4, "did you mean 'error'?"),
    ("method:G3T", 7, 3, "Bad method 'G3T'"),
    ("host::80", 5, 3, "Empty host"),
    ("host:api.local:99999", 5, 15, "Bad port '99999'"),
]


@pytest.mark.parametrize(("text", "position", "length", "message"), TERM_ERRORS,
                         ids=[e[0] for e in TERM_ERRORS])  # fmt: skip
def test_a_bad_value_is_named_at_its_position(
    text: str, position: int, length: int, message: str
) -> None:
    assert_refused(text, position, length, message)
