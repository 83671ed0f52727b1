"""The built-in rules that protect a user with no configuration file: which names are always
credentials, which only as query or form pairs, and which paths are noise not worth capturing."""

from __future__ import annotations

import pytest

from inspector.config import load_config
from inspector.config.defaults import BUILTIN_DENY, BUILTIN_PAIR_DENY, REDACTED
from inspector.config.redaction import DENIED, KEEP, KeyRules
from inspector.testing.factories import make_exchange

BUILTIN = KeyRules(BUILTIN_DENY, ())


@pytest.mark.parametrize(
    "name",
    ["Authorization", "PROXY-AUTHORIZATION", "Cookie", "set-cookie", "X-API-Key", "api_key",
     "apikey", "X-Goog-Api-Key", "access_token", "refresh_token", "id_token", "X-CSRF-Token",
     "client_secret", "secret", "password", "new_password", "Passwd", "pwd", "private_key",
     "X-Amz-Signature", "X-Hub-Signature-256", "session", "PHPSESSID", "jsessionid",
     "card_number", "cvv", "auth"],
)  # fmt: skip
def test_builtin_rules_deny_credentials(name: str) -> None:
    assert BUILTIN.verdict(name) == DENIED


@pytest.mark.parametrize(
    "name",
    ["max_tokens", "token_type", "total_tokens", "user", "email", "author", "Content-Type",
     "Accept", "id", "name", "sessions"],
)  # fmt: skip
def test_builtin_rules_keep_ordinary_names(name: str) -> None:
    assert BUILTIN.verdict(name) == KEEP


def test_defaults_skip_health_checks_and_browser_noise() -> None:
    config = load_config(None)
    for path in ("/health", "/healthz", "/_health", "/api/health-check", "/heartbeat",
                 "/ping", "/ready", "/live/", "/favicon.ico", "/favicon-32x32.png",
                 "/robots.txt", "/sitemap.xml", "/.well-known/openid-configuration",
                 "/apple-touch-icon.png", "/sw.js"):  # fmt: skip
        assert not config.wants("api.local", 80, path), path
    for path in ("/users", "/health/records", "/pings", "/v1/ready-orders", "/"):
        assert config.wants("api.local", 80, path), path


@pytest.mark.parametrize(
    "name",
    ["X-Forwarded-Authorization", "Ocp-Apim-Subscription-Key", "X-Amz-Access-Key",
     "AccountKey", "x-functions-key", "DB_ConnectionString", "mfa_code", "user_pass", "Pin"],
)  # fmt: skip
def test_vendor_credential_names_are_denied_too(name: str) -> None:
    assert BUILTIN.verdict(name) == DENIED


def test_key_and_sig_are_credentials_as_pairs_but_words_in_json() -> None:
    pairs = KeyRules(BUILTIN_DENY, (), pair_deny=BUILTIN_PAIR_DENY)
    assert pairs.for_pairs.verdict("key") == DENIED and pairs.for_pairs.verdict("SIG") == DENIED
    assert pairs.verdict("key") == KEEP
    exchange = make_exchange(query="key=k-123&sig=abc123&page=2", json_body={"key": "sort-order"})
    processed = load_config(None).process(exchange)
    assert processed is not None
    assert processed.query == f"key={REDACTED}&sig={REDACTED}&page=2"
    assert processed.response_body.content == b'{"key": "sort-order"}'
