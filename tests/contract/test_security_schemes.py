"""Credentials a redacted request carried, as OpenAPI security schemes."""

from __future__ import annotations

from typing import Any, Unpack

from inspector.config import default_config
from inspector.contract.security_schemes import (
    credential_parameters,
    credentials,
    security_requirements,
)
from inspector.testing import make_exchange
from inspector.testing.factories import ExchangeOverrides

CONFIG = default_config()


def _carried(**request: Unpack[ExchangeOverrides]) -> dict[str, dict[str, Any]]:
    # Through the real redaction, as capture stores it: the schemes come from what it masked.
    stored = CONFIG.process(make_exchange(**request))
    assert stored is not None
    return credentials(stored)


def test_authorization_schemes_become_http_schemes() -> None:
    assert _carried(request_headers=(("Authorization", "Bearer eyJhbGciOi.x.y"),)) == {
        "bearerAuth": {"type": "http", "scheme": "bearer"}}  # fmt: skip
    assert _carried(request_headers=(("authorization", "Basic YWRhOnB3"),)) == {
        "basicAuth": {"type": "http", "scheme": "basic"}}  # fmt: skip
    assert _carried(request_headers=(("Authorization", "sk_live_51Habc0000000000000001"),)) == {
        "header.Authorization": {"type": "apiKey", "in": "header", "name": "Authorization"}
    }


def test_redacted_headers_queries_and_cookies_are_api_keys() -> None:
    found = _carried(
        request_headers=(("X-API-Key", "k-1234567890"), ("Cookie", "theme=dark; session=abc123"),
                         ("Accept", "application/json")),
        query="api_key=zzz123&page=2",
    )  # fmt: skip
    # The built-in rules redact a whole Cookie header, which names no cookie to describe.
    assert found == {
        "header.X-API-Key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "query.api_key": {"type": "apiKey", "in": "query", "name": "api_key"},
    }
    stored = make_exchange(request_headers=(("Cookie", "theme=dark; session=[REDACTED]; b"),))
    assert credentials(stored) == {
        "cookie.session": {"type": "apiKey", "in": "cookie", "name": "session"}}  # fmt: skip


def test_a_request_without_credentials_carries_none() -> None:
    assert _carried(request_headers=(("Accept", "*/*"),), query="page=2") == {}
    assert credential_parameters(make_exchange(query="page=2&token=[REDACTED]")) == {"token"}


def test_requirements_list_each_combination_busiest_first_and_none_when_some_went_without() -> None:
    seen = {frozenset({"bearerAuth"}): 10, frozenset(): 2,
            frozenset({"header.X-API-Key", "query.sig"}): 3}  # fmt: skip
    assert security_requirements(seen) == [
        {"bearerAuth": []}, {"header.X-API-Key": [], "query.sig": []}, {}]  # fmt: skip
    assert security_requirements({frozenset(): 5}) == []
