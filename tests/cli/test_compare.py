"""`inspector compare` on real captures of a sample API, before and after a deliberate change
(a slower endpoint, a new 500, a removed field, a new endpoint), and on two identical runs."""

from __future__ import annotations

import json
import math
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from tests.capture.capture_servers import serve_handler
from tests.capture.capture_support import start_capture
from tests.commands import run_inspector

pytestmark = pytest.mark.capture


class SampleApi(BaseHTTPRequestHandler):
    """`version` 1 is the baseline; version 2 is the change under review."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    version = 1
    calls = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cls = type(self)
        cls.calls += 1
        status, body = 200, {}
        if self.path.startswith("/users/"):
            body = {"id": int(self.path.rsplit("/", 1)[1]), "name": "Ada", "plan": "pro"}
            if cls.version == 1:
                body["email"] = "ada@example.test"
            else:
                time.sleep(0.06)  # the slower query of the change
        elif self.path.startswith("/orders"):
            body = {"orders": [{"id": 1, "total": 9.5}]}
            if cls.version == 2 and cls.calls % 4 == 0:
                status, body = 500, {"error": "boom"}
        elif self.path.startswith("/v2/items"):
            body = {"items": []}
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


@pytest.fixture
def api() -> Iterator[str]:
    yield from serve_handler(SampleApi)


def _capture_run(tmp_path: Path, api: str, name: str, version: int) -> Path:
    SampleApi.version, SampleApi.calls = version, 0
    proxy = start_capture(tmp_path / name, db_path=tmp_path / f"{name}.db")
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as http:
            # A fresh proxy's first requests run cold code paths: a few ms each, enough to move
            # a p95 of 40 and fail the identical-runs check on a busy CI machine. Warm it first.
            for _ in range(10):
                http.get(f"{api}/warmup")
            for i in range(40):
                key = "key-acme-0001" if i % 2 else "key-globex-0002"
                http.get(f"{api}/users/{i}", headers={"X-Api-Key": key})
                http.get(f"{api}/orders?page={i}", headers={"X-Api-Key": key})
            if version == 2:
                for _ in range(3):
                    http.get(f"{api}/v2/items")
    finally:
        assert proxy.stop() == 0
    return tmp_path / f"{name}.db"


def _compare(*args: str) -> subprocess.CompletedProcess[str]:
    return run_inspector("compare", *args, timeout=120)


def test_a_deliberate_change_is_found_and_identical_runs_raise_no_alarm(
    tmp_path: Path, api: str
) -> None:
    base = _capture_run(tmp_path, api, "base", 1)
    again = _capture_run(tmp_path, api, "again", 1)
    head = _capture_run(tmp_path, api, "head", 2)
    gate = "p95:+20% errors:+1pp new-5xx removed-field"

    done = _compare(str(base), str(head), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    endpoints = {e["name"]: e for e in report["endpoints"]}
    users = endpoints["GET /users/{id}"]
    assert users["latency_significant"] and users["p95_change_ms"] > 40
    orders = endpoints["GET /orders"]
    assert orders["errors_significant"] and orders["error_rate_change_pp"] > 15
    assert report["new_endpoints"] == ["GET /v2/items"]
    assert {"endpoint": "GET /orders", "status": "500", "base": 0, "head": 20,
            "kind": "new"} in report["status_changes"]  # fmt: skip
    removed = [(f["endpoint"], f["path"], f["kind"]) for f in report["field_changes"]]
    assert removed == [("GET /users/{id}", "email", "removed")]
    assert {c["name"] for c in report["consumers"]} >= {"(no consumer)"}

    gated = _compare(str(base), str(head), "--fail-on", gate)
    assert gated.returncode == 1
    for rule in (
        "p95:+20%: GET /users/{id}",
        "errors:+1pp: GET /orders",
        "new-5xx: GET /orders now answers 500",
        "removed-field: GET /users/{id} email",
    ):
        assert rule in gated.stderr

    same = _compare(str(base), str(again), "--fail-on", gate)
    assert same.returncode == 0, same.stderr
    assert "No endpoint, status code or response field appeared or vanished." in same.stdout

    markdown = _compare(str(base), str(head), "--markdown")
    assert markdown.stdout.startswith("## API changes")
    assert "| GET /users/{id} |" in markdown.stdout and "- Field removed:" in markdown.stdout

    # The contract: a spec inferred from the baseline passes the identical run and catches the
    # change, with the consumers it touches.
    spec = tmp_path / "spec.yaml"
    made = run_inspector("openapi", "--db", base, "-o", spec, timeout=120)
    assert made.returncode == 0, made.stderr
    document = yaml.safe_load(spec.read_text())
    validate(document)
    assert set(document["paths"]) == {"/users/{userId}", "/orders", "/warmup"}
    # The two X-Api-Key consumers, named by their fingerprints, never by the key.
    consumers = document["paths"]["/users/{userId}"]["get"]["x-consumers"]
    assert len(consumers) == 2 and all(name.startswith("key ") for name in consumers)
    assert "key-acme-0001" not in spec.read_text()
    # The key travelled redacted: it is described as the scheme the API uses, never its value.
    assert document["components"]["securitySchemes"] == {
        "header.X-Api-Key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}  # fmt: skip
    assert document["paths"]["/users/{userId}"]["get"]["security"] == [{"header.X-Api-Key": []}]
    same = run_inspector("drift", "--db", again, "--spec", spec, "--fail-on", "drift",
                         timeout=120)  # fmt: skip
    assert same.returncode == 0, same.stdout + same.stderr
    changed = run_inspector("drift", "--db", head, "--spec", spec, "--json", timeout=120)
    assert changed.returncode == 0, changed.stderr
    findings = {(f["kind"], f["endpoint"], f["detail"]): f
                for f in json.loads(changed.stdout)["findings"]}  # fmt: skip
    assert set(findings) == {
        ("undocumented-operation", "/v2/items", "path not in the spec"),
        ("undocumented-status", "/orders", "500"),
        ("invalid-response", "/users/{id}", "200: (body): 'email' is a required property"),
    }
    assert findings[("undocumented-status", "/orders", "500")]["count"] == 20


def test_two_windows_of_one_capture_and_bad_input(tmp_path: Path, api: str) -> None:
    base = _capture_run(tmp_path, api, "base", 1)
    cut = math.ceil(time.time())  # windows are written to the second
    time.sleep(cut - time.time() + 0.05)
    head = _capture_run(tmp_path, api, "head", 2)
    merged = tmp_path / "both.db"
    # One file holding both runs, as a long capture would.
    run_inspector("export", "har", "--db", head, "-o", tmp_path / "head.har", check=True)
    merged.write_bytes(base.read_bytes())
    run_inspector("import", tmp_path / "head.har", "--db", merged, check=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(cut))
    windows = _compare(str(merged), "--base-filter", f"until:{stamp}Z",
                       "--head-filter", f"since:{stamp}Z", "--json")  # fmt: skip
    assert windows.returncode == 0, windows.stderr
    report = json.loads(windows.stdout)
    # 80 (and 3 new) a side, plus the 10 warm-up requests of each run.
    assert report["base"]["requests"] == 90 and report["head"]["requests"] == 93
    assert report["new_endpoints"] == ["GET /v2/items"]

    bad = _compare(str(base), str(head), "--fail-on", "p95:+20% p96:+1%")
    assert bad.returncode == 2 and "'p96:+1%' at position 10" in bad.stderr
    lonely = _compare(str(base))
    assert lonely.returncode == 2 and "--base-filter" in lonely.stderr
    empty = _compare(str(base), str(head), "--filter", "method:DELETE")
    assert empty.returncode == 2 and "holds no exchanges" in empty.stderr
    missing = _compare(str(tmp_path / "nope.db"), str(head))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in bad.stderr + lonely.stderr + empty.stderr + missing.stderr
