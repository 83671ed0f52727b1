"""`inspector openapi`: an OpenAPI 3.1 document inferred from the exchanges of a selection.

Two streaming passes over the scalar columns count every exchange (operations, statuses,
consumers, servers) and draw a seeded random sample of up to `samples` exchanges per operation
and status. Only the sampled bodies are read and folded into schema sketches, so memory and
time follow the number of operations, not of exchanges: a million rows read like ten thousand.
Examples come from the stored bodies, which redaction already cleaned before they were written.
"""

from __future__ import annotations

import contextlib
import http
import random
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from inspector.consumer_names import display_name
from inspector.contract.paths import ApiPath, api_path, operation_id
from inspector.contract.security_schemes import (
    credential_parameters,
    credentials,
    security_requirements,
)
from inspector.contract.sketch import Sketch, json_document, scalar
from inspector.model import Exchange, authority
from inspector.openapi import HTTP_METHODS
from inspector.store.read import load_exchange
from inspector.store.selection import Selection, from_clause

OPENAPI_VERSION = "3.1.0"
SAMPLES = 200  # exchanges read per operation and status
MAX_OPERATIONS = 2000  # the busiest operations are described; the rest are counted as left out
MAX_CONSUMERS = 50  # names listed per operation in x-consumers
_EXAMPLE_CHARS = 4096  # a larger body is described by its schema alone
_SERVERS = 5


@dataclass(eq=False)
class _Response:
    reason: str = ""
    media: Counter[str] = field(default_factory=Counter)
    json: Sketch = field(default_factory=Sketch)
    example: object = None
    has_example: bool = False


@dataclass(eq=False)
class _Operation:
    method: str
    where: ApiPath
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    consumers: Counter[str] = field(default_factory=Counter)
    sampled: int = 0
    path_values: list[Sketch] = field(default_factory=list)
    query: dict[str, Sketch] = field(default_factory=dict)
    query_presence: Counter[str] = field(default_factory=Counter)  # sampled requests with it
    query_repeated: set[str] = field(default_factory=set)
    request_media: Counter[str] = field(default_factory=Counter)
    request_json: Sketch = field(default_factory=Sketch)
    request_form: Sketch = field(default_factory=Sketch)
    responses: dict[int, _Response] = field(default_factory=dict)
    # Sets of security schemes sampled requests carried together (empty: no credential).
    security: Counter[frozenset[str]] = field(default_factory=Counter)


@dataclass(frozen=True)
class Inferred:
    document: dict[str, Any]
    exchanges: int  # matched by the selection
    described: int  # of those, in the operations the document describes
    operations: int
    left_out: int  # operations past MAX_OPERATIONS, or not expressible as OpenAPI paths
    bodies_read: int


def _reservoir(store: list[int], seen: int, row_id: int, size: int, rng: random.Random) -> None:
    """Algorithm R: after n rows, each is in the sample with probability size / n."""
    if len(store) < size:
        store.append(row_id)
    else:
        slot = rng.randrange(seen)
        if slot < size:
            store[slot] = row_id


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _fold_request(op: _Operation, exchange: Exchange, schemes: dict[str, Any]) -> None:
    op.sampled += 1
    carried = credentials(exchange)
    schemes.update(carried)
    op.security[frozenset(carried)] += 1
    secret_params = credential_parameters(exchange)
    values = op.where.values(exchange.path)
    if values is not None:
        while len(op.path_values) < len(values):
            op.path_values.append(Sketch())
        for sketch, value in zip(op.path_values, values, strict=False):
            sketch.add(scalar(value))
    names: Counter[str] = Counter()
    pairs = parse_qsl(exchange.query, keep_blank_values=True)
    for name, value in pairs:
        if name in secret_params:
            continue  # a credential: described by a security scheme, not as a parameter
        names[name] += 1
        op.query.setdefault(name, Sketch()).add(scalar(value))
    op.query_presence.update(names.keys())
    op.query_repeated.update(name for name, count in names.items() if count > 1)
    body = exchange.request_body
    if not body.size:
        return
    media = _media(body.content_type)
    op.request_media[media] += 1
    if body.truncated:
        return  # a cut-off body would describe fields as missing
    if _is_json(media):
        with contextlib.suppress(ValueError):  # a body that is not JSON adds nothing
            op.request_json.add(json_document(body.content))
    elif media == "application/x-www-form-urlencoded":
        text = body.content.decode("utf-8", "replace")
        op.request_form.add({k: scalar(v) for k, v in parse_qsl(text, keep_blank_values=True)})


