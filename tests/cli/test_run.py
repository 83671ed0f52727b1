"""`inspector run -- COMMAND` with real clients (curl, requests, httpx, urllib, git, Node, Java)
against real local APIs, plain and HTTPS with their own self-signed certificate."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from inspector.model import Exchange
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import REPO, ProxyProcess, exchanges_under, start_capture
from tests.commands import run_inspector

pytestmark = pytest.mark.capture
_SUMMARY = re.compile(
    r"^inspector run: (?P<requests>\d+) requests? captured, (?P<errors>\d+) errors?, "
    r"p95 (?P<p95>[\d.]+ m?s) \(source:(?P<source>\S+) in (?P<db>.+)\)$",
    re.MULTILINE,
)


def _run(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, **(env or {})}
    base.pop("INSPECTOR_CONFIG", None)
    return run_inspector("run", *args, cwd=REPO, env=base, timeout=timeout)


def _joining(
    capture: ProxyProcess, *command: str, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run through the shared capture (which trusts the self-signed test API)."""
    return _run(["--listen", f"{capture.host}:{capture.port}", "--", *command], **kwargs)  # type: ignore[arg-type]


def _summary(result: subprocess.CompletedProcess[str]) -> re.Match[str]:
    match = _SUMMARY.search(result.stderr)
    assert match, result.stderr
    return match


def _rows(capture: ProxyProcess, prefix: str) -> list[Exchange]:
    return exchanges_under(capture.db_path, prefix)


@pytest.fixture
def own_capture_args(tmp_path: Path) -> list[str]:
    """Options for a capture that `inspector run` starts itself, on a free port."""
    return [
        "--db", str(tmp_path / "run.db"), "--listen", "127.0.0.1:0",
        "--set", f"confdir={tmp_path / 'mitmproxy'}", "--set", "ssl_insecure=true",
    ]  # fmt: skip


_PYTHON_CLIENTS = {
    "requests": "import requests, sys; r = requests.get(sys.argv[1], timeout=20); "
    "print(r.status_code, r.json()['ok'])",
    "httpx": "import httpx, sys; r = httpx.get(sys.argv[1], timeout=20); "
    "print(r.status_code, r.json()['ok'])",
    "urllib": "import json, sys, urllib.request; r = urllib.request.urlopen(sys.argv[1], "
    "timeout=20); print(r.status, json.load(r)['ok'])",
}


