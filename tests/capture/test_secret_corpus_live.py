"""The whole secret corpus through the real proxy, over HTTP/1.1 and HTTP/2 (TLS): no planted
secret, in any spelling, is in the database, its WAL, the HAR and NDJSON exports or the proxy's
output, and every exchange is stored, readable where nothing was secret."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inspector.testing.certificates import write_localhost_certificate
from inspector.testing.secret_corpus import Placement, forms_of, placements
from tests.capture.capture_servers import QuietHandler, serve_h2, serve_handler
from tests.capture.capture_support import exchanges_under, start_capture
from tests.commands import run_inspector

pytestmark = pytest.mark.capture

CORPUS = placements()


class CorpusUpstream(QuietHandler):
    """Answers `/c<index>/...` with that placement's response: status, headers and body."""

    def answer_h2(self, connection: ssl.SSLSocket) -> None:
        serve_h2(connection, lambda headers, _: _response(headers[":path"]))

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = _response(self.path)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer


def _response(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """`/c<index>/...` is answered with that placement's status, headers and body."""
    placement = CORPUS[int(path.split("/", 2)[1].removeprefix("c"))]
    headers = [*placement.response_headers, ("Content-Type", placement.response_type)]
    return placement.status, headers, placement.response_body


@pytest.fixture(params=["http1", "http2"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def upstream(protocol: str, tmp_path: Path) -> Iterator[str]:
    if protocol == "http1":
        yield from serve_handler(CorpusUpstream)
        return
    # mitmproxy offers the client HTTP/2 only when the server speaks it too.
    cert, key = write_localhost_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["h2"])
    yield from serve_handler(CorpusUpstream, context)


def _send(http: httpx.Client, base: str, index: int, placement: Placement) -> None:
    headers = list(placement.request_headers)
    if placement.request_type:
        headers.append(("Content-Type", placement.request_type))
    target = f"/c{index}{placement.target}"
    # The path and query go out exactly as written (httpx would re-encode `[` and `;`).
    request = http.build_request(placement.method, base + "/", headers=headers,
                                 content=placement.request_body or None)  # fmt: skip
    request.url = request.url.copy_with(raw_path=target.encode())
    response = http.send(request)
    assert response.status_code == placement.status, placement.name


def _disk(db_path: Path) -> dict[str, bytes]:
    names = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal"))]
    return {path.name: path.read_bytes() for path in names if path.exists()}


def _export(kind: str, db_path: Path, out: Path) -> bytes:
    done = run_inspector("export", kind, "--db", db_path, "-o", out, timeout=120)
    assert done.returncode == 0, done.stderr
    return out.read_bytes() + done.stdout.encode() + done.stderr.encode()


def test_no_corpus_secret_reaches_disk_exports_or_logs(
    tmp_path: Path, upstream: str, protocol: str
) -> None:
    proxy = start_capture(tmp_path)
    try:
        with httpx.Client(proxy=proxy.url, verify=proxy.tls_context(), timeout=20,
                          http2=protocol == "http2") as http:  # fmt: skip
            for index, placement in enumerate(CORPUS):
                _send(http, upstream, index, placement)
        while_running = _disk(proxy.db_path)
        stored = exchanges_under(proxy.db_path, "/c")
        if protocol == "http2":
            assert {e.http_version for e in stored} == {"HTTP/2.0"}
    finally:
        code = proxy.stop()
    assert code == 0, proxy.text("stderr")
    everywhere = {
        **{f"running {k}": v for k, v in while_running.items()},
        **{f"stopped {k}": v for k, v in _disk(proxy.db_path).items()},
        "har": _export("har", proxy.db_path, tmp_path / "all.har"),
        "ndjson": _export("ndjson", proxy.db_path, tmp_path / "all.ndjson"),
        "proxy output": (proxy.text("stdout") + proxy.text("stderr")).encode(),
    }
    leaks = [
        f"{placement.name} in {where}"
        for placement in CORPUS
        for where, content in everywhere.items()
        if any(form in content for form in forms_of(placement.secret))
    ]
    assert not leaks, f"{len(leaks)} leaks, e.g. {leaks[:5]}"

    # Not vacuous: every placement was stored, and what was not secret is still there.
    by_index = {int(e.path.split("/", 2)[1].removeprefix("c")): e for e in exchanges_under(
        proxy.db_path, "/c")}  # fmt: skip
    assert sorted(by_index) == list(range(len(CORPUS)))
    for index, placement in enumerate(CORPUS):
        exchange = by_index[index]
        record = repr(exchange).encode() + exchange.request_body.content
        record += exchange.response_body.content
        for text in placement.kept:
            assert text.encode() in record, f"{placement.name}: {text!r} lost"
        assert exchange.method == placement.method
