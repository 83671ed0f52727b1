"""`inspector capture` as a child of a launcher: it says where it listens, labels what it captures
with the launcher's source, has it all committed when stop() returns, and explains a failed start
in the capture's own words and exit code."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from inspector.intercept.capture_child import CaptureChild, CaptureChildFailed
from inspector.proxy_modes import ProxySettings
from tests.capture.capture_servers import Upstream
from tests.capture.capture_support import exchanges_under

pytestmark = pytest.mark.capture


def _settings(tmp_path: Path, listen: str = "127.0.0.1:0", **changes: object) -> ProxySettings:
    settings = ProxySettings(tmp_path / "capture.db", listen=listen,
                             mitmproxy_options=(f"confdir={tmp_path / 'mitmproxy'}",))  # fmt: skip
    return settings.with_changes(**changes)


def test_it_labels_what_it_captures_and_commits_it_all_before_stop_returns(
    tmp_path: Path, upstream: Upstream, prefix: str
) -> None:
    child = CaptureChild(_settings(tmp_path), source="curl-1234")
    try:
        child.wait_listening()
        running_while_listening = child.running
        assert child.started is True and running_while_listening
        assert child.host == "127.0.0.1" and child.port > 0
        with httpx.Client(proxy=f"http://{child.host}:{child.port}", timeout=10) as http:
            for n in range(5):
                assert http.get(upstream.url(f"{prefix}/json?n={n}")).status_code == 200
    finally:
        code = child.stop()
    assert code == 0, child.stderr_lines
    assert not child.running
    # No waiting: stop() returned, so every exchange is on disk.
    stored = exchanges_under(tmp_path / "capture.db", prefix)
    assert len(stored) == 5 and {e.source for e in stored} == {"curl-1234"}


def test_a_bad_option_fails_with_the_capture_s_message_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    child = CaptureChild(_settings(tmp_path, config_path=missing))
    with pytest.raises(CaptureChildFailed) as caught:
        child.wait_listening()
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert str(missing) in message and "no such configuration file" in message
    assert not message.startswith("Error:") and "Traceback" not in message
    assert child.started is False and not child.running


def test_a_busy_port_is_a_run_time_failure_naming_the_address(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = CaptureChild(_settings(tmp_path, listen=f"127.0.0.1:{port}"))
        with pytest.raises(CaptureChildFailed) as caught:
            child.wait_listening()
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith(f"127.0.0.1:{port} is already in use")


def test_stop_after_it_has_stopped_returns_the_same_status(tmp_path: Path) -> None:
    child = CaptureChild(_settings(tmp_path))
    child.wait_listening()
    assert child.stop() == 0
    assert child.stop() == 0
