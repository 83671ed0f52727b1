"""Grouping sources: parsing, extraction from a request, and which ones are credentials."""

from __future__ import annotations

import pytest

from inspector.config.defaults import BUILTIN_DENY
from inspector.config.errors import ConfigError
from inspector.config.redaction import KeyRules
from inspector.config.request_view import RequestView
from inspector.config.sources import parse_source
from inspector.demo.credentials import basic_auth as basic
from inspector.demo.credentials import make_jwt
from inspector.model import Body
from inspector.testing.factories import make_exchange

RULES = KeyRules(BUILTIN_DENY, ())

VIEW = RequestView(
    make_exchange(
        method="POST",
        query="client=web&n=1",
        client_address="10.0.0.7",
        request_headers=(
            ("X-Api-Key", "key-123"),
            ("X-Tenant", "acme"),
            ("Authorization", "Bearer " + make_jwt({"sub": "u-1", "org": {"name": "Acme"}})),
            ("Cookie", "theme=dark; uid=42"),
        ),
        request_json={"user": {"id": 7, "tags": ["a", "b"]}, "items": [{"sku": "x1"}]},
    )
)


@pytest.mark.parametrize(
    ("spec", "value"),
    [("header:x-api-key", "key-123"), ("header:X-TENANT", "acme"), ("query:client", "web"),
     ("cookie:uid", "42"), ("json:user.id", "7"), ("json:items[0].sku", "x1"),
     ("json:user.tags.1", "b"), ("jwt:sub", "u-1"), ("jwt:org.name", "Acme"), ("ip", "10.0.0.7"),
     ("header:missing", None), ("json:user.nope", None), ("json:user", None),
     ("form:x", None), ("basic:user", None)],
)  # fmt: skip
def test_extraction(spec: str, value: str | None) -> None:
    assert parse_source(spec, ("group", 0, "id"), RULES).extract(VIEW) == value


def test_bearer_basic_and_form() -> None:
    view = RequestView(
        make_exchange(
            request_headers=(("Authorization", basic("sk_test_1", "")),),
            request_body=Body(
                content=b"account=a-9&x=1", content_type="application/x-www-form-urlencoded"
            ),
        )
    )
    assert parse_source("basic:user", (), RULES).extract(view) == "sk_test_1"
    assert parse_source("form:account", (), RULES).extract(view) == "a-9"
    assert parse_source("bearer", (), RULES).extract(view) is None
    bearer = RequestView(make_exchange(request_headers=(("authorization", "bearer opaque-1"),)))
    assert parse_source("bearer", (), RULES).extract(bearer) == "opaque-1"


@pytest.mark.parametrize(
    ("spec", "credential"),
    [("header:x-api-key", True), ("header:X-Tenant", False), ("query:api_key", True),
     ("query:client", False), ("cookie:uid", True), ("bearer", True), ("basic:user", True),
     ("jwt:sub", False), ("jwt:client_secret", True), ("json:auth.password", True),
     ("json:user.id", False), ("json:secret.id", True), ("ip", False), ("form:password", True)],
)  # fmt: skip
def test_credential_sources(spec: str, credential: bool) -> None:
    assert parse_source(spec, (), RULES).credential is credential


def test_a_cookie_is_not_a_credential_when_cookies_are_kept() -> None:
    rules = KeyRules(["session"], ())
    assert not parse_source("cookie:uid", (), rules).credential
    assert parse_source("cookie:session", (), rules).credential


@pytest.mark.parametrize(
    ("spec", "message"),
    [("headr:x", "unknown source 'headr:x'"), ("header:", "needs a name"),
     ("json:a..b", "not a dotted path"), ("basic:password", "only basic:user"),
     ("bearer:x", "takes no name"), (42, "expected a source string")],
)  # fmt: skip
def test_bad_sources_name_the_key(spec: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_source(spec, ("group", 1, "id"), RULES)
    assert "group[2].id" in str(caught.value)
