"""Every placement of the secret corpus, through the capture rules: no secret survives in any
spelling, and what is not secret stays readable."""

from __future__ import annotations

import dataclasses

import pytest

from inspector.config import default_config
from inspector.model import Exchange
from inspector.testing.secret_corpus import (
    Placement,
    exchange_of,
    forms_of,
    harmless,
    placements,
)

CONFIG = default_config()
PLACEMENTS = placements()


def _stored_text(exchange: Exchange) -> bytes:
    """Every field a store or an export could write, as bytes."""
    parts: list[bytes] = []
    for field in dataclasses.fields(exchange):
        value = getattr(exchange, field.name)
        if field.name.endswith("_body"):
            parts.append(value.content)
        else:
            parts.append(repr(value).encode())
    parts.append(exchange.url.encode())
    return b"\n".join(parts)


def test_the_corpus_is_broad() -> None:
    assert len(PLACEMENTS) >= 150
    assert len({p.name for p in PLACEMENTS}) == len(PLACEMENTS)


@pytest.mark.parametrize("placement", [*PLACEMENTS, *harmless()], ids=lambda p: p.name)
def test_each_case_plants_its_secret_and_its_kept_text(placement: Placement) -> None:
    # Otherwise the redaction checks below pass on a case that never held a secret.
    raw = _stored_text(exchange_of(placement))
    if placement.secret:
        assert any(form in raw for form in forms_of(placement.secret)), placement.name
    for text in placement.kept:
        assert text.encode() in raw, f"{placement.name}: {text!r} is not in the exchange"


def test_forms_of_spells_a_secret_every_way_it_can_reach_disk() -> None:
    forms = forms_of('a/b+c"d')
    assert set(forms) == {b'a/b+c"d', b"a%2Fb%2Bc%22d", b"YS9iK2MiZA==", b'a/b+c\\"d'}
    pem = "-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n-----END PRIVATE KEY-----"
    assert forms_of(pem) == [b"AAAA", b"BBBB"]


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_no_secret_survives_capture_rules(placement: Placement) -> None:
    processed = CONFIG.process(exchange_of(placement))
    assert processed is not None
    stored = _stored_text(processed)
    leaked = [form for form in forms_of(placement.secret) if form in stored]
    assert not leaked, f"{placement.name}: {leaked[0][:40]!r} stored"
    assert b"[REDACTED]" in stored or b"[REDACTED]" in stored.replace(b"%5B", b"[")
    for text in placement.kept:
        assert text.encode() in stored, f"{placement.name}: {text!r} was lost"


@pytest.mark.parametrize("placement", harmless(), ids=lambda p: p.name)
def test_ordinary_values_are_kept(placement: Placement) -> None:
    processed = CONFIG.process(exchange_of(placement))
    assert processed is not None
    stored = _stored_text(processed)
    for text in placement.kept:
        assert text.encode() in stored, f"{placement.name}: {text!r} was masked"
    assert b"[REDACTED]" not in stored
