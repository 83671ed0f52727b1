"""Key rules, masks, and redaction of headers, query strings and cookies."""

from __future__ import annotations

import re

from inspector.config.defaults import BUILTIN_DENY, REDACTED
from inspector.config.redaction import (
    DENIED,
    KEEP,
    NOT_ALLOWED,
    HeaderRedactor,
    KeyRules,
    Masker,
    redact_pairs,
    redact_url,
)
from inspector.testing.factories import make_exchange

BUILTIN = KeyRules(BUILTIN_DENY, ())
CARDS = Masker((), cards=True)
NO_MASK = Masker((), cards=False)


def test_allow_keeps_only_listed_names_and_deny_still_wins() -> None:
    rules = KeyRules(["password"], ["id", "name", "password", "x-*"])
    assert rules.verdict("ID") == KEEP
    assert rules.verdict("x-request-id") == KEEP
    assert rules.verdict("email") == NOT_ALLOWED
    assert rules.verdict("Password") == DENIED


def test_query_values_are_replaced_and_other_pairs_stay_byte_for_byte() -> None:
    query = "a=1%202&API_KEY=s3cr3t&b=&flag&token=t0k+en"
    assert redact_pairs(query, BUILTIN, NO_MASK) == (
        f"a=1%202&API_KEY={REDACTED}&b=&flag&token={REDACTED}"
    )


def test_nested_form_names_are_judged_by_their_last_part() -> None:
    query = "user[name]=ada&user[access_token]=t&user%5Bpwd%5D=p"
    assert redact_pairs(query, BUILTIN, NO_MASK) == (
        f"user[name]=ada&user[access_token]={REDACTED}&user%5Bpwd%5D={REDACTED}"
    )


def test_percent_encoded_names_are_matched_decoded() -> None:
    assert redact_pairs("pass%77ord=x", BUILTIN, NO_MASK) == f"pass%77ord={REDACTED}"


def test_masks_apply_to_kept_query_values() -> None:
    masked = redact_pairs("card=4111+1111+1111+1111&ts=1732370000000", BUILTIN, CARDS)
    assert "4111" not in masked
    assert "ts=1732370000000" in masked  # a millisecond timestamp is not a card number


def test_card_mask_needs_a_valid_luhn_number() -> None:
    assert CARDS("pay 4111-1111-1111-1111 now") == f"pay {REDACTED} now"
    assert CARDS("id 4111111111111112") == "id 4111111111111112"


def test_user_masks_replace_matching_substrings() -> None:
    mask = Masker([re.compile(r"sk_live_\w+")], cards=False)
    assert mask("key sk_live_abc123 used") == f"key {REDACTED} used"


def test_headers_keep_the_auth_scheme_but_not_the_credential() -> None:
    redact = HeaderRedactor(BUILTIN, NO_MASK)
    headers = (
        ("Authorization", "Bearer abc.def.ghi"),
        ("authorization", "Basic dXNlcjpwYXNz"),
        ("Proxy-Authorization", "hunter2 rest"),
        ("X-Api-Key", "Token k"),
        ("Accept", "*/*"),
    )
    assert redact(headers) == (
        ("Authorization", f"Bearer {REDACTED}"),
        ("authorization", f"Basic {REDACTED}"),
        ("Proxy-Authorization", REDACTED),
        ("X-Api-Key", f"Token {REDACTED}"),
        ("Accept", "*/*"),
    )


def test_unchanged_headers_are_returned_as_is() -> None:
    headers = (("Accept", "*/*"), ("Host", "api.local"))
    assert HeaderRedactor(BUILTIN, CARDS)(headers) is headers


def test_cookie_pairs_are_redacted_by_name_when_the_cookie_header_is_kept() -> None:
    rules = KeyRules(["session*", "*token"], ())
    redact = HeaderRedactor(rules, NO_MASK)
    result = redact(
        (("Cookie", "theme=dark; session_id=abc; csrf_token=xyz"),
         ("Set-Cookie", "sessionid=s3cr3t; Path=/; HttpOnly"),
         ("Set-Cookie", "theme=light; Path=/"))
    )  # fmt: skip
    assert result == (
        ("Cookie", f"theme=dark; session_id={REDACTED}; csrf_token={REDACTED}"),
        ("Set-Cookie", f"sessionid={REDACTED}; Path=/; HttpOnly"),
        ("Set-Cookie", "theme=light; Path=/"),
    )


def test_urls_in_location_and_referer_headers_lose_their_secrets() -> None:
    redact = HeaderRedactor(BUILTIN, NO_MASK)
    result = redact(
        (("Location", "https://app.test/cb?code=1&access_token=abc#frag"),
         ("Referer", "http://x.test/?password=p&page=2"))
    )  # fmt: skip
    assert result == (
        ("Location", f"https://app.test/cb?code=1&access_token={REDACTED}#frag"),
        ("Referer", f"http://x.test/?password={REDACTED}&page=2"),
    )
    assert redact_url("/plain/path", BUILTIN, NO_MASK) == "/plain/path"


def test_allow_redacts_other_headers_entirely() -> None:
    redact = HeaderRedactor(KeyRules([], ["content-type"]), NO_MASK)
    assert redact((("Content-Type", "text/plain"), ("X-Trace", "t"))) == (
        ("Content-Type", "text/plain"),
        ("X-Trace", REDACTED),
    )


def test_not_secret_keeps_a_builtin_name_but_not_a_token_shaped_value() -> None:
    from inspector.config.schema import build_config

    config = build_config({"redact": {"not_secret": ["pin", "key"]}})
    exchange = config.process(make_exchange(
        query="key=theme&pin=48.85,2.35&token=abc",
        json_body={"pin": "48.85,2.35", "note": "ghp_" + "a" * 36},
    ))  # fmt: skip
    assert exchange is not None
    assert exchange.query == "key=theme&pin=48.85,2.35&token=[REDACTED]"
    assert exchange.response_body.content == b'{"pin":"48.85,2.35","note":"[REDACTED]"}'
