"""The Connect-a-client snippets: each client's setup for the real address and CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspector.gui.connect_snippets import sections

pytestmark = pytest.mark.gui


def test_every_snippet_uses_the_real_address_and_ca(tmp_path: Path) -> None:
    found = sections("127.0.0.1:9191", tmp_path / "conf")
    names = [section.name for section in found]
    assert names == ["One step", "Shell", "curl", "Python", "Node", "CA certificate",
                     "Reverse proxy"]  # fmt: skip
    code = "\n".join(s.code for section in found for s in section.snippets)
    assert "8080" not in code.replace("localhost:8000", "")
    assert "http://127.0.0.1:9191" in code
    assert str(tmp_path / "conf" / "mitmproxy-ca-cert.pem") in code
    for needle in (
        "HTTPS_PROXY=",
        "requests.get",
        "httpx.Client",
        "ProxyAgent",
        "axios",
        "global-agent",
        "update-ca-certificates",
        "--mode reverse:",
    ):
        assert needle in code  # fmt: skip


def test_shell_snippets_set_both_spellings_of_the_proxy_variables() -> None:

    shell = next(s for s in sections("127.0.0.1:8080", Path("/ca")) if s.name == "Shell")
    bash = shell.snippets[0].code
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        assert f"{name}=http://127.0.0.1:8080" in bash  # curl reads only http_proxy


def test_reverse_mode_shows_only_what_applies() -> None:

    shown = sections("127.0.0.1:8081", Path("/ca"), "reverse:http://localhost:8000")
    assert [s.name for s in shown] == ["Reverse proxy"]
    codes = " ".join(snippet.code for snippet in shown[0].snippets)
    assert "http://127.0.0.1:8081" in codes and "HTTP_PROXY" not in codes
    assert "localhost:8000" in shown[0].intro


def test_the_connect_panel_gives_each_client_its_one_command(tmp_path: Path) -> None:
    (default, *_) = sections("127.0.0.1:8080", tmp_path)
    assert default.name == "One step"
    codes = {snippet.title: snippet.code for snippet in default.snippets}
    assert codes["curl"] == "inspector run -- curl https://api.example.com/users"
    assert codes["a test suite"] == "inspector run -- pytest\ninspector run -- npm test"
    (other_port, *_) = sections("127.0.0.1:9191", tmp_path)
    assert all(
        snippet.code.startswith("inspector run --listen 127.0.0.1:9191 -- ")
        for snippet in other_port.snippets
    )
    # A reverse proxy is reached by its address: inspector run does not apply.
    reverse = sections("127.0.0.1:9191", tmp_path, "reverse:http://localhost:3000")
    assert "One step" not in [section.name for section in reverse]
    assert "inspector run" not in "".join(s.code for section in reverse for s in section.snippets)