@pytest.mark.parametrize("client", sorted(_PYTHON_CLIENTS))
@pytest.mark.parametrize("scheme", ["https", "http"])
def test_python_clients_reach_a_local_api_through_the_capture(
    capture: ProxyProcess,
    tls_server: Upstream,
    upstream: Upstream,
    prefix: str,
    client: str,
    scheme: str,
) -> None:
    api = tls_server if scheme == "https" else upstream
    # A NO_PROXY that skips localhost, as many shells and CI images set, must not matter.
    result = _joining(
        capture, sys.executable, "-c", _PYTHON_CLIENTS[client],
        api.url(f"{prefix}/json", host="localhost"),
        env={"NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 True"
    (stored,) = wait_until(lambda: _rows(capture, prefix), what="the request")
    assert (stored.scheme, stored.host, stored.status) == (scheme, "localhost", 200)
    summary = _summary(result)
    assert (summary["requests"], summary["errors"]) == ("1", "0")
    assert summary["source"] == stored.source
    assert stored.source.startswith("python-")
    assert Path(summary["db"]) == capture.db_path.resolve()


def test_curl_plain_and_https_with_one_tag(
    capture: ProxyProcess, tls_server: Upstream, upstream: Upstream, prefix: str
) -> None:
    # curl reads only the lower-case http_proxy for plain HTTP: the snippet users got wrong.
    script = (
        f"curl -sSf {upstream.url(f'{prefix}/plain/json', host='localhost')} && "
        f"curl -sSf {tls_server.url(f'{prefix}/tls/json', host='localhost')}"
    )
    result = _joining(capture, "sh", "-c", script, env={"http_proxy": "", "HTTP_PROXY": ""})

    assert result.returncode == 0, result.stderr
    stored = wait_until(
        lambda: _rows(capture, prefix) if len(_rows(capture, prefix)) == 2 else None
    )
    assert [(e.scheme, e.status) for e in stored] == [("http", 200), ("https", 200)]
    assert {e.source for e in stored} == {_summary(result)["source"]}
    assert _summary(result)["source"].startswith("sh-curl-")
    assert all(e.user_agent.startswith("curl/") for e in stored)
    assert "did not trust" not in result.stderr


def test_the_command_exit_status_and_errors_come_back(
    capture: ProxyProcess, upstream: Upstream, prefix: str
) -> None:
    script = f"curl -s -o /dev/null {upstream.url(f'{prefix}/status?code=503')}; exit 3"
    result = _joining(capture, "sh", "-c", script)

    assert result.returncode == 3
    summary = _summary(result)
    assert (summary["requests"], summary["errors"]) == ("1", "1")


def test_an_https_api_that_is_down_counts_as_a_failed_request_of_the_command(
    capture: ProxyProcess,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the socket is
    result = _joining(capture, "curl", "-sS", f"https://localhost:{port}/health")

    assert result.returncode != 0  # curl's own failure comes back
    summary = _summary(result)
    assert (summary["requests"], summary["errors"]) == ("1", "1"), result.stderr


@pytest.mark.skipif(not shutil.which("wget"), reason="wget is not installed on this machine")
def test_wget_trusts_the_capture_through_its_startup_file(
    capture: ProxyProcess, tls_server: Upstream, prefix: str
) -> None:
    # Debian's wget is built on GnuTLS and reads no CA variable: without the WGETRC written by
    # inspector run it failed with "Unable to establish SSL connection".
    url = tls_server.url(f"{prefix}/json", host="localhost")
    result = _joining(capture, "wget", "-q", "-O", "-", url, env={"HOME": "/nonexistent"})

    assert result.returncode == 0, result.stderr
    assert '"ok": true' in result.stdout
    (stored,) = wait_until(lambda: _rows(capture, prefix), what="wget's request")
    assert stored.scheme == "https" and stored.user_agent.startswith("Wget/")
    assert stored.source == _summary(result)["source"]


def test_git_trusts_the_capture(capture: ProxyProcess, tls_server: Upstream, prefix: str) -> None:
    url = tls_server.url(f"{prefix}/repo.git", host="localhost")
    result = _joining(capture, "git", "ls-remote", url, env={"GIT_TERMINAL_PROMPT": "0"})

    # Our test API is no repository (git reads its answers as an empty one), but git's
    # requests got there over TLS that git verified, and carried their tag.
    assert "SSL" not in result.stderr and "certificate" not in result.stderr, result.stderr
    stored = wait_until(lambda: _rows(capture, prefix), what="git's request")
    assert stored[0].scheme == "https" and stored[0].path.endswith("/info/refs")
    assert stored[0].user_agent.startswith("git/")
    assert {e.source for e in stored} == {_summary(result)["source"]}
    assert stored[0].source.startswith("git-")


_NODE_TUNNEL = textwrap.dedent(
    """
    // What proxy agents (global-agent, undici's ProxyAgent) do: CONNECT, then TLS inside,
    // verified against Node's CAs plus NODE_EXTRA_CA_CERTS.
    const http = require("http"), tls = require("tls");
    const proxy = new URL(process.env.https_proxy), target = new URL(process.argv[2]);
    const credentials = Buffer.from(`${proxy.username}:${proxy.password}`).toString("base64");
    const connect = http.request({
      host: proxy.hostname, port: proxy.port, method: "CONNECT",
      path: `${target.hostname}:${target.port}`,
      headers: { "Proxy-Authorization": `Basic ${credentials}` },
    });
    connect.on("connect", (response, socket) => {
      const secure = tls.connect({ socket, servername: target.hostname }, () => {
        secure.write(`GET ${target.pathname} HTTP/1.1\\r\\nHost: ${target.host}\\r\\n` +
                     "User-Agent: node-tunnel\\r\\nConnection: close\\r\\n\\r\\n");
      });
      let answer = "";
      secure.on("data", (chunk) => (answer += chunk));
      secure.on("end", () => console.log(answer.split("\\r\\n")[0]));
      secure.on("error", (error) => { console.error(error.message); process.exit(2); });
    });
    connect.on("error", (error) => { console.error(error.message); process.exit(3); });
    connect.end();
    """
)


@pytest.mark.skipif(not shutil.which("node"), reason="Node is not installed on this machine")
def test_node_trusts_the_capture_through_node_extra_ca_certs(
    capture: ProxyProcess, tls_server: Upstream, prefix: str, tmp_path: Path
) -> None:
    script = tmp_path / "tunnel.js"
    script.write_text(_NODE_TUNNEL)
    result = _joining(capture, "node", str(script), tls_server.url(f"{prefix}/json", "localhost"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "HTTP/1.1 200 OK"
    (stored,) = wait_until(lambda: _rows(capture, prefix), what="node's request")
    assert stored.scheme == "https" and stored.user_agent == "node-tunnel"
    assert stored.source == _summary(result)["source"]


_NODE_CLIENTS = textwrap.dedent(
    """
    // The ways Node programs make requests, none of which reads the proxy variables before
    // Node 24: the http and https modules' global agents (axios, node-fetch, got), an agent of
    // the program's own with keep-alive, and fetch.
    const http = require("http"), https = require("https");
    const [plain, secure] = process.argv.slice(2);
    function get(module, url, options) {
      return new Promise((resolve, reject) => {
        module.get(url, options, (response) => {
          let body = "";
          response.on("data", (chunk) => (body += chunk));
          response.on("end", () => resolve(`${response.statusCode} ${JSON.parse(body).ok}`));
        }).on("error", reject);
      });
    }
    (async () => {
      const keepAlive = new https.Agent({ keepAlive: true });
      const answers = [
        await get(http, `${plain}/http-get/json`, {}),
        await get(https, `${secure}/https-get/json`, {}),
        await get(https, `${secure}/own-agent-1/json`, { agent: keepAlive }),
        await get(https, `${secure}/own-agent-2/json`, { agent: keepAlive }),
      ];
      for (const url of [`${plain}/fetch/json`, `${secure}/fetch/json`]) {
        const response = await fetch(url);
        answers.push(`${response.status} ${(await response.json()).ok}`);
      }
      keepAlive.destroy();
      console.log(answers.join("\\n"));
    })().catch((error) => { console.error(String(error.cause || error)); process.exit(2); });
    """
)


@pytest.mark.skipif(not shutil.which("node"), reason="Node is not installed on this machine")
def test_node_http_https_own_agents_and_fetch_go_through_the_capture(
    capture: ProxyProcess, tls_server: Upstream, upstream: Upstream, prefix: str, tmp_path: Path
) -> None:
    # Node before 24 ignores the proxy variables; `inspector run` preloads a script into it
    # (NODE_OPTIONS) so that it does not matter which Node the user has.
    script = tmp_path / "clients.js"
    script.write_text(_NODE_CLIENTS)
    plain = upstream.url(prefix, host="localhost")
    secure = tls_server.url(prefix, host="localhost")
    result = _joining(capture, "node", str(script), plain, secure)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "true"] * 6, result.stdout
    stored = wait_until(
        lambda: rows if len(rows := _rows(capture, prefix)) == 6 else None,
        what="the six requests of the Node script",
    )
    seen = {(e.scheme, e.path.removeprefix(prefix)) for e in stored}
    assert seen == {
        ("http", "/http-get/json"), ("https", "/https-get/json"), ("https", "/own-agent-1/json"),
        ("https", "/own-agent-2/json"), ("http", "/fetch/json"), ("https", "/fetch/json"),
    }  # fmt: skip
    assert {e.source for e in stored} == {_summary(result)["source"]}
    assert _summary(result)["requests"] == "6"


@pytest.mark.skipif(not shutil.which("node"), reason="Node is not installed on this machine")
def test_a_node_program_that_brings_its_own_node_options_keeps_them(
    capture: ProxyProcess, tls_server: Upstream, prefix: str
) -> None:
    code = (
        "fetch(process.argv[1]).then(r => r.json())"
        ".then(b => console.log(b.ok, require('v8').getHeapStatistics().heap_size_limit))"
    )
    result = _joining(
        capture, "node", "-e", code, tls_server.url(f"{prefix}/json", "localhost"),
        env={"NODE_OPTIONS": "--max-old-space-size=1234"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ok, heap_limit = result.stdout.split()
    assert ok == "true"
    # The user's option still applies: the limit is that, plus the young generation.
    assert 1234 <= int(heap_limit) // 2**20 < 1400, heap_limit
    assert _summary(result)["requests"] == "1"


_JAVA_FETCH = textwrap.dedent(
    """
    import java.net.URI;
    import java.net.http.HttpClient;
    import java.net.http.HttpRequest;
    import java.net.http.HttpResponse;

    public class Fetch {
        public static void main(String[] args) throws Exception {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).build();
            HttpResponse<String> response =
                client.send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode());
        }
    }
    """
)


@pytest.mark.skipif(not shutil.which("java"), reason="Java is not installed on this machine")
def test_java_goes_through_a_capture_of_its_own_and_trusts_it(
    tls_server: Upstream, prefix: str, tmp_path: Path, own_capture_args: list[str]
) -> None:
    # Java takes its proxy from system properties (no credentials), so it is tagged by the
    # capture `inspector run` starts for it.
    source = tmp_path / "Fetch.java"
    source.write_text(_JAVA_FETCH)
    url = tls_server.url(f"{prefix}/json", host="localhost")
    result = _run([*own_capture_args, "--", "java", str(source), url], timeout=180)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200"
    db = tmp_path / "run.db"
    (stored,) = exchanges_under(db, prefix)
    assert stored.scheme == "https" and stored.host == "localhost"
    assert stored.source == _summary(result)["source"]
    assert stored.source.startswith("java-Fetch.java-")


def test_a_capture_is_started_for_the_command_and_stopped_after_it(
    upstream: Upstream, prefix: str, tmp_path: Path, own_capture_args: list[str]
) -> None:
    script = (
        'echo "$HTTP_PROXY"; echo "$SSL_CERT_FILE"; stat -c %a "$SSL_CERT_FILE" '
        '"$(dirname "$SSL_CERT_FILE")"; '
        f"curl -sSf -o /dev/null {upstream.url(f'{prefix}/json', host='localhost')}"
    )
    result = _run([*own_capture_args, "--", "sh", "-c", script])

    assert result.returncode == 0, result.stderr
    proxy, bundle, file_mode, dir_mode = result.stdout.split()
    assert (file_mode, dir_mode) == ("600", "700")
    assert not Path(bundle).exists()  # deleted with its directory
    match = re.fullmatch(r"http://src-(?P<label>[\w.-]+):x@127\.0\.0\.1:(?P<port>\d+)", proxy)
    assert match, proxy
    with pytest.raises(OSError):  # the capture has stopped
        socket.create_connection(("127.0.0.1", int(match["port"])), timeout=2).close()
    (stored,) = exchanges_under(tmp_path / "run.db", prefix)  # committed before it returned
    assert stored.source == match["label"] == _summary(result)["source"]
    assert "using the capture already running" not in result.stderr


def test_a_command_that_makes_no_request_says_so(own_capture_args: list[str]) -> None:
    result = _run([*own_capture_args, "--", "true"])
    assert result.returncode == 0
    assert "no requests captured" in result.stderr


def test_an_unknown_command_fails_like_a_shell_and_starts_nothing(tmp_path: Path) -> None:
    result = _run(["--db", str(tmp_path / "x.db"), "--", "no-such-command-anywhere", "-v"])
    assert result.returncode == 127
    assert result.stderr.strip() == "inspector run: no-such-command-anywhere: command not found"
    assert not (tmp_path / "x.db").exists()


def test_without_a_command_it_is_a_usage_error() -> None:
    result = _run([])
    assert result.returncode == 2
    assert "Missing argument 'COMMAND...'" in result.stderr


@pytest.fixture
def not_a_proxy() -> Iterator[int]:
    """A port held by a server that answers every request with garbage."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(4096)
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            conn.close()

    import threading

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    server.close()


def test_a_port_taken_by_something_else_is_refused(not_a_proxy: int, tmp_path: Path) -> None:
    result = _run(["--db", str(tmp_path / "x.db"), "--listen", f"127.0.0.1:{not_a_proxy}",
                   "--", "true"])  # fmt: skip
    assert result.returncode == 1
    assert f"127.0.0.1:{not_a_proxy} did not answer as a proxy" in result.stderr
    assert "--listen" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_reverse_proxy_capture_is_not_joined(tmp_path: Path, upstream: Upstream) -> None:
    reverse = start_capture(tmp_path, "--mode", f"reverse:http://127.0.0.1:{upstream.port}")
    try:
        result = _run(["--listen", f"127.0.0.1:{reverse.port}", "--", "true"])
    finally:
        reverse.stop()
    assert result.returncode == 2
    assert "is a reverse proxy" in result.stderr
    assert f"http://127.0.0.1:{reverse.port}" in result.stderr


def test_a_capture_that_cannot_start_reports_why(tmp_path: Path) -> None:
    result = _run(["--db", str(tmp_path / "x.db"), "--listen", "0.0.0.0:0", "--", "true"])
    assert result.returncode == 2
    assert "The capture could not start: Refusing to listen on 0.0.0.0" in result.stderr


def test_joining_says_which_options_do_not_apply(
    capture: ProxyProcess, upstream: Upstream, prefix: str, tmp_path: Path
) -> None:
    result = _run([
        "--db", str(tmp_path / "mine.db"), "--set", "ssl_insecure=true",
        "--listen", f"{capture.host}:{capture.port}",
        "--", "curl", "-sSf", "-o", "/dev/null", upstream.url(f"{prefix}/json"),
    ])  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"records into {capture.db_path.resolve()}, not --db" in result.stderr
    assert "--config and --set apply to a capture it starts" in result.stderr
    assert not (tmp_path / "mine.db").exists()
    assert Path(_summary(result)["db"]) == capture.db_path.resolve()


def test_an_api_certificate_the_capture_does_not_trust_gets_a_hint(
    tls_server: Upstream, prefix: str, tmp_path: Path
) -> None:
    result = _run([
        "--db", str(tmp_path / "run.db"), "--listen", "127.0.0.1:0",
        "--set", f"confdir={tmp_path / 'mitmproxy'}",  # no ssl_insecure this time
        "--", "curl", "-s", "-o", "/dev/null", tls_server.url(f"{prefix}/json", "localhost"),
    ])  # fmt: skip
    assert (_summary(result)["requests"], _summary(result)["errors"]) == ("1", "1")
    assert "did not trust the API's certificate" in result.stderr
    assert "--set ssl_insecure=true" in result.stderr
