"""`inspector run -- COMMAND`: real clients (curl, requests, httpx, urllib, Node where it reads
proxy variables) reach plain and HTTPS APIs on 127.0.0.1 through a capture, trusting its CA."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from capture_servers import make_self_signed
from capture_support import exchanges_under, start_capture

pytestmark = pytest.mark.capture


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b'{"ok": true}'
        status = 500 if self.path.endswith("/boom") else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(context: ssl.SSLContext | None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{'https' if context else 'http'}://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def plain_api() -> Iterator[str]:
    yield from _serve(None)


@pytest.fixture
def tls_api(tmp_path: Path) -> Iterator[str]:
    cert, key = make_self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    yield from _serve(context)


def _inspector_run(tmp_path: Path, *command: str, listen: str = "127.0.0.1:0",
                   confdir: str = "conf") -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run(
        [sys.executable, "-m", "inspector", "run", "--db", str(tmp_path / "run.db"),
         "--listen", listen, "--set", f"confdir={tmp_path / confdir}",
         "--set", "ssl_insecure=true", "--", *command],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


PYTHON_CLIENTS = """
import sys, urllib.request
import httpx, requests
for base in sys.argv[1:]:
    assert requests.get(base + "/py/requests").status_code == 200
    assert httpx.get(base + "/py/httpx").status_code == 200
    assert urllib.request.urlopen(base + "/py/urllib").status == 200
print("clients done")
"""


def test_python_clients_and_curl_are_captured_over_http_and_https(
    tmp_path: Path, plain_api: str, tls_api: str
) -> None:
    done = _inspector_run(tmp_path, sys.executable, "-c", PYTHON_CLIENTS, plain_api, tls_api)
    assert done.returncode == 0, done.stderr
    assert "clients done" in done.stdout
    curl = shutil.which("curl")
    assert curl is not None, "curl is part of the machine's tools"
    done = _inspector_run(tmp_path, curl, "-sSf", f"{tls_api}/curl/tls", f"{plain_api}/curl/plain")
    assert done.returncode == 0, done.stderr
    assert "2 requests captured, 0 errors, p95" in done.stderr

    stored = exchanges_under(tmp_path / "run.db", "/")
    seen = {(e.scheme, e.path) for e in stored}
    for scheme in ("http", "https"):
        for client in ("requests", "httpx", "urllib"):
            assert (scheme, f"/py/{client}") in seen
    assert ("https", "/curl/tls") in seen and ("http", "/curl/plain") in seen
    agents = {e.request_header("User-Agent").split("/")[0] for e in stored}
    assert {"python-requests", "python-httpx", "Python-urllib", "curl"} <= agents
    assert not list(tmp_path.glob("conf/*bundle*"))  # nothing left behind


def test_the_command_status_is_returned_and_errors_are_counted(
    tmp_path: Path, plain_api: str
) -> None:
    script = f"import httpx, sys; httpx.get('{plain_api}/boom'); sys.exit(3)"
    done = _inspector_run(tmp_path, sys.executable, "-c", script)
    assert done.returncode == 3
    assert "inspector run: 1 request captured, 1 error" in done.stderr
    missing = _inspector_run(tmp_path, "no-such-command-here")
    assert missing.returncode == 127
    assert "no-such-command-here: command not found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_a_running_capture_is_joined_not_started_twice(tmp_path: Path, plain_api: str) -> None:
    proxy = start_capture(tmp_path, db_path=tmp_path / "run.db")
    try:
        done = _inspector_run(
            tmp_path, sys.executable, "-c", f"import httpx; httpx.get('{plain_api}/joined')",
            listen=f"127.0.0.1:{proxy.port}", confdir="mitmproxy",
        )  # fmt: skip
    finally:
        assert proxy.stop() == 0
    assert done.returncode == 0, done.stderr
    assert f"using the capture already listening on 127.0.0.1:{proxy.port}" in done.stderr
    assert [e.path for e in exchanges_under(tmp_path / "run.db", "/joined")] == ["/joined"]


def _node_reads_proxy_variables() -> str:
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    major = int(subprocess.run([node, "--version"], capture_output=True, text=True,
                               check=True).stdout.strip().lstrip("v").split(".")[0])  # fmt: skip
    return "" if major >= 24 else f"node {major} ignores HTTP(S)_PROXY (NODE_USE_ENV_PROXY: 24+)"


@pytest.mark.skipif(bool(_node_reads_proxy_variables()), reason=_node_reads_proxy_variables())
def test_node_fetch_is_captured_over_https(tmp_path: Path, tls_api: str) -> None:
    script = f"fetch('{tls_api}/node').then(r => process.exit(r.status === 200 ? 0 : 1))"
    done = _inspector_run(tmp_path, "node", "-e", script)
    assert done.returncode == 0, done.stderr
    assert [e.path for e in exchanges_under(tmp_path / "run.db", "/node")] == ["/node"]
