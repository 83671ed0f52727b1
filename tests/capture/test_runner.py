"""run_capture(): mitmproxy headless with the recorder. Bad settings are refused before anything
listens or any file is made; a running proxy says once where it listens and in which modes,
stops on SIGTERM (or when its parent dies) with everything committed, and reports what it wrote."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inspector.capture.runner import CaptureUsageError, is_loopback, run_capture
from inspector.proxy_modes import ProxySettings
from inspector.testing import wait_until
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import exchanges_under


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("LocalHost", True), ("127.0.0.1", True), ("127.8.9.10", True),
     ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
     ("example.com", False), ("localhost.example.com", False), ("", False)],
)  # fmt: skip
def test_only_loopback_addresses_count_as_private(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"mode": "sideways:x"}, "Invalid proxy mode specification: sideways:x"),
     ({"mitmproxy_options": ("no_such_option=1",)}, "no_such_option"),
     ({"listen": "0.0.0.0:0"}, "Refusing to listen on 0.0.0.0"),
     ({"mitmproxy_options": ("mode=reverse:http://127.0.0.1:1@0.0.0.0:0",)},
      "Refusing to listen on 0.0.0.0")],
    ids=["mode", "option", "all-interfaces", "reverse-on-all-interfaces"],
)  # fmt: skip
def test_bad_settings_are_refused_before_any_file_is_made(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    settings = ProxySettings(tmp_path / "capture.db", listen="127.0.0.1:0",
                             mitmproxy_options=(f"confdir={tmp_path / 'mitmproxy'}",))  # fmt: skip
    with pytest.raises(CaptureUsageError, match=message) as caught:
        run_capture(settings.with_changes(**changes))
    assert caught.value.exit_code == 2
    assert not (tmp_path / "capture.db").exists()
    assert "Traceback" not in str(caught.value)


_RUN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from inspector.capture.runner import run_capture
    from inspector.proxy_modes import ProxySettings
    db, confdir, upstream = sys.argv[1:4]
    settings = ProxySettings(Path(db), mode=f"reverse:{upstream}@127.0.0.1:0",
                             mitmproxy_options=(f"confdir={confdir}",))
    outcome = run_capture(settings)
    print(json.dumps({"address": outcome.listen_address, "written": outcome.stats.written}))
    """
)


@pytest.fixture
def reverse_capture(tmp_path: Path, upstream: Upstream) -> Iterator[subprocess.Popen[str]]:
    """run_capture with a reverse proxy to `upstream`, in its own process to signal it."""
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(tmp_path / "capture.db"), str(tmp_path / "mitmproxy"),
         upstream.url("")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.capture
def test_it_says_once_where_it_listens_and_reports_what_it_wrote_on_sigterm(
    tmp_path: Path, reverse_capture: subprocess.Popen[str]
) -> None:
    assert reverse_capture.stdout is not None
    line = reverse_capture.stdout.readline()
    assert line.startswith("Listening on 127.0.0.1:"), reverse_capture.stderr
    assert "(reverse proxy to " in line and line.rstrip().endswith(f"-> {tmp_path / 'capture.db'}")
    address = line.split()[2]
    for n in range(3):
        assert httpx.get(f"http://{address}/runner/{n}/json", timeout=10).status_code == 200
    reverse_capture.send_signal(signal.SIGTERM)
    out, err = reverse_capture.communicate(timeout=30)
    assert reverse_capture.returncode == 0, err
    # One line on stdout while running, then the outcome this script printed after the return.
    assert json.loads(out) == {"address": address, "written": 3}
    assert [e.path for e in exchanges_under(tmp_path / "capture.db", "/runner/")] == [
        f"/runner/{n}/json" for n in range(3)
    ]


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


@pytest.mark.capture
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
