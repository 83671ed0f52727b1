"""The filter language (DESIGN section 6): one parser for the CLI and the GUI, compiled to SQL.

Grammar, loosest binding first::

    filter := group ("OR" group)*          # OR binds looser than AND
    group  := item item*                   # every item of a group must match
    item   := ["-"] "(" filter ")" | term  # parentheses nest; "-(" negates a group
    term   := ["-"] (key ":" value | text) # "-" negates the term

Values and free text may hold spaces inside double quotes (`path:"/a b"`, `"not found"`).
Every user value reaches SQLite as a bound parameter; free text reaches FTS5 as a quoted phrase,
so no input can inject SQL or FTS operators.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass

from inspector.store.filter_syntax import FilterError, Token, Word, check_characters, tokens
from inspector.store.filter_terms import TERMS, Compiled, TermContext

__all__ = [
    "FILTER_KEYS",
    "MATCH_ALL",
    "FilterError",
    "SqlFilter",
    "compile_filter",
    "consumer_filter",
]

FILTER_KEYS: dict[str, str] = {
    "method": "HTTP method, any of a comma list: method:POST, method:get,put",
    "status": (
        "status code: status:404, status:5xx, status:>=400, status:400-499, status:failed, "
        "status:error (>= 400 or failed)"
    ),
    "host": "exact host or host:port, * as a wildcard: host:api.local, host:*.example.com:8443",
    "path": "path prefix, * as a wildcard: path:/users, path:/users/*/orders",
    "endpoint": "exact path template: endpoint:/users/{id}",
    "consumer": "consumer label, e-mail, id or group contains (any case): consumer:acme",
    "duration": "response time in ms (or 1.5s, 200ms): duration:>500, duration:100-250",
    "size": "response bytes (k, m suffixes, 1k = 1024): size:>10k, size:<=512",
    "since": "started at or after: since:15m, since:2h, since:today, since:2026-11-22T10:00",
    "until": "started before: until:1h, until:2026-11-22 (the whole day), until:10:30",
    "type": "response media type: type:json, html, xml, text, image, form, binary, websocket",
    "has": "has:error (failed, no response), has:body, has:consumer, has:query, has:source, "
    "has:websocket",
    "scheme": "URL scheme: scheme:https",
    "port": "server port: port:8080, port:>=8000",
    "ua": "user agent contains (any case): ua:curl",
    "source": "launched program (inspector run, Intercept) contains (any case): source:curl",
}

# Aliases a user may reasonably type; they map to a key of FILTER_KEYS.
_KEY_ALIASES = {"user-agent": "ua", "user_agent": "ua", "agent": "ua", "code": "status"}

_KEY_SHAPE = re.compile(r"[A-Za-z][A-Za-z_-]*")


@dataclass(frozen=True)
class SqlFilter:
    """A parameterised SQL condition over aliases `e` (exchanges) and `c` (consumers).

    `where` is always valid inside `WHERE (...)`; the empty filter is `"1"`.
    """

    where: str = "1"
    params: tuple[object, ...] = ()
    # Nothing but free text (one full-text query): read in time order, such a filter is faster
    # walking the time index than sorting its matches (see query_base.time_walk).
    free_text_only: bool = False

    def and_(self, other: SqlFilter) -> SqlFilter:
        if other.where == "1":
            return self
        if self.where == "1":
            return other
        return SqlFilter(f"({self.where}) AND ({other.where})", self.params + other.params)

    @property
    def is_empty(self) -> bool:
        return self.where == "1"


MATCH_ALL = SqlFilter()


def consumer_filter(consumer_row_id: int | None) -> SqlFilter:
    """Exchanges of one consumer (its row id in `consumers`); None selects every exchange."""
    if consumer_row_id is None:
        return MATCH_ALL
    return SqlFilter("e.consumer_id = ?", (consumer_row_id,))


assert set(TERMS) == set(FILTER_KEYS)


@dataclass(frozen=True)
class _Term:
    negated: bool
    sql: str
    params: tuple[object, ...]
    fts_phrase: str | None = None  # free text: an FTS5 phrase, merged with its group's others


def _fts_phrase(text: str) -> str:
    """A quoted FTS5 phrase; the last word matches as a prefix, as a search box does."""
    return '"' + text.replace('"', '""') + '" *'


def _split_key(word: Word) -> tuple[str, int] | None:
    """The key of a `key:value` word and where its value starts, or None for free text."""
    colon = word.text.find(":")
    if colon <= 0 or any(word.quoted[: colon + 1]):
        return None
    if not _KEY_SHAPE.fullmatch(word.text[:colon]):
        return None
    return word.text[:colon], colon + 1


def _unknown_key(word: Word, key: str) -> FilterError:
    position, length = word.span(0, len(key))
    choices = list(FILTER_KEYS) + list(_KEY_ALIASES)
    hint = difflib.get_close_matches(key.lower(), choices, n=1, cutoff=0.6)
    suggestion = (
        f" (did you mean '{_KEY_ALIASES.get(hint[0], hint[0])}'?)"
        if hint
        else f"; known keys: {', '.join(FILTER_KEYS)}"
    )
    return FilterError(
        f"Unknown filter key '{key}' at position {position}{suggestion}", position, length
    )


def _compile_term(word: Word, now: float) -> _Term:
    negated = word.text.startswith("-") and not word.quoted[0]
    if negated:
        if len(word.text) == 1:
            raise FilterError(
                f"Lone '-' at position {word.offsets[0]}: put it right before a term to "
                "exclude it, as in -status:200",
                word.offsets[0],
            )
        word = Word(word.text[1:], word.offsets[1:], word.quoted[1:], word.offsets[1], word.end)
    split = _split_key(word)
    if split is not None:
        raw_key, value_start = split
        key = _KEY_ALIASES.get(raw_key.lower(), raw_key.lower())
        if key not in TERMS:
            if word.text[value_start:].startswith("//"):
                split = None  # a URL such as http://localhost/...: free text
            else:
                raise _unknown_key(word, raw_key)
    if split is None:
        if not any(char.isalnum() for char in word.text):
            position, length = word.span(0)
            raise FilterError(
                f"Nothing to search for in {word.text!r} at position {position}: free text "
                "needs letters or digits",
                position,
                length,
            )
        phrase = _fts_phrase(word.text)
        return _Term(negated, _FTS_SQL, (phrase,), fts_phrase=phrase)
    value = word.text[value_start:]
    if not value.strip():
        position, length = word.span(0, value_start)
        raise FilterError(
            f"Empty value for {key} at position {position} ({FILTER_KEYS[key]})", position, length
        )
    ctx = TermContext(word=word, key=key, value=value, value_start=value_start, now=now)
    sql, params = TERMS[key](ctx)
    return _Term(negated, sql, params)


_FTS_SQL = "e.id IN (SELECT rowid FROM exchanges_fts WHERE exchanges_fts MATCH ?)"


def _group_sql(terms: list[_Term]) -> Compiled:
    # Positive free-text terms share one FTS5 query: one index lookup instead of one per word.
    phrases = [t.fts_phrase for t in terms if t.fts_phrase is not None and not t.negated]
    parts: list[Compiled] = []
    if phrases:
        parts.append((_FTS_SQL, (" AND ".join(phrases),)))
    for term in terms:
        if term.fts_phrase is not None and not term.negated:
            continue
        if term.negated:
            # NULL columns (no status, no duration) must not make "NOT" drop the row.
            parts.append((f"NOT ifnull(({term.sql}), 0)", term.params))
        else:
            parts.append((term.sql, term.params))
    return _balanced(parts, "AND")


def _balanced(parts: list[Compiled], operator: str) -> Compiled:
    """parts joined by AND or OR as a balanced tree, parenthesised.

    SQLite parses `a OR b OR c ...` into a chain as deep as it is long and refuses one deeper
    than 1,000 ("Expression tree is too large"); halves nest only log2(n) deep, so a filter of
    thousands of terms still runs.
    """
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    left, right = _balanced(parts[:middle], operator), _balanced(parts[middle:], operator)
    return f"({left[0]}) {operator} ({right[0]})", left[1] + right[1]


# Deeper than any filter a person writes, shallow enough for Python's recursion and SQLite's
# expression depth limit (each level costs SQLite about three).
MAX_NESTING = 100


class _Parser:
    """Recursive descent over tokens: OR of AND-groups, parentheses nest, `-(` negates."""

    def __init__(self, items: list[Token], now: float) -> None:
        self.items = items
        self.now = now
        self.index = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def expression(self, opened: Token | None) -> Compiled | None:
        """Terms up to the closing parenthesis of `opened` (or the end); None when empty."""
        groups: list[list[_Term]] = [[]]
        last_or: Token | None = None
        while (token := self.peek()) is not None and token.kind != "close":
            self.index += 1
            if token.kind == "or":
                if not groups[-1]:
                    raise _dangling_or(token)
                groups.append([])
                last_or = token
            elif token.kind == "open":
                self.depth += 1
                if self.depth > MAX_NESTING:
                    raise FilterError(
                        f"Parentheses nest too deeply at position {token.position} "
                        f"(at most {MAX_NESTING} levels)",
                        token.position,
                    )
                inner = self.expression(token)
                self.depth -= 1
                if inner is None:
                    raise FilterError(
                        f"Empty parentheses at position {token.position}", token.position
                    )
                groups[-1].append(_Term(token.negated, inner[0], inner[1]))
            else:
                assert token.word is not None
                groups[-1].append(_compile_term(token.word, self.now))
        if opened is not None:
            if token is None:
                raise FilterError(
                    f"Unclosed ( at position {opened.position}: add the closing )",
                    opened.position,
                )
            self.index += 1  # the closing parenthesis
        if not groups[-1]:
            if last_or is not None:
                raise _dangling_or(last_or)
            return None
        return _balanced([_group_sql(group) for group in groups], "OR")


def _dangling_or(token: Token) -> FilterError:
    return FilterError(
        f"OR at position {token.position} needs a term on each side", token.position, 2
    )


def compile_filter(text: str, *, now: float | None = None) -> SqlFilter:
    """Compile filter text into a SqlFilter; raises FilterError locating the bad term.

    `now` (epoch seconds) anchors relative times such as since:15m; default: the current time.
    """
    check_characters(text)
    parser = _Parser(tokens(text), time.time() if now is None else now)
    compiled = parser.expression(None)
    stray = parser.peek()
    if stray is not None:  # only a closing parenthesis stops the top level early
        raise FilterError(
            f"Unmatched ) at position {stray.position}: remove it, or quote a value that "
            'ends in ), as in path:"/a(1)"',
            stray.position,
        )
    if compiled is None:
        return MATCH_ALL
    return SqlFilter(*compiled, free_text_only=compiled[0] == _FTS_SQL)
