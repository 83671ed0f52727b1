"""Config.process(): grouping plus redaction of a whole exchange, as capture applies it."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.config import Config, fingerprint, load_config, parse_config
from inspector.config.defaults import REDACTED
from inspector.demo.credentials import make_jwt
from inspector.model import Body, Exchange
from inspector.testing.factories import ExchangeOverrides, make_exchange


def everything(exchange: Exchange) -> str:
    """Every text a user (or the database) could see of an exchange."""
    consumer = exchange.consumer
    parts = [
        exchange.url, exchange.path, exchange.query,
        repr(exchange.request_headers), repr(exchange.response_headers),
        exchange.request_body.content.decode("latin-1"),
        exchange.response_body.content.decode("latin-1"),
        repr(consumer) if consumer else "",
    ]  # fmt: skip
    return "\n".join(parts)


def test_secrets_in_every_place_are_gone_and_the_rest_is_intact() -> None:
    jwt = make_jwt({"sub": "user-9", "secret": "S-JWT-CLAIM"})
    request = json.dumps(
        {"name": "Ada", "auth": {"Password": "S-JSON"}, "list": [{"token": "S-LIST"}]}
    )
    response = json.dumps({"id": 1, "refresh_token": "S-RESP-BODY"})
    exchange = make_exchange(
        method="POST",
        query="page=2&api_key=S-QUERY&Access_Token=S-QUERY2",
        request_headers=(
            ("Host", "localhost:8000"),
            ("Authorization", f"Bearer {jwt}"),
            ("X-API-KEY", "S-HEADER"),
            ("Cookie", "sid=S-COOKIE"),
            ("Content-Type", "application/json"),
        ),
        request_body=Body(content=request.encode(), size=len(request), wire_size=len(request),
                          content_type="application/json"),
        response_headers=(
            ("Set-Cookie", "session=S-SET-COOKIE; HttpOnly"),
            ("X-Auth-Token", "S-RESP-HEADER"),
            ("Content-Type", "application/json"),
        ),
        response_body=Body(content=response.encode(), size=len(response),
                           wire_size=len(response), content_type="application/json"),
    )  # fmt: skip
    result = load_config(None).process(exchange)
    assert result is not None
    seen = everything(result)
    for marker in ("S-QUERY", "S-HEADER", "S-COOKIE", "S-JSON", "S-LIST", "S-RESP-BODY",
                   "S-SET-COOKIE", "S-RESP-HEADER", jwt, "S-JWT-CLAIM"):  # fmt: skip
        assert marker not in seen, marker
    assert (
        result.url
        == f"http://localhost:8000/users/42?page=2&api_key={REDACTED}&Access_Token={REDACTED}"
    )
    assert result.consumer is not None and result.consumer.id == "user-9"
    assert json.loads(result.request_body.content)["name"] == "Ada"
    assert result.request_body.size == len(request)
    assert result.response_body.size == len(response)
    assert (result.status, result.duration_ms, result.uid) == (200, 12.5, exchange.uid)


def test_a_credential_used_as_consumer_id_never_appears_in_clear() -> None:
    result = load_config(None).process(make_exchange(request_headers=(("x-api-key", "S-KEY-ID"),)))
    assert result is not None and result.consumer is not None
    assert result.consumer.id == fingerprint("S-KEY-ID")
    assert "S-KEY-ID" not in everything(result)


def test_masks_reach_the_path_and_every_kept_value() -> None:
    config = parse_config("[redact]\nmask = ['acct-\\d+']")
    result = config.process(
        make_exchange(
            path="/accounts/acct-1234/cards/4111111111111111",
            query="q=acct-99",
            request_headers=(("X-Note", "acct-5"),),
        )
    )
    assert result is not None
    assert result.path == f"/accounts/{REDACTED}/cards/{REDACTED}"
    assert "acct-" not in everything(result)


def test_an_exchange_without_secrets_comes_back_unchanged() -> None:
    exchange = make_exchange()
    assert parse_config("group = []").process(exchange) is exchange


def test_redact_exchange_applies_rules_without_scope_or_grouping() -> None:
    config = parse_config('[capture]\nhosts = ["elsewhere"]')
    result = config.redact_exchange(make_exchange(query="token=abc"))
    assert result.query == f"token={REDACTED}" and result.consumer is None


# Property: planted secrets under denied names, with any casing, in any place, never survive.
PLACES = ["request_header", "response_header", "query", "form", "cookie", "json", "response_json"]
NAMES = ["authorization", "x-api-key", "api_key", "apikey", "access_token", "client_secret",
         "password", "passwd", "pwd", "set-cookie", "cookie", "x-auth-token"]  # fmt: skip


@st.composite
def planted(draw: st.DrawFn) -> tuple[Exchange, str]:
    secret = "Pl4nted" + draw(st.text(alphabet="abcdefXYZ0123456789_-.~", min_size=6, max_size=20))
    name = "".join(c.upper() if draw(st.booleans()) else c for c in draw(st.sampled_from(NAMES)))
    place = draw(st.sampled_from(PLACES))
    kw: ExchangeOverrides = {}
    noise = draw(st.text(max_size=10))
    if place == "request_header":
        kw["request_headers"] = (("Accept", noise), (name, secret))
    elif place == "response_header":
        kw["response_headers"] = ((name, secret), ("X-Other", noise))
    elif place == "query":
        kw["query"] = f"x={quote(noise)}&{name}={quote(secret)}"
    elif place == "cookie":
        kw["request_headers"] = (("Cookie", f"a=1; {name}={secret}"),)
    elif place == "form":
        content = f"x={quote(noise)}&{name}={quote(secret)}".encode()
        kw["request_body"] = Body(content=content, size=len(content),
                                  content_type="application/x-www-form-urlencoded")  # fmt: skip
    else:
        nested: object = {name: secret}
        for _ in range(draw(st.integers(0, 3))):
            nested = draw(
                st.sampled_from([{"data": nested}, [nested], {"x": noise, "y": [nested]}])
            )
        content = json.dumps(nested).encode() + draw(st.sampled_from([b"", b"\xff\xfe", b"}"]))
        body = Body(content=content, size=len(content), content_type="application/json")
        if place == "json":
            kw["request_body"] = body
        else:
            kw["response_body"] = body
    return make_exchange(**kw), secret


DEFAULTS: Config = load_config(None)


@settings(max_examples=300, deadline=None)
@given(planted())
def test_no_planted_secret_survives_anywhere(case: tuple[Exchange, str]) -> None:
    exchange, secret = case
    result = DEFAULTS.process(exchange)
    assert result is not None
    assert secret not in everything(result)
    assert quote(secret) not in everything(result)


# Property: capture never stops, whatever arrives: any header text (lone surrogates included, as
# undecodable header bytes come through), any query, any body bytes under any content type.
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
_HEADERS = st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), _ANY_TEXT), _ANY_TEXT), max_size=6)
_TYPES = st.one_of(
    st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                     "multipart/form-data; boundary=x", "application/x-ndjson", "image/png", ""]),
    _ANY_TEXT,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_HEADERS, _HEADERS, _ANY_TEXT, st.binary(max_size=200), _TYPES, st.binary(max_size=200))
def test_process_never_raises(
    request_headers: list[tuple[str, str]],
    response_headers: list[tuple[str, str]],
    query: str,
    request_content: bytes,
    content_type: str,
    response_content: bytes,
) -> None:
    exchange = make_exchange(
        request_headers=tuple(request_headers),
        response_headers=tuple(response_headers),
        query=query,
        path="/" + query,
        request_body=Body(content=request_content, size=len(request_content),
                          content_type=content_type),
        response_body=Body(content=response_content, size=len(response_content),
                           content_type=content_type),
    )  # fmt: skip
    result = DEFAULTS.process(exchange)
    assert result is None or result.request_body.size == len(request_content)
