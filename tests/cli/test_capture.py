"""`inspector capture` as a user runs it: modes, stopping, errors, and the mitmdump script."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from inspector.cli import main
from inspector.store import open_db
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import (
    exchanges_under,
    start_capture,
    start_mitmdump,
    wait_for_exchanges,
)
from tests.commands import run_inspector

pytestmark = pytest.mark.capture


def test_reverse_mode_records_requests_to_the_target(tmp_path: Path, upstream: Upstream) -> None:
    proxy = start_capture(tmp_path, "--mode", f"reverse:http://127.0.0.1:{upstream.port}")
    try:
        assert "(reverse proxy to http://127.0.0.1:" in proxy.text("stdout")
        # The client just changes its base URL to the proxy.
        response = httpx.post(f"{proxy.url}/rev/json?x=1", json={"n": 1}, timeout=10)
        assert response.json()["received_bytes"] == len(b'{"n":1}')
        [exchange] = wait_for_exchanges(proxy.db_path, "/rev/")
    finally:
        assert proxy.stop() == 0
    # The app parses standard output: one line, and nothing else, ever.
    assert len(proxy.stdout) == 1 and proxy.stdout[0].startswith(f"Listening on {proxy.host}:")
    assert (exchange.host, exchange.port, exchange.path, exchange.query) == (
        "127.0.0.1",
        upstream.port,
        "/rev/json",
        "x=1",
    )
    assert exchange.status == 200


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_burst_then_a_signal_loses_nothing(
    tmp_path: Path, upstream: Upstream, signum: int
) -> None:
    total = 2000 if signum == signal.SIGTERM else 100
    proxy = start_capture(tmp_path)
    failures: list[BaseException] = []

    def send(worker: int, count: int) -> None:
        try:
            with httpx.Client(proxy=proxy.url, timeout=10) as http:
                for i in range(count):
                    assert http.get(upstream.url(f"/burst/{worker}/{i}/json")).status_code == 200
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    workers = 4
    threads = [threading.Thread(target=send, args=(w, total // workers)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    # Stop at once: whatever is still queued for the writer must be committed on the way out.
    code = proxy.stop(signum)
    assert code == 0, proxy.text("stderr")
    conn = open_db(proxy.db_path, readonly=True)
    try:
        stored = conn.execute("SELECT count(*) FROM exchanges WHERE path LIKE '/burst/%'")
        assert stored.fetchone()[0] == total
    finally:
        conn.close()
    assert f"Stopped; {total} exchanges recorded" in proxy.text("stderr")


def test_proxying_continues_while_the_database_refuses_writes(
    tmp_path: Path, upstream: Upstream
) -> None:
    proxy = start_capture(tmp_path)
    blocker = sqlite3.connect(proxy.db_path, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # hold the write lock, as a stuck process would
        with httpx.Client(proxy=proxy.url, timeout=5) as http:
            for i in range(5):
                assert http.get(upstream.url(f"/locked/{i}/json")).status_code == 200
        assert exchanges_under(proxy.db_path, "/locked/") == []
    finally:
        blocker.rollback()
        blocker.close()
    # Once the lock is gone, the writer's retries land everything.
    wait_for_exchanges(proxy.db_path, "/locked/", count=5)
    assert proxy.stop() == 0, proxy.text("stderr")


def test_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_capture_process(
            tmp_path, "--listen", f"127.0.0.1:{port}", "--set", f"confdir={tmp_path}/conf"
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: 127.0.0.1:{port} is already in use; stop the program listening there "
        "or choose another port with --listen.\n"
    )


def _run_capture_process(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_inspector("capture", "--db", tmp_path / "c.db", *args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "sideways:x"], "Invalid proxy mode specification: sideways:x"),
        (["--set", "no_such_option=1"], "no_such_option"),
        (["--set", "ssl_insecure"], "is not KEY=VALUE"),
        (["--listen", "127.0.0.1:99999"], "outside 0-65535"),
        (["--listen", "0.0.0.0:8080"], "Refusing to listen on 0.0.0.0"),
        (["--listen", "[::]:8080"], "Refusing to listen on ::"),
        (["--set", "listen_host=0.0.0.0"], "Refusing to listen on 0.0.0.0"),
    ],
)
def test_bad_usage_exits_2_without_listening(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["capture", "--db", str(tmp_path / "c.db"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = CliRunner().invoke(main, ["capture", "--db", str(notes), "--listen", "127.0.0.1:0"])
    assert result.exit_code == 2
    assert f"{notes} is not an SQLite database" in result.output
    assert notes.read_text() == "my notes\n"


def test_a_bad_config_file_is_refused_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("schema_version = 1\n[capture]\nmax_body_bytes = 'lots'\n")
    result = CliRunner().invoke(
        main,
        ["capture", "--db", str(tmp_path / "c.db"), "--listen", "127.0.0.1:0",
         "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert str(config) in result.output and "line 3" in result.output


def test_the_addon_script_works_in_mitmdump(tmp_path: Path, upstream: Upstream) -> None:
    db_path = tmp_path / "own.db"
    proxy = start_mitmdump(tmp_path, db_path)
    try:
        with httpx.Client(proxy=proxy.url, timeout=10) as http:
            assert http.get(upstream.url("/script/json")).status_code == 200
        [exchange] = wait_for_exchanges(db_path, "/script/")
    finally:
        assert proxy.stop() == 0, proxy.text("stderr")
    assert (exchange.status, exchange.port) == (200, upstream.port)
    assert len(exchanges_under(db_path, "/script/")) == 1


def test_capture_with_db_never_opens_the_default_database(tmp_path: Path) -> None:
    # mitmproxy reports every option as changed when the addon loads, before --db's value
    # arrives: the addon used to open (and create) the default database at that moment.
    data_home = tmp_path / "data"
    default = data_home / "api-inspector" / "capture.db"
    default.parent.mkdir(parents=True)
    default.write_bytes(b"somebody else's file")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = CliRunner(env={"XDG_DATA_HOME": str(data_home), "INSPECTOR_DB": None}).invoke(
        main, ["capture", "--db", str(notes), "--listen", "127.0.0.1:0"]
    )
    assert result.exit_code == 2
    assert f"{notes} is not an SQLite database" in result.output
    assert str(default) not in result.output
    assert default.read_bytes() == b"somebody else's file"
