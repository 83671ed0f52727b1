"""Demo credentials: well-formed enough for grouping rules to read, never valid anywhere."""

from __future__ import annotations

import base64
import json

from inspector.demo.credentials import basic_auth, make_jwt


def test_a_jwt_carries_its_claims_in_the_payload() -> None:
    header, payload, signature = make_jwt({"sub": "user-42", "org": "acme"}).split(".")
    padded = payload + "=" * (-len(payload) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {"sub": "user-42", "org": "acme"}
    assert json.loads(base64.urlsafe_b64decode(header + "=="))["alg"] == "HS256"
    assert signature


def test_basic_auth_is_the_header_value() -> None:
    value = basic_auth("ada", "s3cret:with:colons")
    assert value.startswith("Basic ")
    assert base64.b64decode(value.removeprefix("Basic ")) == b"ada:s3cret:with:colons"
