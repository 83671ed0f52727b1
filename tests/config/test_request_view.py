"""RequestView, the request as grouping sources and functions read it: first values, lower-case
header names, cookies, forms, JSON and credentials parsed leniently, and nothing writable."""

from __future__ import annotations

import base64
import json

import pytest

from inspector.config.request_view import RequestView, decode_jwt_claims
from inspector.demo.credentials import basic_auth, make_jwt
from inspector.model import Body, Headers
from inspector.testing.factories import make_exchange


def _view(*headers: tuple[str, str], query: str = "", body: bytes = b"",
          content_type: str = "") -> RequestView:  # fmt: skip
    return RequestView(make_exchange(
        request_headers=headers, query=query,
        request_body=Body(content=body, size=len(body), content_type=content_type),
    ))  # fmt: skip


def _auth(value: str) -> RequestView:
    return _view(("Authorization", value))


def test_headers_are_found_by_lower_case_name_and_the_first_value_wins() -> None:
    headers: Headers = (("X-Tenant", "acme"), ("x-tenant", "initech"), ("Accept", "*/*"))
    view = _view(*headers)
    assert dict(view.headers) == {"x-tenant": "acme", "accept": "*/*"}
    assert "X-Tenant" not in view.headers


def test_query_keeps_blanks_decodes_and_takes_the_first_value() -> None:
    view = _view(query="client=web&client=ios&empty=&name=caf%C3%A9+bar")
    assert dict(view.query) == {"client": "web", "empty": "", "name": "café bar"}
    assert dict(_view().query) == {}


def test_cookies_from_every_cookie_header_unquoted_and_trimmed() -> None:
    view = _view(("Cookie", 'theme=dark; uid="42" ;flag'), ("cookie", "uid=7; lang=fr"))
    assert dict(view.cookies) == {"theme": "dark", "uid": "42", "lang": "fr"}
    assert dict(_view(("Set-Cookie", "uid=1")).cookies) == {}


def test_form_only_for_a_form_body() -> None:
    form = _view(body=b"account=a-9&account=b&note=%E2%9C%93",
                 content_type="application/x-www-form-urlencoded; charset=utf-8")  # fmt: skip
    assert dict(form.form) == {"account": "a-9", "note": "✓"}
    assert dict(_view(body=b"account=a-9", content_type="text/plain").form) == {}
    # Bytes that are not UTF-8 are read, not raised on.
    broken = _view(body=b"who=\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert broken.form["who"] == "\ufffd\ufffd"


@pytest.mark.parametrize(
    ("body", "parsed"),
    [(b'{"user": {"id": 7}}', {"user": {"id": 7}}), (b'  [1, 2]', [1, 2]), (b"", None),
     (b'"just a string"', None), (b"42", None), (b"{not json", None),
     (b"[" * 100_000 + b"]" * 100_000, None)],
    ids=["object", "array", "empty", "string", "number", "malformed", "too-deep"],
)  # fmt: skip
def test_json_is_an_object_or_array_or_none(body: bytes, parsed: object) -> None:
    assert _view(body=body, content_type="application/json").json == parsed


def test_bearer_is_case_insensitive_and_needs_a_token() -> None:
    assert _auth("bearer  opaque-1 ").bearer == "opaque-1"
    assert _auth("Bearer ").bearer is None
    assert _auth("Token opaque-1").bearer is None
    assert _view().bearer is None


def test_basic_decodes_user_and_password_even_unpadded_or_latin_1() -> None:
    assert _auth(basic_auth("sk_test_1", "")).basic == ("sk_test_1", "")
    assert _auth(basic_auth("ada", "pa:ss")).basic == ("ada", "pa:ss")
    unpadded = base64.b64encode(b"ab:c").decode().rstrip("=")
    assert _auth(f"Basic {unpadded}").basic == ("ab", "c")
    latin = base64.b64encode("josé:clé".encode("latin-1")).decode()
    assert _auth(f"basic {latin}").basic == ("josé", "clé")
    assert _auth("Basic !!!not-base64").basic is None
    assert _auth("Basic ").basic is None and _auth("Bearer x").basic is None


def test_jwt_claims_are_read_from_the_bearer_token_unverified() -> None:
    view = _auth("Bearer " + make_jwt({"sub": "u-1", "org": {"name": "Acme"}}))
    assert view.jwt_claims == {"sub": "u-1", "org": {"name": "Acme"}}
    assert _view().jwt_claims is None


def test_jwt_claims_of_something_that_is_not_a_jwt_are_none() -> None:
    array_payload = base64.urlsafe_b64encode(b"[1, 2]").decode()
    for token in ("opaque", "a.b.c", "a." + "!!!" + ".c", "x." + "e30" + ".y.z.w",
                  f"h.{array_payload}.s"):  # fmt: skip
        assert decode_jwt_claims(token) is None
        assert _auth(f"Bearer {token}").jwt_claims is None


def test_request_view_is_read_only() -> None:
    view = _view(("X-Api-Key", "key-123"), body=json.dumps({"user": {"id": 7}}).encode(),
                 content_type="application/json")  # fmt: skip
    with pytest.raises(TypeError):
        view.headers["x-api-key"] = "other"  # type: ignore[index]
    claims = _auth("Bearer " + make_jwt({"sub": "u"})).jwt_claims
    assert claims is not None
    with pytest.raises(TypeError):
        claims["sub"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        view.method = "GET"  # type: ignore[misc]
    assert json.loads(view.body)["user"]["id"] == 7


def test_the_request_s_fields_read_through() -> None:
    view = RequestView(make_exchange(method="PATCH", scheme="https", host="api.test", port=8443,
                                     path="/v1/ü", client_address="10.0.0.7"))  # fmt: skip
    assert (view.method, view.scheme, view.host, view.port, view.path, view.client_address) == (
        "PATCH", "https", "api.test", 8443, "/v1/ü", "10.0.0.7")  # fmt: skip
    assert view.url == "https://api.test:8443/v1/ü"
