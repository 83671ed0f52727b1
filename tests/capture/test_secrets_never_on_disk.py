"""Secrets never reach disk: markers sent in every place through the real proxy are nowhere in
the database, its WAL and journal files, nor in the proxy's output; consumers still land."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from inspector.config import fingerprint
from inspector.demo.credentials import basic_auth, make_jwt
from inspector.store import iter_exchanges, open_db
from inspector.store.filters import SqlFilter
from tests.capture.capture_servers import serve_handler
from tests.capture.capture_support import start_capture
from tests.commands import run_inspector

pytestmark = pytest.mark.capture


def _marker(kind: str) -> str:
    return f"MARK{kind}{uuid.uuid4().hex}"


# One marker per place a secret can hide; each must be absent from every byte on disk.
M = {kind: _marker(kind) for kind in (
    "ApiKey", "Cookie", "JsonPassword", "JsonToken", "QueryToken", "FormPassword",
    "FormSecret", "JwtSecretClaim", "BasicUser", "BasicPassword", "QueryKey", "MultipartPassword",
    "RespCookie", "RespHeader", "RespBodyToken", "RespBodyNested", "LocationToken",
)}  # fmt: skip
JWT = make_jwt({"sub": "user-jwt-7", "name": "Jay", "email": "jay@x.test",
                "client_secret": M["JwtSecretClaim"]})  # fmt: skip
BASIC = basic_auth(M["BasicUser"], M["BasicPassword"])


class SecretsUpstream(BaseHTTPRequestHandler):
    """Answers every request with secrets of its own: a session cookie, a token header, and a
    JSON body holding tokens (nested too); `/redirect` sends a token in its Location."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        received = self.rfile.read(length) if length else b""
        if self.path.startswith("/s/redirect"):
            self.send_response(302)
            self.send_header("Location", f"/s/landing?page=1&access_token={M['LocationToken']}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({
            "ok": True, "received_bytes": len(received), "access_token": M["RespBodyToken"],
            "user": {"profile": [{"password": M["RespBodyNested"]}]},
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", f"session={M['RespCookie']}; Path=/; HttpOnly")
        self.send_header("X-Auth-Token", M["RespHeader"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@pytest.fixture
def secrets_upstream() -> Iterator[str]:
    yield from serve_handler(SecretsUpstream)


CONFIG = f"""
schema_version = 1

[[group]]
id = "header:x-api-key"

[[group]]
id = "jwt:sub"
label = "jwt:name"
email = "jwt:email"

[[group]]
id = "basic:user"

[[group]]
id = "query:api_key"

[[consumer]]
id = "{M["ApiKey"]}"
label = "Acme Corp"
email = "ops@acme.test"
group = "Enterprise"

[[consumer]]
id = "{fingerprint(M["QueryKey"])}"
label = "Mobile app"
group = "Free"
"""


def _send_everything(http: httpx.Client, base: str) -> int:
    """Sends requests carrying every marker; returns how many were sent."""
    cookies = {"Cookie": f"sid={M['Cookie']}; theme=dark"}
    responses = [
        http.post(
            f"{base}/s/json?page=1&access_token={M['QueryToken']}",
            headers={"X-Api-Key": M["ApiKey"], **cookies},
            json={
                "user": {"name": "ada", "password": M["JsonPassword"]},
                "items": [{"sku": "x", "refresh_token": M["JsonToken"]}],
            },
        ),
        http.get(f"{base}/s/again", headers={"X-Api-Key": M["ApiKey"]}),
        http.post(
            f"{base}/s/form",
            headers={"Authorization": f"Bearer {JWT}"},
            data={
                "username": "ada",
                "password": M["FormPassword"],
                "client_secret": M["FormSecret"],
            },
        ),
        http.get(f"{base}/s/basic", headers={"Authorization": BASIC}),
        http.get(f"{base}/s/query?api_key={M['QueryKey']}&x=1"),
        http.post(
            f"{base}/s/upload",
            data={"note": "hello", "password": M["MultipartPassword"]},
            files={"file": ("a.txt", b"plain file content", "text/plain")},
        ),
        http.get(f"{base}/s/redirect"),
    ]
    assert [r.status_code for r in responses] == [200] * 6 + [302]
    return len(responses)


def _disk_bytes(db_path: Path) -> dict[str, bytes]:
    files = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal"))]
    return {path.name: path.read_bytes() for path in files if path.exists()}


def test_no_secret_reaches_the_database_files(tmp_path: Path, secrets_upstream: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    proxy = start_capture(tmp_path, config=config)
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as http:
            sent = _send_everything(http, secrets_upstream)
        # Read the WAL while capture still holds the database open, as well as after the stop.
        while_running = _disk_bytes(proxy.db_path)
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    after_stop = _disk_bytes(proxy.db_path)
    output = (proxy.text("stdout") + proxy.text("stderr")).encode()

    secrets = {**M, "Jwt": JWT, "BasicHeader": BASIC}
    for where, content in [*while_running.items(), *after_stop.items(), ("output", output)]:
        # Names only in the failure message: printing a database would bury the answer.
        found = [kind for kind, secret in secrets.items() if secret.encode() in content]
        assert not found, f"secrets {found} found in {where}"

    # Not vacuous: every exchange is there, redacted with a visible marker.
    conn = open_db(proxy.db_path, readonly=True)
    try:
        stored = [exchange for _, exchange in iter_exchanges(conn, SqlFilter("e.path LIKE '/s/%'"))]
    finally:
        conn.close()
    assert len(stored) == sent
    first = stored[0]
    assert first.query == "page=1&access_token=[REDACTED]"
    assert first.request_header("X-Api-Key") == "[REDACTED]"
    assert b'"password":"[REDACTED]"' in first.request_body.content
    assert first.response_header("Set-Cookie") == "[REDACTED]"
    assert stored[-1].response_header("Location") == "/s/landing?page=1&access_token=[REDACTED]"

    consumers = _stats_consumers(proxy.db_path)
    assert consumers[fingerprint(M["ApiKey"])][:4] == (
        "Acme Corp", "ops@acme.test", "Enterprise", 2,
    )  # fmt: skip
    assert consumers["user-jwt-7"][:4] == ("Jay", "jay@x.test", "", 1)
    assert consumers[fingerprint(M["BasicUser"])][3] == 1
    assert consumers[fingerprint(M["QueryKey"])][:4] == ("Mobile app", "", "Free", 1)


def _stats_consumers(db_path: Path) -> dict[str, tuple[str, str, str, int]]:
    result = run_inspector("stats", "--json", "--db", db_path)
    assert result.returncode == 0, result.stderr
    for marker in M.values():
        assert marker not in result.stdout
    return {
        c["id"]: (c["label"], c["email"], c["group"], c["requests"])
        for c in json.loads(result.stdout)["consumers"]
    }