def _fold_response(op: _Operation, exchange: Exchange) -> None:
    assert exchange.status is not None
    response = op.responses.get(exchange.status)
    if response is None:
        response = op.responses[exchange.status] = _Response(reason=exchange.reason)
    body = exchange.response_body
    if not body.size:
        return
    media = _media(body.content_type)
    response.media[media] += 1
    if not _is_json(media) or body.truncated:
        return
    try:
        document = json_document(body.content)
    except ValueError:
        return
    response.json.add(document)
    if not response.has_example and len(body.content) <= _EXAMPLE_CHARS:
        response.example, response.has_example = document, True


@dataclass
class _Scan:
    """What the passes over the scalar columns found: every operation with its counts, and the
    row ids sampled per (method, endpoint, status)."""

    operations: dict[tuple[str, str], _Operation]
    reservoirs: dict[tuple[str, str, int], list[int]]
    total: int  # exchanges the selection matched
    left_out: int  # operations not described


def _scan(conn: sqlite3.Connection, selection: Selection, samples: int, seed: int) -> _Scan:
    flt = selection.where()
    source = from_clause(flt.where)
    counts: Counter[tuple[str, str]] = Counter()
    for method, endpoint, n in conn.execute(
        f"SELECT e.method, e.endpoint, count(*) {source} WHERE ({flt.where}) GROUP BY 1, 2",
        flt.params,
    ):
        counts[(method, endpoint)] += n
    total = sum(counts.values())
    operations: dict[tuple[str, str], _Operation] = {}
    for (method, endpoint), _ in counts.most_common():
        where = api_path(endpoint) if method.lower() in HTTP_METHODS else None
        if where is not None and len(operations) < MAX_OPERATIONS:
            operations[(method, endpoint)] = _Operation(method, where)
    left_out = len(counts) - len(operations)
    rng = random.Random(seed)
    reservoirs: dict[tuple[str, str, int], list[int]] = {}
    seen: Counter[tuple[str, str, int]] = Counter()
    rows = conn.execute(
        f"SELECT e.id, e.method, e.endpoint, e.status, e.consumer_id {source} "
        f"WHERE ({flt.where}) ORDER BY e.id",
        flt.params,
    )
    consumer_ids: dict[tuple[str, str], Counter[int]] = {}
    for row_id, method, endpoint, status, consumer_id in rows:
        op = operations.get((method, endpoint))
        if op is None:
            continue
        op.requests += 1
        if consumer_id is not None:
            consumer_ids.setdefault((method, endpoint), Counter())[consumer_id] += 1
        if status is None:
            op.failed += 1
            continue
        op.statuses[status] += 1
        key = (method, endpoint, status)
        seen[key] += 1
        _reservoir(reservoirs.setdefault(key, []), seen[key], row_id, samples, rng)
    names = {row_id: display_name(identifier, label or "") for row_id, identifier, label
             in conn.execute("SELECT id, identifier, label FROM consumers")}  # fmt: skip
    for operation_key, by_id in consumer_ids.items():
        for consumer_id, n in by_id.items():
            operations[operation_key].consumers[names.get(consumer_id, str(consumer_id))] += n
    return _Scan(operations, reservoirs, total, left_out)


def infer(conn: sqlite3.Connection, selection: Selection, *, title: str = "",
          samples: int = SAMPLES, seed: int = 0) -> Inferred:  # fmt: skip
    scan = _scan(conn, selection, samples, seed)
    operations = scan.operations
    bodies = 0
    schemes: dict[str, Any] = {}
    for (method, endpoint, _status), ids in scan.reservoirs.items():
        op = operations[(method, endpoint)]
        for row_id in sorted(ids):
            exchange = load_exchange(conn, row_id)
            if exchange is None:
                continue  # pruned between the passes
            bodies += 1
            _fold_request(op, exchange, schemes)
            _fold_response(op, exchange)
    document = _document(operations.values(), title, _servers(conn, selection), scan.total)
    if schemes:
        document["components"] = {"securitySchemes": dict(sorted(schemes.items()))}
    described = sum(op.requests for op in operations.values())
    return Inferred(document, scan.total, described, len(operations), scan.left_out, bodies)


