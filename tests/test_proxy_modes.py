"""Proxy modes that would silently mean something else are refused with the fix; the listening
line capture prints is read back by the same module; the settings a proxy is started with make
a command line that reads back into the same settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.cli.capture import capture_command
from inspector.proxy_modes import (
    DEFAULT_LISTEN,
    DEFAULT_MODE,
    ProxySettings,
    listening_line,
    mode_problem,
    parse_listen,
    parse_listening,
)
from tests.commands import run_inspector


@pytest.mark.parametrize("mode", ["regular", "reverse:http://127.0.0.1:8000",
                                  "reverse:https://api.test", "upstream:http://proxy:3128",
                                  "socks5", "transparent"])  # fmt: skip
def test_meaningful_modes_pass(mode: str) -> None:
    assert mode_problem(mode) is None


def test_a_reverse_target_without_scheme_is_refused_with_the_fix() -> None:
    problem = mode_problem("reverse:127.0.0.1:18600")
    assert problem is not None
    assert "https://127.0.0.1:18600" in problem and "reverse:http://127.0.0.1:18600" in problem
    assert mode_problem("reverse:") is not None


def test_capture_refuses_it_before_listening(tmp_path: Path) -> None:
    done = run_inspector("capture", "--db", tmp_path / "c.db", "--listen", "127.0.0.1:0",
                         "--mode", "reverse:127.0.0.1:18600")  # fmt: skip
    assert done.returncode == 2
    assert "reverse:http://127.0.0.1:18600" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:49152", "::1", 49152),
     ("localhost:0", "localhost", 0)],
)  # fmt: skip
def test_the_listening_line_reads_back_what_capture_wrote(
    address: str, host: str, port: int
) -> None:
    line = listening_line(address, "HTTP(S) proxy, reverse proxy", Path("/tmp/capture.db"))
    assert parse_listening(line) == (address, host, port)
    assert parse_listening(line + "\n") == (address, host, port)


@pytest.mark.parametrize(
    "line", ["", "Listening on", "listening on 127.0.0.1:8080 (x)", "Error: Listening on :80"]
)
def test_other_lines_are_not_taken_for_it(line: str) -> None:
    assert parse_listening(line) is None


_SETTINGS = [
    ProxySettings(Path("capture.db")),
    ProxySettings(Path("/tmp/a b/ü.db"), "[::1]:0", "reverse:http://127.0.0.1:8000",
                  Path("rules.toml"), ("confdir=/tmp/x=y", "ssl_insecure=true"),
                  ("readme", "team es"), allow_remote=True, exit_with_parent=True),
    ProxySettings(Path("c.db"), "9000", "upstream:http://proxy:3128", forward=("otlp",)),
]  # fmt: skip


@pytest.mark.parametrize("settings", _SETTINGS)
def test_the_command_line_a_proxy_is_started_with_reads_back_the_same(
    settings: ProxySettings,
) -> None:
    # The app and `inspector run` start `inspector capture` with these arguments: every field
    # must reach the child, named as the command names it.
    arguments = settings.arguments()
    assert arguments[0] == "capture"
    context = capture_command.make_context("capture", arguments[1:])
    assert ProxySettings(**context.params) == settings


def test_unset_listen_and_mode_leave_the_defaults_to_the_child(tmp_path: Path) -> None:
    settings = ProxySettings(tmp_path / "c.db")
    assert "--listen" not in settings.arguments() and "--mode" not in settings.arguments()
    assert (settings.listen_address, settings.proxy_mode) == (DEFAULT_LISTEN, DEFAULT_MODE)
    assert settings.confdir == Path("~/.mitmproxy").expanduser()
    moved = settings.with_changes(mitmproxy_options=("ssl_insecure=true", "confdir=~/ca"))
    assert moved.confdir == Path("~/ca").expanduser()


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:0", ("::1", 0)), ("9000", ("", 9000)),
    (" localhost:65535 ", ("localhost", 65535)),
])  # fmt: skip
def test_listen_addresses_are_read_as_host_and_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1", "host:port", "127.0.0.1:65536", ":", ""])
def test_a_listen_address_that_is_none_says_so(text: str) -> None:
    with pytest.raises(ValueError, match=r"HOST:PORT|outside 0-65535"):
        parse_listen(text)
