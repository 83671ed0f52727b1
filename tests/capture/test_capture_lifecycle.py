"""The proxy's life beside the exporters: it forwards while capturing. (Stopping with a killed
parent is in test_runner.py.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import start_capture, wait_for_exchanges

pytestmark = pytest.mark.capture


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
