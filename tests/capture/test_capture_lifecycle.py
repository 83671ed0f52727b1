"""The proxy's life beside the app: it stops with a killed parent, and forwards while capturing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import exchanges_under, start_capture, wait_for_exchanges

pytestmark = pytest.mark.capture


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def orphaned_parent(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A parent process that starts `inspector capture --exit-with-parent` and then waits."""
    script = textwrap.dedent(
        f"""
        import signal, subprocess, sys
        child = subprocess.Popen(
            [sys.executable, "-m", "inspector", "capture", "--exit-with-parent",
             "--db", {str(tmp_path / "capture.db")!r}, "--listen", "127.0.0.1:0",
             "--set", "confdir={tmp_path / "mitmproxy"}"],
            stdout=subprocess.PIPE, text=True,
        )
        print(child.pid, flush=True)
        print(child.stdout.readline(), end="", flush=True)
        signal.pause()
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    yield parent
    parent.kill()
    parent.wait()


def test_a_proxy_whose_app_was_killed_stops_and_keeps_what_it_captured(
    tmp_path: Path, upstream: Upstream, orphaned_parent: subprocess.Popen[str]
) -> None:
    assert orphaned_parent.stdout is not None
    child = int(orphaned_parent.stdout.readline())
    listening = orphaned_parent.stdout.readline()
    assert listening.startswith("Listening on 127.0.0.1:"), listening
    port = int(listening.split()[2].rsplit(":", 1)[1])
    proxy = f"http://127.0.0.1:{port}"
    assert httpx.get(upstream.url("/orphan/json"), proxy=proxy).status_code == 200
    orphaned_parent.kill()  # like `kill -9` on the app: no chance to stop its child
    orphaned_parent.wait()
    wait_until(lambda: not _alive(child), timeout=20, what="the orphaned proxy to exit")
    stored = exchanges_under(tmp_path / "capture.db", "/orphan/")
    assert [exchange.path for exchange in stored] == ["/orphan/json"]


def test_forward_sends_captured_exchanges_while_capturing(
    tmp_path: Path, upstream: Upstream, httpserver: HTTPServer
) -> None:
    received: list[dict[str, object]] = []

    def collector(request: Request) -> Response:
        received.extend(json.loads(line) for line in request.data.splitlines() if line)
        return Response('{"errors": false, "items": []}', content_type="application/json")

    httpserver.expect_request("/api-inspector", method="HEAD").respond_with_data("", status=200)
    httpserver.expect_request("/api-inspector/_bulk", method="POST").respond_with_handler(collector)
    config = tmp_path / "config.toml"
    config.write_text(
        f'schema_version = 1\n[export.elasticsearch]\nbase_url = "{httpserver.url_for("/")}"\n'
    )
    proxy = start_capture(tmp_path, "--forward", "elasticsearch", config=config)
    try:
        for i in range(3):
            httpx.get(upstream.url(f"/forwarded/{i}/json"), proxy=proxy.url)
        wait_for_exchanges(proxy.db_path, "/forwarded/", 3)

        def documents() -> list[dict[str, object]]:
            return [d for d in received if "/forwarded/" in str(d.get("path", ""))]

        wait_until(lambda: len(documents()) == 3, timeout=20, what="3 forwarded documents")
    finally:
        assert proxy.stop() == 0
    assert sorted(str(d["path"]) for d in documents()) == [f"/forwarded/{i}/json" for i in range(3)]
    assert os.path.exists(proxy.db_path)
