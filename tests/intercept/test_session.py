"""One interception setup: the capture's CA in private trust files, environments tagged per
program, and nothing left behind once it closes, even when it could not be set up."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from inspector.intercept.session import InterceptSession
from inspector.intercept.trust import TrustError
from inspector.testing.certificates import self_signed_ca

CA = self_signed_ca("mitmproxy")


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the session makes its directory: this test's own, to see what is left there."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def confdir(tmp_path: Path) -> Path:
    directory = tmp_path / "mitmproxy"
    directory.mkdir()
    (directory / "mitmproxy-ca-cert.pem").write_bytes(CA)
    return directory


def test_trust_files_live_in_a_private_directory_removed_on_close(
    temp: Path, confdir: Path
) -> None:
    with InterceptSession("127.0.0.1", 8080, confdir, environ={}) as session:
        directory = session.directory
        assert directory.parent == temp and directory.name.startswith("inspector-intercept-")
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert session.trust.ca.read_bytes().strip() == CA.strip()
        assert CA.strip() in session.trust.bundle.read_bytes()
        assert all(path.parent == directory for path in (
            session.trust.bundle, session.trust.java_store, session.trust.wgetrc))  # fmt: skip
    assert not directory.exists() and list(temp.iterdir()) == []


def test_the_directory_goes_when_the_program_fails_too(temp: Path, confdir: Path) -> None:
    with pytest.raises(RuntimeError), InterceptSession("127.0.0.1", 8080, confdir, environ={}):
        raise RuntimeError("the launched program crashed")
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize(
    ("ca_text", "message"),
    [(None, r"mitmproxy-ca-cert\.pem cannot be read"), ("", "holds no PEM certificate"),
     ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "damaged certificate")],
    ids=["missing", "empty", "damaged"],
)  # fmt: skip
def test_an_unusable_ca_is_a_trust_error_and_leaves_nothing(
    temp: Path, tmp_path: Path, ca_text: str | None, message: str
) -> None:
    confdir = tmp_path / "conf"
    confdir.mkdir()
    if ca_text is not None:
        (confdir / "mitmproxy-ca-cert.pem").write_text(ca_text)
    with pytest.raises(TrustError, match=message):
        InterceptSession("127.0.0.1", 8080, confdir, environ={})
    assert list(temp.iterdir()) == []


def test_each_program_s_environment_carries_its_own_tag(temp: Path, confdir: Path) -> None:
    base = {"PATH": "/usr/bin", "HOME": str(temp), "NO_PROXY": "example.com"}
    with InterceptSession("127.0.0.1", 8080, confdir, environ=base) as session:
        curl = session.environment("curl-1")
        node = session.environment("node-2", base={"NODE_OPTIONS": "--max-old-space-size=64"})
    assert curl["HTTPS_PROXY"] == curl["http_proxy"] == "http://src-curl-1:x@127.0.0.1:8080"
    assert curl["INSPECTOR_SOURCE"] == "curl-1" and node["INSPECTOR_SOURCE"] == "node-2"
    assert curl["PATH"] == "/usr/bin" and curl["NO_PROXY"] == ""  # localhost is not bypassed
    assert curl["SSL_CERT_FILE"] == str(session.trust.bundle)
    # A `base` replaces the session's environment for that program.
    assert "PATH" not in node and node["NODE_OPTIONS"].startswith("--max-old-space-size=64 ")


def test_the_proxy_url_with_and_without_a_tag_and_for_ipv6(temp: Path, confdir: Path) -> None:
    with InterceptSession("::1", 9090, confdir, environ={}) as session:
        assert session.proxy_url() == "http://[::1]:9090"
        assert session.proxy_url("app-7") == "http://src-app-7:x@[::1]:9090"
        with pytest.raises(ValueError, match="not a valid source label"):
            session.proxy_url("no spaces allowed")
