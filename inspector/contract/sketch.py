"""A JSON Schema sketched from example values, in memory bounded by the schema, not the traffic.

Each value seen is folded into a Sketch: the types met, how often each object key is present
(required means present every time), up to a handful of distinct strings (an enum when they
repeat) and the string formats every value matched. Nothing keeps the values themselves beyond
that handful, so a million bodies cost what one does.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from inspector.config.defaults import REDACTED

MAX_PROPERTIES = 200  # keys beyond this in one object are not described one by one
MAX_DEPTH = 12
MAX_ITEMS = 50  # elements of one array folded into its item schema
_ENUM_VALUES = 8
# Enum members look like codes (`paid`, `Bearer`, `in_stock`): prose and masked secrets are
# never a closed set, and an enum of them would fail the next message or value.
_ENUM_MEMBER = re.compile(r"[A-Za-z0-9_.:/+-]{1,40}")
# An enum needs each distinct value seen this often on average, and this many values in all:
# three distinct names in three bodies are names, not a closed set.
_ENUM_REPEAT = 3
_ENUM_MIN_SEEN = 10

_TYPE_ORDER = ("object", "array", "string", "integer", "number", "boolean", "null")

# The formats OpenAPI readers act on, most specific first.
FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date-time", re.compile(
        r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")),
    ("date", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("uuid", re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")),
    ("email", re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")),
    ("uri", re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")),
    ("ipv4", re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")),
)  # fmt: skip


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _really(name: str, text: str) -> bool:
    """The shape is not enough: 2026-13-45 is no date, 010.0.0.1 no address, as validators say."""
    try:
        if name == "ipv4":
            ipaddress.IPv4Address(text)
        elif name == "date":
            dt.date.fromisoformat(text)
        elif name == "date-time":
            dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return False
    return True


def _formats_of(text: str) -> set[str]:
    return {name for name, pattern in FORMATS
            if pattern.fullmatch(text) and _really(name, text)}  # fmt: skip


@dataclass(eq=False)
class Sketch:
    """What the values at one place of a document looked like."""

    seen: int = 0
    types: Counter[str] = field(default_factory=Counter)
    # Distinct strings with their counts; None once there are too many (or too long) for an enum.
    strings: dict[str, int] | None = field(default_factory=dict)
    # Formats every string so far matched; None until the first string.
    formats: set[str] | None = None
    objects: int = 0
    properties: dict[str, Sketch] = field(default_factory=dict)
    more_properties: bool = False  # keys past MAX_PROPERTIES were seen
    items: Sketch | None = None

    def add(self, value: object, depth: int = 0) -> None:
        self.seen += 1
        kind = json_type(value)
        self.types[kind] += 1
        if isinstance(value, str):
            self._add_string(value)
        elif isinstance(value, dict) and depth < MAX_DEPTH:
            self.objects += 1
            for key, inner in value.items():
                sketch = self.properties.get(key)
                if sketch is None:
                    if len(self.properties) >= MAX_PROPERTIES:
                        self.more_properties = True
                        continue
                    sketch = self.properties[key] = Sketch()
                sketch.add(inner, depth + 1)
        elif isinstance(value, list) and depth < MAX_DEPTH:
            for inner in value[:MAX_ITEMS]:
                if self.items is None:
                    self.items = Sketch()
                self.items.add(inner, depth + 1)

    def _add_string(self, text: str) -> None:
        found = _formats_of(text) if self.formats is None or self.formats else set()
        self.formats = found if self.formats is None else self.formats & found
        if self.strings is not None:
            if not _ENUM_MEMBER.fullmatch(text) or REDACTED in text:
                self.strings = None
            else:
                self.strings[text] = self.strings.get(text, 0) + 1
                if len(self.strings) > _ENUM_VALUES:
                    self.strings = None

    def schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of everything seen here."""
        kinds = [kind for kind in _TYPE_ORDER if self.types[kind]]
        if "integer" in kinds and "number" in kinds:
            kinds.remove("integer")  # 3 and 2.5 at one place: a number
        if not kinds:
            return {}
        out: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
        if "string" in kinds:
            out.update(self._string_schema("null" in kinds))
        if "object" in kinds and self.objects:
            out["properties"] = {key: sketch.schema() for key, sketch in self.properties.items()}
            required = [key for key, sketch in self.properties.items()
                        if sketch.seen == self.objects]  # fmt: skip
            if required:
                out["required"] = required
        if "array" in kinds and self.items is not None:
            out["items"] = self.items.schema()
        return out

    def _string_schema(self, nullable: bool) -> dict[str, Any]:
        if self.formats:
            name = next(name for name, _ in FORMATS if name in self.formats)
            return {"format": name}
        strings = self.strings
        seen = self.types["string"]
        if (strings and len(strings) <= _ENUM_VALUES and seen >= _ENUM_MIN_SEEN
                and seen >= _ENUM_REPEAT * len(strings)):  # fmt: skip
            # A nullable enum lists null too, or a null value would not validate.
            return {"enum": sorted(strings) + ([None] if nullable else [])}
        return {}


def scalar(text: str) -> object:
    """A query or path value as the type it spells: 42, 2.5, true, or the text itself."""
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    return text


def json_document(content: bytes | str) -> object:
    """json.loads, where a body nested too deep for the parser (a hostile client's
    `[[[[…`) is a ValueError like any other body that is no JSON, not a RecursionError."""
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None
