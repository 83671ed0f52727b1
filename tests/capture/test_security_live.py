"""Security through the real proxy: private files, loopback by default, and no secret in the
output, database, WAL or exports even when a grouping function raises and an export key is bad."""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream, serve_handler
from tests.capture.capture_support import REPO, ProxyProcess, start_process, wait_for_exchanges
from tests.commands import inspector_argv, run_inspector

pytestmark = pytest.mark.capture

MARK = {kind: f"SECRET{kind}{uuid.uuid4().hex}" for kind in (
    "ApiKey", "Bearer", "Cookie", "QueryKey", "Password", "ExportKey",
)}  # fmt: skip

# Raises with the credential in its message: a careless user function, as found in the wild.
GROUPING_MODULE = """
def group(request):
    raise ValueError("no consumer for key " + str(request.headers.get("x-api-key")) + " at "
                     + request.url)
"""


def _forms(marker: str) -> list[bytes]:
    """The marker as is and base64-encoded at each alignment (a Basic credential, echoed)."""
    raw = marker.encode()
    encoded = [base64.b64encode(b"\0" * k + raw)[4 if k else 0 : -4] for k in range(3)]
    return [raw, *encoded]


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


class RejectingService(BaseHTTPRequestHandler):
    """A ReadMe Metrics stand-in that refuses every key, echoing what it got (as some do)."""

    protocol_version = "HTTP/1.1"
    calls: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        RejectingService.calls.append(self.path)
        body = json.dumps({"error": f"bad key: {self.headers.get('authorization')}"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def rejecting_service() -> Iterator[str]:
    yield from serve_handler(RejectingService)


def _capture(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> ProxyProcess:
    db_path = tmp_path / "data" / "capture.db"
    confdir = tmp_path / "mitmproxy"
    argv = inspector_argv("capture", "--db", db_path, "--set", f"confdir={confdir}", *extra)
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return start_process(argv, db_path=db_path, confdir=confdir)
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_the_proxy_listens_on_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    # No --listen: only the port is chosen, so the host is the tool's default.
    proxy = _capture(tmp_path, "--set", "listen_port=0")
    try:
        assert proxy.host == "127.0.0.1"
        # The port is not reachable through any other local address.
        others = {
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            if not str(info[4][0]).startswith("127.")
        }
        for address in others:
            with socket.socket() as sock, pytest.raises(OSError):
                sock.settimeout(2)
                sock.connect((address, proxy.port))
    finally:
        assert proxy.stop() == 0


def test_no_secret_reaches_output_database_or_exports_and_files_are_private(
    tmp_path: Path, upstream: Upstream, rejecting_service: str
) -> None:
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    (config_dir / "leaky_grouping.py").write_text(GROUPING_MODULE)
    config = config_dir / "config.toml"
    config.write_text(
        "schema_version = 1\n\n"
        '[[group]]\nfunction = "leaky_grouping:group"\n\n'
        '[export.readme]\napi_key = "env:README_API_KEY"\n'
        f'base_url = "{rejecting_service}"\nfallback_group = "client-ip"\n'
    )
    env = {"README_API_KEY": MARK["ExportKey"]}
    proxy = _capture(
        tmp_path,
        "--listen",
        "127.0.0.1:0",
        "--config",
        str(config),
        "--forward",
        "readme",
        env=env,
    )
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as client:
            for i in range(3):
                response = client.post(
                    upstream.url(f"/sec/{i}/echo?api_key={MARK['QueryKey']}"),
                    headers={
                        "X-Api-Key": MARK["ApiKey"],
                        "Authorization": f"Bearer {MARK['Bearer']}",
                        "Cookie": f"session={MARK['Cookie']}",
                    },
                    json={"user": "ada", "password": MARK["Password"]},
                )
                assert response.status_code == 200
        db_path: Path = proxy.db_path
        wait_for_exchanges(db_path, "/sec/", 3)
        # The forwarder really tried the bad key (so its failure path ran).
        wait_until(lambda: RejectingService.calls, what="the forwarder to reach the service")
        # Files the capture created, checked while it runs (the WAL and shm exist now).
        created = [
            db_path,
            db_path.with_name("capture.db-wal"),
            db_path.with_name("capture.db-shm"),
        ]
        for path in created:
            assert path.exists(), path
            assert _private(path), f"{path} is readable by others: {oct(path.stat().st_mode)}"
        on_disk = b"".join(path.read_bytes() for path in created)
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    output = proxy.text("stdout") + proxy.text("stderr")
    assert "leaky_grouping" in output  # the failing function is named...
    assert "ValueError" in output

    exports = []
    for kind in ("ndjson", "har"):
        target = tmp_path / f"out.{kind}"
        result = run_inspector("export", kind, "--db", db_path, "-o", target, cwd=REPO)
        assert result.returncode == 0, result.stderr
        assert _private(target), f"{target} is readable by others"
        exports.append(target.read_bytes())
        output += result.stdout + result.stderr
    # A one-off export run with the bad key fails with a plain message, not the key.
    result = run_inspector(
        "export", "readme", "--db", db_path, "--base-url", rejecting_service,
        "--fallback-group", "client-ip", "--all", "-q", "--max-attempts", "1",
        cwd=REPO, env={**os.environ, "README_API_KEY": MARK["ExportKey"]},
    )  # fmt: skip
    assert result.returncode != 0
    output += result.stdout + result.stderr
    assert "Error" in result.stderr

    everything = [output.encode(), on_disk, db_path.read_bytes(), *exports]
    assert "ReadMe Metrics refused the credential" in output  # the bad key was reported
    for kind, marker in MARK.items():
        for form in _forms(marker):
            for blob in everything:
                assert form not in blob, f"the {kind} marker leaked: {form!r}"
