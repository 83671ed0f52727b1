"""Certificates for tests: a CA like mitmproxy's, or a localhost server's, made on the spot."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_LOCALHOST = x509.SubjectAlternativeName(
    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
)


# What a CA certificate may do: sign certificates and revocation lists (OpenSSL 3 checks).
_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


_Key = ec.EllipticCurvePrivateKey
_Extension = tuple[x509.ExtensionType, bool]  # an extension and whether it is critical


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: _Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _certificate(
    subject: str, key: _Key, issuer: str, signer: _Key, extensions: list[_Extension]
) -> bytes:
    """A PEM certificate for `key`, signed by `signer`, valid from yesterday for a week."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _new_key() -> _Key:
    return ec.generate_private_key(ec.SECP256R1())


def self_signed_ca(common_name: str) -> bytes:
    """A self-signed CA certificate (PEM)."""
    key = _new_key()
    ca = x509.BasicConstraints(ca=True, path_length=None)
    return _certificate(common_name, key, common_name, key, [(ca, True)])


def localhost_server_certificate() -> tuple[bytes, bytes]:
    """(certificate, private key) PEM for a test HTTPS server on localhost and 127.0.0.1,
    self-signed: no client trusts it, so a proxy in between must be told (ssl_insecure)."""
    key = _new_key()
    return _certificate("localhost", key, "localhost", key, [(_LOCALHOST, False)]), _key_pem(key)


def write_localhost_certificate(directory: Path) -> tuple[Path, Path]:
    """`localhost_server_certificate` written into `directory`; returns (cert, key) paths."""
    cert, key = localhost_server_certificate()
    cert_path, key_path = directory / "upstream-cert.pem", directory / "upstream-key.pem"
    cert_path.write_bytes(cert)
    key_path.write_bytes(key)
    return cert_path, key_path


def ca_signed_localhost_certificate() -> tuple[bytes, bytes, bytes]:
    """(CA certificate, server certificate, server key) PEM: a private CA, as a company's, and
    a localhost server certificate it issued. Clients trust the server only through the CA."""
    ca_key, key = _new_key(), _new_key()
    issuer = "Test Company Root CA"
    ca = _certificate(issuer, ca_key, issuer, ca_key, [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (_CA_KEY_USAGE, True),
        (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
    ])  # fmt: skip
    server = _certificate("localhost", key, issuer, ca_key, [
        (_LOCALHOST, False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    ])  # fmt: skip
    return ca, server, _key_pem(key)
