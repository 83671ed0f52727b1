"""Editing the configuration while `inspector capture` runs: new rules apply within seconds, an
invalid edit keeps the last good rules and is reported."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import httpx
import pytest

from inspector.model import Consumer
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture, wait_for_exchanges

pytestmark = pytest.mark.capture

_counter = itertools.count()


def _edit(path: Path, text: str) -> None:
    # Bump the mtime as an editor's save would, even on file systems with coarse timestamps.
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def _consumer_of_next_request(
    http: httpx.Client, upstream: Upstream, db_path: Path
) -> Consumer | None:
    prefix = f"/hot{next(_counter)}x"
    headers = {"X-Team": "red", "X-Squad": "blue"}
    assert http.get(upstream.url(f"{prefix}/json"), headers=headers).status_code == 200
    [exchange] = wait_for_exchanges(db_path, prefix)
    return exchange.consumer


def test_edits_apply_while_capturing_and_bad_edits_keep_the_last_rules(
    tmp_path: Path, upstream: Upstream
) -> None:
    config = tmp_path / "config.toml"
    _edit(config, '[[group]]\nid = "header:x-team"\n')
    proxy = start_capture(tmp_path, config=config)
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as http:
            first = _consumer_of_next_request(http, upstream, proxy.db_path)
            assert first == Consumer(id="red")

            _edit(config, '[[group]]\nid = "header:x-squad"\n')
            wait_until(
                lambda: (
                    _consumer_of_next_request(http, upstream, proxy.db_path) == Consumer(id="blue")
                ),
                timeout=10,
                what="the edited grouping rule to apply",
            )

            _edit(config, '[[group]]\nid = "header:"\n')

            def reported() -> bool:
                # The proxy looks at the file when traffic flows, so keep sending.
                assert _consumer_of_next_request(http, upstream, proxy.db_path) is not None
                return "group[1].id" in proxy.text("stderr")

            wait_until(reported, timeout=10, what="the invalid edit to be reported")
            # Still the last good rule, not ungrouped and not the first one.
            assert _consumer_of_next_request(http, upstream, proxy.db_path) == Consumer(id="blue")
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    assert f"{config}, line 2, group[1].id" in proxy.text("stderr")
