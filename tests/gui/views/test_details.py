"""The Summary tab's consumer line: a readable name first, the full identifier under it."""

from __future__ import annotations

from inspector.config.fingerprint import fingerprint
from inspector.gui.views.details import summary_html
from inspector.model import Consumer
from inspector.testing import make_exchange


def test_a_key_consumer_reads_by_its_short_name_not_its_fingerprint() -> None:
    key = fingerprint("sk_live_51Habc0000000000000001")
    html = summary_html(make_exchange(consumer=Consumer(key)))
    bold = html.split("<b>")[-1].split("</b>")[0]
    assert bold.startswith("key …0001 (") and key not in bold
    assert key in html  # still there, in grey, for matching with [[consumer]] rules


def test_a_labelled_consumer_shows_label_then_id() -> None:
    html = summary_html(make_exchange(consumer=Consumer("cus_42", label="Acme Corp")))
    assert "<b>Acme Corp</b>" in html and "cus_42" in html
    plain = summary_html(make_exchange(consumer=Consumer("ada@example.test")))
    assert plain.count("ada@example.test") == 1  # the name is the id: not written twice