def _servers(conn: sqlite3.Connection, selection: Selection) -> list[dict[str, str]]:
    flt = selection.where()
    rows = conn.execute(
        f"SELECT e.scheme, e.host, e.port, count(*) AS n {from_clause(flt.where)} "
        f"WHERE ({flt.where}) GROUP BY 1, 2, 3 ORDER BY n DESC LIMIT {_SERVERS}",
        flt.params,
    ).fetchall()
    return [
        {"url": f"{scheme}://{authority(scheme, host, port)}"} for scheme, host, port, _ in rows
    ]


def _description(status: int, reason: str) -> str:
    try:
        return reason or http.HTTPStatus(status).phrase
    except ValueError:
        return reason or f"Status {status}"


def _parameters(op: _Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for index, name in enumerate(op.where.names):
        sketch = op.path_values[index] if index < len(op.path_values) else Sketch()
        params.append({"name": name, "in": "path", "required": True,
                       "schema": sketch.schema() or {"type": "string"}})  # fmt: skip
    for name in sorted(op.query):
        schema = op.query[name].schema() or {"type": "string"}
        if name in op.query_repeated:
            schema = {"type": "array", "items": schema}
        required = op.query_presence[name] == op.sampled
        params.append({"name": name, "in": "query", "required": required, "schema": schema})
    return params


def _content(media: Counter[str], sketch: Sketch, example: tuple[bool, object] = (False, None)
             ) -> dict[str, Any]:  # fmt: skip
    content: dict[str, Any] = {}
    for name, _ in media.most_common():
        entry: dict[str, Any] = {}
        if _is_json(name):
            entry["schema"] = sketch.schema()
            if example[0]:
                entry["example"] = example[1]
        elif name.startswith("text/") or name in ("application/xml", "application/javascript"):
            entry["schema"] = {"type": "string"}
        content[name or "application/octet-stream"] = entry
    return content


def _operation(op: _Operation, taken: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": operation_id(op.method, op.where.path, taken)}
    params = _parameters(op)
    if params:
        out["parameters"] = params
    if op.request_media:
        content = _content(op.request_media, op.request_json)
        form = content.get("application/x-www-form-urlencoded")
        if form is not None:
            form["schema"] = op.request_form.schema()
        out["requestBody"] = {"required": sum(op.request_media.values()) == op.sampled,
                              "content": content}  # fmt: skip
    security = security_requirements(op.security)
    if security:
        out["security"] = security
    responses: dict[str, Any] = {}
    for status in sorted(op.responses):
        response = op.responses[status]
        entry: dict[str, Any] = {"description": _description(status, response.reason),
                                 "x-count": op.statuses[status]}  # fmt: skip
        content = _content(response.media, response.json, (response.has_example,
                                                            response.example))  # fmt: skip
        if content:
            entry["content"] = content
        responses[str(status)] = entry
    if responses:
        out["responses"] = responses
    # Busiest first; ties by name, so the same capture writes the same document.
    consumers = sorted(op.consumers.items(), key=lambda pair: (-pair[1], pair[0]))[:MAX_CONSUMERS]
    out["x-requests"] = op.requests
    if op.failed:
        out["x-failed"] = op.failed  # no response: the connection failed or was refused
    out["x-consumers"] = [name for name, _ in consumers]
    if len(op.consumers) > MAX_CONSUMERS:
        out["x-consumers-more"] = len(op.consumers) - MAX_CONSUMERS
    return out


def _document(operations: Iterable[_Operation], title: str, servers: list[dict[str, str]],
              total: int) -> dict[str, Any]:  # fmt: skip
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    ordered = sorted(
        operations, key=lambda op: (op.where.path, HTTP_METHODS.index(op.method.lower()))
    )
    for op in ordered:
        paths.setdefault(op.where.path, {})[op.method.lower()] = _operation(op, taken)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title or "API captured by API Inspector",
            "version": "captured",
            "description": f"Inferred by API Inspector from {total:,} captured exchanges. "
            "Schemas describe the sampled traffic: a field is required when every sampled "
            "body had it. x-consumers lists who called each operation.",
        },
    }
    if servers:
        document["servers"] = servers
    document["paths"] = paths
    return document
