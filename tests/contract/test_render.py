"""A drift report in words: text for a terminal, Markdown for a pull request."""

from __future__ import annotations

from collections import Counter

from inspector.contract.drift import DriftReport, Finding
from inspector.contract.render import markdown, text
from inspector.openapi import Operation


def _report() -> DriftReport:
    many = Counter({f"consumer {i}": 10 - i for i in range(8)})
    return DriftReport(
        "spec.yaml", exchanges=1_234, bodies_checked=56,
        findings=[
            Finding("undocumented-status", "GET", "/users/{id}", "/users/{userId}", "418",
                    count=3, consumers=Counter({"Acme": 3})),
            Finding("invalid-response", "GET", "/a|b", "/a|b", "200: id: string where the "
                    "spec says integer", count=2, consumers=many, out_of=40),
        ],
        uncalled=[Operation("DELETE", "/users/{userId}")],
    )  # fmt: skip


def test_text_groups_findings_and_says_how_many_of_what() -> None:
    out = text(_report())
    assert out.splitlines()[0] == (
        "Drift from spec.yaml: 1,234 exchanges checked, 56 response bodies read"
    )
    assert "Statuses the spec lacks (1):\n  GET /users/{id} (spec: /users/{userId}): 418 · " \
        "3 requests · Acme" in out  # fmt: skip
    assert "2 of 40 bodies read · consumer 0, consumer 1, consumer 2, consumer 3, consumer 4 " \
        "(+3 more)" in out  # fmt: skip
    assert "In the spec, never called (1):\n  DELETE /users/{userId}" in out


def test_markdown_escapes_pipes_inside_cells() -> None:
    out = markdown(_report())
    assert out.startswith("### Drift from spec.yaml")
    assert "| `GET /a\\|b` | 200: id: string where the spec says integer | 2 of 40" in out


def test_no_findings_says_so() -> None:
    empty = DriftReport("s.yaml", exchanges=5)
    assert "No drift: every operation, status and body read matches the spec." in text(empty)
    assert "No drift" in markdown(empty)
