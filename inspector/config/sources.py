"""Value sources of grouping rules (`header:NAME`, `jwt:CLAIM`, ...): parsing and extraction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.config.errors import ConfigError, KeyPath
from inspector.config.redaction import DENIED, KEEP, KeyRules
from inspector.config.request_view import RequestView

SOURCE_HELP = (
    "sources are header:NAME, query:NAME, cookie:NAME, form:NAME, json:PATH, bearer, "
    "basic:user, jwt:CLAIM and ip"
)
_NAMED = ("header", "query", "cookie", "form", "json", "jwt")
_PATH_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _dotted_path(text: str) -> tuple[str, ...] | None:
    """`user.id` / `items[0].id` / `items.0.id` -> ("items", "0", "id"); None when malformed."""
    segments: list[str] = []
    position = 0
    while position < len(text):
        if text[position] == "." and segments and position + 1 < len(text):
            position += 1
        match = _PATH_SEGMENT.match(text, position)
        if match is None:
            return None
        segments.append(match.group(1) or match.group(2))
        position = match.end()
    return tuple(segments) or None


def _walk(document: Any, path: Sequence[str]) -> Any:
    for segment in path:
        if isinstance(document, Mapping):
            document = document.get(segment)
        elif isinstance(document, list) and segment.isdigit() and int(segment) < len(document):
            document = document[int(segment)]
        else:
            return None
    return document


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        return None
    text = text.strip()
    return text or None


@dataclass(frozen=True, slots=True)
class Source:
    """One compiled source. `credential`: the value is a secret, stored only as a fingerprint."""

    spec: str
    kind: str
    name: str
    path: tuple[str, ...]
    credential: bool
    _extract: Callable[[RequestView], Any]

    def extract(self, view: RequestView) -> str | None:
        """The value this source yields for a request, or None (then the next rule is tried)."""
        return _as_text(self._extract(view))


def _extractor(kind: str, name: str, path: tuple[str, ...]) -> Callable[[RequestView], Any]:
    if kind == "header":
        lower = name.lower()
        return lambda view: view.headers.get(lower)
    if kind == "query":
        return lambda view: view.query.get(name)
    if kind == "cookie":
        return lambda view: view.cookies.get(name)
    if kind == "form":
        return lambda view: view.form.get(name)
    if kind == "json":
        return lambda view: _walk(view.json, path)
    if kind == "jwt":
        return lambda view: _walk(view.jwt_claims, path)
    if kind == "bearer":
        return lambda view: view.bearer
    if kind == "basic":
        return lambda view: view.basic[0] if view.basic else None
    return lambda view: view.client_address  # ip


def _is_credential(kind: str, name: str, path: tuple[str, ...], rules: KeyRules) -> bool:
    """Decides which values are secrets (see the README's "Consumers" section).

    The bearer token and the basic-auth user are always credentials: with a password the user is
    half of one, without a password it is the API key itself (Stripe's and ReadMe's convention).
    Any other value is a credential when the redaction rules remove the place it comes from.
    JWT claims are not credentials (the token is), unless a claim's own name is denied.
    """
    if kind in ("bearer", "basic"):
        return True
    if kind == "ip":
        return False
    if kind == "jwt":
        return any(rules.verdict(segment) == DENIED for segment in path)
    if kind == "cookie":
        return rules.removes("cookie") or rules.removes(name)
    if kind == "json":
        return any(rules.verdict(s) == DENIED for s in path) or rules.verdict(path[-1]) != KEEP
    return rules.removes(name)


def parse_source(spec: object, key_path: KeyPath, rules: KeyRules) -> Source:
    """Compiles a source string; a ConfigError names the key when it is not one."""
    if not isinstance(spec, str):
        raise ConfigError(
            f"expected a source string, got {type(spec).__name__}; {SOURCE_HELP}",
            key_path=key_path,
        )
    kind, colon, argument = spec.strip().partition(":")
    kind = kind.strip().lower()
    argument = argument.strip()
    path: tuple[str, ...] = ()
    if kind in _NAMED:
        if not argument:
            raise ConfigError(f"source {spec!r} needs a name after '{kind}:'", key_path=key_path)
        if kind in ("json", "jwt"):
            parsed = _dotted_path(argument)
            if parsed is None:
                raise ConfigError(
                    f"source {spec!r}: {argument!r} is not a dotted path such as user.id or "
                    "items[0].id",
                    key_path=key_path,
                )
            path = parsed
    elif kind == "basic":
        if argument.lower() != "user":
            raise ConfigError(
                f"source {spec!r}: only basic:user is supported (the password is never used)",
                key_path=key_path,
            )
    elif kind in ("bearer", "ip"):
        if colon:
            raise ConfigError(f"source {spec!r}: {kind} takes no name", key_path=key_path)
    else:
        raise ConfigError(f"unknown source {spec!r}; {SOURCE_HELP}", key_path=key_path)
    return Source(
        spec=spec.strip(),
        kind=kind,
        name=argument,
        path=path,
        credential=_is_credential(kind, argument, path, rules),
        _extract=_extractor(kind, argument, path),
    )
