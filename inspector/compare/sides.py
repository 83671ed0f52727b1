"""One side of a comparison: the exchanges a selection holds, grouped per endpoint and consumer.

Durations are kept per group (8 bytes an exchange) for exact percentiles and the rank test;
response shapes come from a bounded sample of JSON bodies per endpoint.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections import Counter
from dataclasses import dataclass, field

from inspector.consumer_names import display_name
from inspector.contract.sketch import json_document, json_type
from inspector.errors import InspectorError
from inspector.store.read import load_exchange
from inspector.store.selection import Selection, is_error

# Bodies read per endpoint to learn its response shape: enough to see optional fields.
SHAPE_SAMPLES = 40


@dataclass
class Group:
    """The exchanges of one endpoint (or one consumer) on one side."""

    requests: int = 0
    errors: int = 0
    durations_ms: array[float] = field(default_factory=lambda: array("d"))
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class Shape:
    """Field paths seen in an endpoint's JSON responses: path -> types, and in how many bodies."""

    bodies: int = 0
    types: dict[str, set[str]] = field(default_factory=dict)
    seen: Counter[str] = field(default_factory=Counter)


@dataclass
class Side:
    label: str
    endpoints: dict[str, Group] = field(default_factory=dict)
    consumers: dict[str, Group] = field(default_factory=dict)
    shapes: dict[str, Shape] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(group.requests for group in self.endpoints.values())


def require_exchanges(side: Side, name: str) -> Side:
    """`side` itself; InspectorError when it holds nothing (`name`: "base" or "head").

    An empty side would compare as every endpoint new or gone: a wrong window or filter, not news.
    """
    if not side.requests:
        raise InspectorError(f"The {name} side ({side.label}) holds no exchanges to compare.")
    return side


def _paths(value: object, prefix: str, out: dict[str, set[str]], depth: int = 0) -> None:
    """Every field path of a JSON document (`items[].id`) with the types seen there."""
    if depth > 12:
        return
    if isinstance(value, dict):
        for key, inner in list(value.items())[:200]:
            path = f"{prefix}.{key}" if prefix else str(key)
            out.setdefault(path, set()).add(json_type(inner))
            _paths(inner, path, out, depth + 1)
    elif isinstance(value, list):
        for inner in value[:20]:
            if isinstance(inner, dict | list):
                _paths(inner, f"{prefix}[]", out, depth + 1)


def load_side(conn: sqlite3.Connection, selection: Selection, label: str) -> Side:
    side = Side(label)
    flt = selection.where()
    sample_ids: dict[str, list[int]] = {}
    rows = conn.execute(
        f"""SELECT e.id, e.method, e.endpoint, e.status, e.duration_ms, e.response_content_type,
                   c.identifier, c.label
            FROM exchanges e LEFT JOIN consumers c ON c.id = e.consumer_id
            WHERE ({flt.where}) ORDER BY e.id""",
        flt.params,
    )
    for row_id, method, endpoint, status, duration, content_type, identifier, label in rows:
        key = f"{method} {endpoint}"
        consumer = display_name(identifier, label or "") if identifier else ""
        for groups, name in ((side.endpoints, key), (side.consumers, consumer or "(no consumer)")):
            group = groups.get(name)
            if group is None:
                group = groups[name] = Group()
            group.requests += 1
            group.errors += is_error(status)
            if duration is not None:
                group.durations_ms.append(duration)
            group.statuses["failed" if status is None else str(status)] += 1
        if status is not None and 200 <= status < 300 and "json" in (content_type or ""):
            ids = sample_ids.setdefault(key, [])
            if len(ids) < SHAPE_SAMPLES:
                ids.append(row_id)
    for key, ids in sample_ids.items():
        shape = side.shapes[key] = Shape()
        for row_id in ids:
            exchange = load_exchange(conn, row_id)
            if exchange is None or exchange.response_body.truncated:
                continue  # a cut-off body would look like removed fields
            try:
                document = json_document(exchange.response_body.content)
            except ValueError:
                continue
            found: dict[str, set[str]] = {}
            _paths(document, "", found)
            shape.bodies += 1
            for path, types in found.items():
                shape.types.setdefault(path, set()).update(types)
                shape.seen[path] += 1
    return side
