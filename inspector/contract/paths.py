"""Endpoint templates as OpenAPI paths: `/users/{id}/orders/{id}` is
`/users/{userId}/orders/{orderId}`.

OpenAPI needs every path parameter named once per path; our templates use `{id}` for every
identifier. A parameter takes its name from the collection before it, as people name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspector.endpoints import PLACEHOLDER

_PARAM = re.compile(r"\{([^{}/]*)\}")
_WORD = re.compile(r"[A-Za-z0-9]+")


def _singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _camel(text: str) -> str:
    words: list[str] = _WORD.findall(text)
    if not words:
        return ""
    return words[0][0].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _name_after(segment: str) -> str:
    """`userId` after `users`; plain `id` when the segment before is itself a parameter."""
    if not segment or _PARAM.search(segment):
        return "id"
    stem = _camel(_singular(segment))
    return f"{stem}Id" if stem and not stem[0].isdigit() else "id"


@dataclass(frozen=True)
class ApiPath:
    """One endpoint template as OpenAPI writes it, and how to read its parameters from a path."""

    template: str  # as stored, e.g. /users/{id}
    path: str  # as OpenAPI writes it, e.g. /users/{userId}
    names: tuple[str, ...]  # the path parameters, in order
    pattern: re.Pattern[str]  # matches a concrete path, one group per parameter

    def values(self, concrete_path: str) -> tuple[str, ...] | None:
        match = self.pattern.fullmatch(concrete_path)
        return match.groups() if match else None


def api_path(template: str) -> ApiPath | None:
    """The OpenAPI form of a stored endpoint template; None when it is no path (`*`, authority)."""
    if not template.startswith("/"):
        return None
    names: list[str] = []
    out: list[str] = []
    pattern: list[str] = []
    segments = template.split("/")
    for index, segment in enumerate(segments):
        position = 0
        written, matched = [], []
        for match in _PARAM.finditer(segment):
            name = match.group(1)
            if not name or match.group() == PLACEHOLDER:
                name = _name_after(segments[index - 1] if index else "")
            unique, count = name, 2
            while unique in names:
                unique, count = f"{name}{count}", count + 1
            names.append(unique)
            literal = segment[position : match.start()]
            written += [literal, "{" + unique + "}"]
            matched += [re.escape(literal), "([^/]+?)"]
            position = match.end()
        rest = segment[position:]
        if "{" in rest or "}" in rest:
            return None  # a brace OpenAPI would read as a broken parameter
        out.append("".join(written) + rest)
        pattern.append("".join(matched) + re.escape(rest))
    return ApiPath(template, "/".join(out), tuple(names), re.compile("/".join(pattern) + "/?"))


def operation_id(method: str, path: str, taken: set[str]) -> str:
    """getUsersByUserId: unique within the document (`taken` is updated)."""
    words = []
    for segment in path.split("/"):
        for match in _PARAM.finditer(segment):
            words.append("By" + match.group(1)[:1].upper() + match.group(1)[1:])
        literal = _PARAM.sub(" ", segment)
        words += [w[:1].upper() + w[1:] for w in _WORD.findall(literal)]
    base = method.lower() + "".join(words)
    unique, count = base, 2
    while unique in taken:
        unique, count = f"{base}{count}", count + 1
    taken.add(unique)
    return unique
