"""The credentials a request carried, as OpenAPI security schemes.

The stored traffic is redacted, which is what makes this possible without ever holding a secret:
a header, query parameter or cookie whose value redaction replaced is a credential, and an
`Authorization` value keeps its scheme word (`Bearer [REDACTED]`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from inspector.config.defaults import REDACTED
from inspector.model import Exchange

_HTTP_SCHEMES = {"bearer": "bearerAuth", "basic": "basicAuth", "digest": "digestAuth"}
_NOT_CREDENTIALS = frozenset({"cookie", "proxy-authorization", "authorization"})
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def _api_key(where: str, name: str) -> tuple[str, dict[str, Any]]:
    """`header.X-API-Key`: a component name OpenAPI accepts, and its scheme object."""
    return f"{where}.{_NAME_CHARS.sub('_', name)}", {"type": "apiKey", "in": where, "name": name}


def credentials(exchange: Exchange) -> dict[str, dict[str, Any]]:
    """Scheme name -> OpenAPI security scheme, for each credential the request carried."""
    found: dict[str, dict[str, Any]] = {}
    for name, value in exchange.request_headers:
        lowered = name.lower()
        if lowered == "authorization":
            word = value.split(" ", 1)[0].lower() if " " in value else ""
            if word in _HTTP_SCHEMES:
                found[_HTTP_SCHEMES[word]] = {"type": "http", "scheme": word}
            elif REDACTED in value:
                key, scheme = _api_key("header", name)
                found[key] = scheme
        elif lowered == "cookie":
            found.update(_cookie_keys(value))
        elif lowered not in _NOT_CREDENTIALS and REDACTED in value:
            key, scheme = _api_key("header", name)
            found[key] = scheme
    for name, value in parse_qsl(exchange.query, keep_blank_values=True):
        if REDACTED in value:
            key, scheme = _api_key("query", name)
            found[key] = scheme
    return found


def credential_parameters(exchange: Exchange) -> frozenset[str]:
    """Query parameter names that carried a credential (described as schemes, not parameters)."""
    return frozenset(name for name, value in parse_qsl(exchange.query, keep_blank_values=True)
                     if REDACTED in value)  # fmt: skip


def _cookie_keys(header: str) -> dict[str, dict[str, Any]]:
    # Split by hand: http.cookies gives up on a whole header at its first odd cookie.
    found = {}
    for part in header.split(";"):
        name, separator, value = part.strip().partition("=")
        if separator and name and REDACTED in value:
            key, scheme = _api_key("cookie", name)
            found[key] = scheme
    return found


def security_requirements(seen: dict[frozenset[str], int]) -> list[dict[str, list[str]]]:
    """OpenAPI `security` alternatives from the sets of schemes requests used together; `{}`
    (no credential) when some requests went without. Empty when no request had any."""
    if not any(seen):
        return []
    ordered = sorted(seen, key=lambda combo: (-seen[combo], sorted(combo)))
    return [{name: [] for name in sorted(combo)} for combo in ordered]
