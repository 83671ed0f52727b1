"""Test certificates: each does what its tests rely on in a real TLS handshake (OpenSSL through
`ssl`): trusted only through its CA, valid for localhost and 127.0.0.1, valid now."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from inspector.testing.certificates import (
    ca_signed_localhost_certificate,
    localhost_server_certificate,
    self_signed_ca,
    write_localhost_certificate,
)


def _server(tmp_path: Path, cert: bytes, key: bytes) -> ssl.SSLContext:
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def _client(trusted: bytes | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=trusted.decode() if trusted else None)
    if trusted is None:
        context.load_verify_locations(cadata=self_signed_ca("Someone Else").decode())
    return context


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """A full handshake in memory; raises ssl.SSLCertVerificationError when the client refuses."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_end = server.wrap_bio(to_server, to_client, server_side=True)
    client_to_server, server_to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_end = client.wrap_bio(server_to_client, client_to_server, server_hostname=hostname)
    for _ in range(20):
        done = 0
        for end in (client_end, server_end):
            try:
                end.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        to_server.write(client_to_server.read())
        server_to_client.write(to_client.read())
        if done == 2:
            return
    raise AssertionError("the handshake did not finish")


def test_a_ca_signed_server_is_trusted_through_its_ca_only(tmp_path: Path) -> None:
    ca, cert, key = ca_signed_localhost_certificate()
    server = _server(tmp_path, cert, key)
    for hostname in ("localhost", "127.0.0.1"):
        _handshake(server, _client(ca), hostname)
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        _handshake(server, _client(None), "localhost")
    with pytest.raises(ssl.SSLCertVerificationError, match=r"Hostname mismatch"):
        _handshake(server, _client(ca), "example.test")


def test_a_self_signed_localhost_server_is_trusted_by_no_one_else(tmp_path: Path) -> None:
    cert, key = localhost_server_certificate()
    server = _server(tmp_path, cert, key)
    _handshake(server, _client(cert), "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(server, _client(None), "localhost")


def test_written_files_load_as_a_server_chain(tmp_path: Path) -> None:
    cert_path, key_path = write_localhost_certificate(tmp_path)
    assert (cert_path.name, key_path.name) == ("upstream-cert.pem", "upstream-key.pem")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    _handshake(server, _client(cert_path.read_bytes()), "localhost")


def test_a_self_signed_ca_is_a_ca_named_as_asked_and_valid_now() -> None:
    ca = x509.load_pem_x509_certificate(self_signed_ca("mitmproxy Ünïcode CA"))
    name = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert name == "mitmproxy Ünïcode CA" and ca.issuer == ca.subject
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    now = datetime.datetime.now(datetime.UTC)
    assert ca.not_valid_before_utc < now < ca.not_valid_after_utc


def test_each_call_makes_new_keys() -> None:
    assert localhost_server_certificate()[1] != localhost_server_certificate()[1]
    assert self_signed_ca("CA") != self_signed_ca("CA")
