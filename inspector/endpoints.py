"""Endpoint templates: group concrete paths such as /users/123 into /users/{id}."""

from __future__ import annotations

import re
from functools import lru_cache

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_HEX = re.compile(r"^[0-9a-f]{12,}$", re.I)
# ULIDs, Mongo-style ids, base64url tokens and prefixed keys such as cus_4fQx9...: long runs that
# mix letters and digits. A plain word (`orders`, `profile-settings`) never contains a digit.
_TOKEN = re.compile(r"^[A-Za-z0-9_\-.~=]{16,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$")
_EMAIL = re.compile(r"^[^@/]+@[^@/]+\.[A-Za-z]{2,}$")

_EXTENSION = re.compile(r"^(.+)\.([A-Za-z][A-Za-z0-9]{0,4})$")

PLACEHOLDER = "{id}"


def _is_identifier(segment: str) -> bool:
    if _NUMBER.match(segment) or _UUID.match(segment) or _DATE.match(segment):
        return True
    if _EMAIL.match(segment):
        return True
    if _HEX.match(segment) and any(c.isdigit() for c in segment):
        return True
    if _TOKEN.match(segment):
        has_digit = any(c.isdigit() for c in segment)
        has_alpha = any(c.isalpha() for c in segment)
        return has_digit and has_alpha
    return False


@lru_cache(maxsize=65536)
def endpoint_template(path: str) -> str:
    """The path with identifier-like segments replaced by `{id}`.

    Numbers, UUIDs, long hex strings, dates, e-mail addresses and long token-like segments that
    mix letters and digits count as identifiers, also before a file extension (`15.png` becomes
    `{id}.png`); words never do, so `/users/me` and `/logo.png` stay as they are.
    """
    if not path:
        return "/"
    return "/".join(_template_segment(segment) for segment in path.split("/"))


def _template_segment(segment: str) -> str:
    if not segment:
        return segment
    # /images/15.png and /invoices/9f3c2a1b4d5e.pdf: an identifier with a file extension.
    match = _EXTENSION.match(segment)
    if match and _is_identifier(match.group(1)):
        return f"{PLACEHOLDER}.{match.group(2)}"
    return PLACEHOLDER if _is_identifier(segment) else segment
