"""RequestView: the read-only view of a request that grouping sources and functions read."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

from inspector.model import Exchange

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _first_values(pairs: list[tuple[str, str]], *, lower: bool = False) -> Mapping[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name.lower() if lower else name, value)
    return MappingProxyType(values)


def decode_jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a signed JWT, base64url-decoded and never verified; None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None


class RequestView:
    """A request as a grouping function sees it. Everything is read-only and parsed lazily.

    `headers`, `query`, `cookies` and `form` map each name to its first value; header names are
    lower-case. `body` is the (possibly truncated) decoded body; `json` its parsed JSON or None.
    """

    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange

    @property
    def method(self) -> str:
        return self._exchange.method

    @property
    def url(self) -> str:
        return self._exchange.url

    @property
    def scheme(self) -> str:
        return self._exchange.scheme

    @property
    def host(self) -> str:
        return self._exchange.host

    @property
    def port(self) -> int:
        return self._exchange.port

    @property
    def path(self) -> str:
        return self._exchange.path

    @property
    def client_address(self) -> str:
        return self._exchange.client_address

    @property
    def body(self) -> bytes:
        return self._exchange.request_body.content

    @cached_property
    def headers(self) -> Mapping[str, str]:
        return _first_values(list(self._exchange.request_headers), lower=True)

    @cached_property
    def query(self) -> Mapping[str, str]:
        if not self._exchange.query:
            return _EMPTY
        return _first_values(parse_qsl(self._exchange.query, keep_blank_values=True))

    @cached_property
    def cookies(self) -> Mapping[str, str]:
        pairs: list[tuple[str, str]] = []
        for name, value in self._exchange.request_headers:
            if name.lower() == "cookie":
                for pair in value.split(";"):
                    key, equals, cookie = pair.partition("=")
                    if equals:
                        pairs.append((key.strip(), cookie.strip().strip('"')))
        return _first_values(pairs)

    @cached_property
    def form(self) -> Mapping[str, str]:
        body = self._exchange.request_body
        if body.media_type != "application/x-www-form-urlencoded" or not body.content:
            return _EMPTY
        text = body.content.decode("utf-8", "replace")
        return _first_values(parse_qsl(text, keep_blank_values=True))

    @cached_property
    def json(self) -> Any:
        content = self._exchange.request_body.content
        if not content or content.lstrip()[:1] not in (b"{", b"["):
            return None
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            return None

    @cached_property
    def bearer(self) -> str | None:
        """The token of `Authorization: Bearer <token>`."""
        scheme, _, token = self.headers.get("authorization", "").strip().partition(" ")
        token = token.strip()
        return token if scheme.lower() == "bearer" and token else None

    @cached_property
    def basic(self) -> tuple[str, str] | None:
        """(user, password) of `Authorization: Basic ...`."""
        scheme, _, encoded = self.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            return None
        try:
            raw = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except (ValueError, binascii.Error):
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        user, _, password = text.partition(":")
        return user, password

    @cached_property
    def jwt_claims(self) -> Mapping[str, Any] | None:
        token = self.bearer
        claims = decode_jwt_claims(token) if token else None
        return MappingProxyType(claims) if claims is not None else None
