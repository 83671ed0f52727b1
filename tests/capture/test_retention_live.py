"""Retention through the real proxy: a tiny max_exchanges keeps only the newest, and a
hot-reloaded limit takes effect while capturing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import exchanges_under, start_capture

pytestmark = pytest.mark.capture


def _write_config(path: Path, max_exchanges: int) -> None:
    path.write_text(
        f"schema_version = 1\n\n[capture]\nretention = {{ max_exchanges = {max_exchanges} }}\n"
    )


def test_capture_keeps_only_the_newest_exchanges_and_applies_reloaded_limits(
    tmp_path: Path, upstream: Upstream, prefix: str
) -> None:
    config = tmp_path / "config.toml"
    _write_config(config, 10)
    proxy = start_capture(tmp_path, config=config)
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            for i in range(30):
                assert client.get(upstream.url(f"{prefix}/{i}/json")).status_code == 200

            # The proxy checks its limits every few seconds: poll, never sleep.
            def newest_ten() -> list[str] | None:
                paths = [e.path for e in exchanges_under(proxy.db_path, prefix)]
                return paths if paths == [f"{prefix}/{i}/json" for i in range(20, 30)] else None

            wait_until(newest_ten, timeout=20, what="pruning down to the newest 10 exchanges")

            # Tighten the limit while capturing: the edit is picked up and applied.
            _write_config(config, 3)
            stamp = os.stat(config).st_mtime_ns + 2_000_000_000
            os.utime(config, ns=(stamp, stamp))
            sent: list[str] = []

            # The edit applies with the next requests (the file is looked at once a second):
            # send for two seconds, then stop, so the count can settle. Polling for exactly 3
            # while traffic went on raced every commit against each pruning pass (CI, 3.13).
            for _ in range(8):
                path = f"{prefix}/{30 + len(sent)}/json"
                assert client.get(upstream.url(path)).status_code == 200
                sent.append(path)
                time.sleep(0.25)

            def newest_three() -> list[str] | None:
                paths = [e.path for e in exchanges_under(proxy.db_path, prefix)]
                return paths if len(paths) == 3 else None

            kept = wait_until(newest_three, timeout=20, what="pruning down to 3 exchanges")
            assert kept == sent[-3:]  # only the newest are kept
            # The proxy kept serving throughout.
            assert client.get(upstream.url(f"{prefix}/after/json")).status_code == 200
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    stderr = proxy.text("stderr")
    assert "Retention: pruned" in stderr
    assert "exchanges beyond the newest 10" in stderr
    assert prefix not in stderr  # counts only, never content
