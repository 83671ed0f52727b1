"""The capture verifies an API's certificate against the machine's trust store: an API issued
by a company CA (or reached through TLS inspection) works, and an unknown issuer still fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from inspector.testing.certificates import ca_signed_localhost_certificate
from tests.capture.capture_servers import Upstream, tls_upstream
from tests.capture.capture_support import ProxyProcess, start_process, wait_for_exchanges
from tests.commands import inspector_argv

pytestmark = pytest.mark.capture


@pytest.fixture
def company(tmp_path: Path) -> Iterator[tuple[Path, Upstream]]:
    """(the company CA's PEM file, an HTTPS API whose certificate it issued)."""
    ca, cert, key = ca_signed_localhost_certificate()
    (tmp_path / "ca.pem").write_bytes(ca)
    (tmp_path / "api-cert.pem").write_bytes(cert)
    (tmp_path / "api-key.pem").write_bytes(key)
    certificate = (tmp_path / "api-cert.pem", tmp_path / "api-key.pem")
    for api in tls_upstream(tmp_path, certificate):
        yield tmp_path / "ca.pem", api


def _verifying_capture(tmp_path: Path) -> ProxyProcess:
    """A capture that verifies upstream certificates (no ssl_insecure, unlike the shared one)."""
    db_path, confdir = tmp_path / "capture.db", tmp_path / "mitmproxy"
    argv = inspector_argv("capture", "--db", db_path, "--listen", "127.0.0.1:0",
                          "--set", f"confdir={confdir}")  # fmt: skip
    return start_process(argv, db_path=db_path, confdir=confdir)


@pytest.mark.parametrize("trusted", [True, False], ids=["company-ca-trusted", "unknown-issuer"])
def test_an_api_issued_by_a_ca_the_machine_trusts_goes_through(
    tmp_path: Path, company: tuple[Path, Upstream], monkeypatch: pytest.MonkeyPatch, trusted: bool
) -> None:
    ca_file, api = company
    if trusted:
        # How a company CA reaches OpenSSL's trust store; the capture inherits it.
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    else:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    proxy = _verifying_capture(tmp_path)
    try:
        with httpx.Client(proxy=proxy.url, verify=proxy.tls_context(), timeout=10) as http:
            response = http.get(api.url("/orders/json", host="localhost"))
        (exchange,) = wait_for_exchanges(proxy.db_path, "/orders")
    finally:
        assert proxy.stop() == 0, proxy.text("stderr")
    if trusted:
        # It used to be 502: mitmproxy trusted certifi's CAs only.
        assert response.status_code == 200 and response.json()["ok"] is True
        assert exchange.status == 200
    else:  # verification is still on
        assert response.status_code == 502
        assert exchange.failed and "certificate verify failed" in (exchange.error or "").lower()
