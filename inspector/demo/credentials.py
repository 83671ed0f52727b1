"""make_jwt() and basic_auth(): credentials for the demo traffic and tests (never verified)."""

from __future__ import annotations

import base64
import json


def make_jwt(claims: dict[str, object]) -> str:
    """A JWT with the given claims and a dummy signature (API Inspector never verifies it)."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def basic_auth(user: str, password: str) -> str:
    """An `Authorization: Basic ...` header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
