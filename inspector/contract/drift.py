"""Drift: where the traffic leaves a given OpenAPI spec, and which consumers it touches.

Every exchange is checked for its operation and status (one grouped pass over the scalar
columns). Bodies are checked on a seeded random sample of up to `samples` exchanges per
operation and status: validated against the documented schema, and walked for fields the
schema never names. The report says how many bodies it read.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inspector.consumer_names import display_name
from inspector.contract.sketch import json_document
from inspector.contract.spec_schemas import (
    SchemaCheck,
    SpecRefError,
    SpecSchemaError,
    complaint,
    media_for,
    response_for,
)
from inspector.model import Exchange
from inspector.openapi import OpenApiSpec, Operation
from inspector.store.read import load_exchange
from inspector.store.selection import Selection, from_clause

SAMPLES = 200
KINDS = ("undocumented-operation", "undocumented-status", "invalid-response", "undocumented-field")
_CONSUMERS_SHOWN = 20


@dataclass
class Finding:
    kind: str  # one of KINDS
    method: str
    endpoint: str  # the endpoint as stored (and shown in the app)
    spec_path: str  # the spec's template it matched; "" when none did
    detail: str  # the status, the field path or what fails validation
    count: int = 0  # exchanges (for bodies: sampled bodies) showing it
    consumers: Counter[str] = field(default_factory=Counter)
    example: str = ""  # one concrete case: the exchange uid and the validator's own words
    out_of: int = 0  # for body findings: the bodies read for that operation and status

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind, "method": self.method, "endpoint": self.endpoint,
            "spec_path": self.spec_path or None, "detail": self.detail, "count": self.count,
            "consumers": [name for name, _ in self.consumers.most_common(_CONSUMERS_SHOWN)],
            "consumers_total": len(self.consumers), "example": self.example,
            "bodies_checked": self.out_of or None,
        }  # fmt: skip


@dataclass
class DriftReport:
    spec: str
    exchanges: int = 0
    bodies_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    uncalled: list[Operation] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_json(self) -> dict[str, object]:
        return {
            "spec": self.spec, "exchanges": self.exchanges, "bodies_checked": self.bodies_checked,
            "findings": [f.to_json() for f in self.findings],
            "never_called": [{"method": op.method, "path": op.template} for op in self.uncalled],
        }  # fmt: skip


class _Findings:
    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str, str, str], Finding] = {}

    def add(self, kind: str, method: str, endpoint: str, spec_path: str, detail: str,
            consumer: str | None, count: int = 1, example: str = "") -> Finding:  # fmt: skip
        key = (kind, method, endpoint, detail)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key[key] = Finding(kind, method, endpoint, spec_path, detail,
                                               example=example)  # fmt: skip
        found.count += count
        if consumer:
            found.consumers[consumer] += count
        return found


def _consumer_names(conn: sqlite3.Connection) -> dict[int, str]:
    return {row_id: display_name(identifier, label or "") for row_id, identifier, label
            in conn.execute("SELECT id, identifier, label FROM consumers")}  # fmt: skip


def check(conn: sqlite3.Connection, selection: Selection, spec: OpenApiSpec, *,
          samples: int = SAMPLES, seed: int = 0) -> DriftReport:  # fmt: skip
    report = DriftReport(spec.source)
    findings = _Findings()
    names = _consumer_names(conn)
    flt = selection.where()
    source = from_clause(flt.where)
    documented: dict[tuple[str, str, int], tuple[str, dict[str, Any]]] = {}
    called: set[tuple[str, str]] = set()
    for method, endpoint, status, consumer_id, n in conn.execute(
        f"SELECT e.method, e.endpoint, e.status, e.consumer_id, count(*) {source} "
        f"WHERE ({flt.where}) GROUP BY 1, 2, 3, 4",
        flt.params,
    ):
        report.exchanges += n
        consumer = names.get(consumer_id) if consumer_id is not None else None
        template = spec.match(endpoint)
        operation = spec.operation(method, template) if template else None
        if template is None or operation is None:
            detail = "path not in the spec" if template is None else "method not in the spec"
            findings.add("undocumented-operation", method, endpoint, template or "", detail,
                         consumer, n)  # fmt: skip
            continue
        called.add((method.upper(), template))
        if status is None:
            continue  # no response to hold against the spec
        try:
            response = response_for(spec.document, operation, status)
        except SpecRefError as exc:  # a response kept in another file: nothing to hold it to
            detail = f"{status}: the spec's $ref {exc} cannot be resolved here"
            findings.add("invalid-response", method, endpoint, template, detail, None, n)
            continue
        if response is None:
            findings.add("undocumented-status", method, endpoint, template, str(status),
                         consumer, n)  # fmt: skip
            continue
        documented[(method, endpoint, status)] = (template, response)
    report.uncalled = spec.uncalled(called)
    _check_bodies(conn, selection, spec, documented, findings, names, report, samples, seed)
    order = {kind: index for index, kind in enumerate(KINDS)}
    report.findings = sorted(
        findings.by_key.values(), key=lambda f: (order[f.kind], -f.count, f.endpoint, f.detail)
    )
    return report


def _sample(conn: sqlite3.Connection, selection: Selection,
            wanted: set[tuple[str, str, int]], samples: int, seed: int
            ) -> dict[tuple[str, str, int], list[int]]:  # fmt: skip
    flt = selection.where()
    rng = random.Random(seed)
    chosen: dict[tuple[str, str, int], list[int]] = {}
    seen: Counter[tuple[str, str, int]] = Counter()
    for row_id, method, endpoint, status in conn.execute(
        f"SELECT e.id, e.method, e.endpoint, e.status {from_clause(flt.where)} "
        f"WHERE ({flt.where}) AND e.response_bytes > 0 ORDER BY e.id",
        flt.params,
    ):
        key = (method, endpoint, status)
        if key not in wanted:
            continue
        seen[key] += 1
        ids = chosen.setdefault(key, [])
        if len(ids) < samples:
            ids.append(row_id)
        elif (slot := rng.randrange(seen[key])) < samples:
            ids[slot] = row_id
    return chosen


def _check_bodies(conn: sqlite3.Connection, selection: Selection, spec: OpenApiSpec,
                  documented: dict[tuple[str, str, int], tuple[str, dict[str, Any]]],
                  findings: _Findings, names: dict[int, str], report: DriftReport,
                  samples: int, seed: int) -> None:  # fmt: skip
    checks: dict[int, SchemaCheck] = {}  # by id() of the schema object in the spec
    for key, ids in _sample(conn, selection, set(documented), samples, seed).items():
        method, endpoint, status = key
        template, response = documented[key]
        recorder = _Recorder(findings, method, endpoint, template, status)
        checked = 0
        for row_id in sorted(ids):
            exchange = load_exchange(conn, row_id)
            if exchange is None or exchange.response_body.truncated:
                continue  # a cut-off body would fail for want of its end
            checked += 1
            who = exchange.consumer
            consumer = display_name(who.id, who.label) if who else None
            if not _check_body(spec, response, exchange, checks, consumer, recorder.add):
                break
        report.bodies_checked += checked
        for finding in recorder.touched:
            finding.out_of = checked


@dataclass
class _Recorder:
    """Body findings of one operation and status, which learn how many bodies were read."""

    findings: _Findings
    method: str
    endpoint: str
    template: str
    status: int
    touched: list[Finding] = field(default_factory=list)

    def add(self, kind: str, detail: str, consumer: str | None, example: str) -> None:
        detail = f"{self.status}: {detail}"
        finding = self.findings.add(
            kind, self.method, self.endpoint, self.template, detail, consumer, example=example
        )
        if finding not in self.touched:
            self.touched.append(finding)


def _check_body(spec: OpenApiSpec, response: dict[str, Any], exchange: Exchange,
                checks: dict[int, SchemaCheck], consumer: str | None,
                add: Callable[[str, str, str | None, str], None]) -> bool:  # fmt: skip
    """Hold one body against its documented response; False when the spec cannot be used."""
    body = exchange.response_body
    media = body.media_type
    content = response.get("content")
    if not isinstance(content, dict) or not content:
        return True  # the spec says nothing of this response's body (common for errors)
    entry = media_for(content, media)
    if entry is None:
        add("invalid-response", f"{media or 'a body'} not among the documented content types "
            f"({', '.join(content)})", consumer, exchange.uid)  # fmt: skip
        return True
    schema = entry.get("schema")
    if schema is None or not (media == "application/json" or media.endswith("+json")):
        return True
    try:
        document = json_document(body.content)
    except ValueError as exc:
        add("invalid-response", "a body that is not JSON", consumer, f"{exchange.uid}: {exc}")
        return True
    try:
        check = checks.get(id(schema))
        if check is None:
            check = checks[id(schema)] = SchemaCheck(spec.document, schema)
        for error in check.errors(document):
            add("invalid-response", complaint(error), consumer,
                f"{exchange.uid}: {error.message[:200]}")  # fmt: skip
        for path in sorted(check.undocumented(document)):
            add("undocumented-field", path, consumer, exchange.uid)
    except SpecRefError as exc:
        add("invalid-response", f"the spec's $ref {exc} cannot be resolved here", None, "")
        return False
    except SpecSchemaError as exc:
        add("invalid-response", f"the spec's schema cannot be used: {exc}", None, "")
        return False
    return True
