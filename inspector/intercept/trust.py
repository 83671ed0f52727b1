"""Trusting mitmproxy's CA without installing anything: private bundles, a Java store, an SPKI pin.

Several clients replace the system's trusted set with the file they are given (curl's
CURL_CA_BUNDLE, requests' REQUESTS_CA_BUNDLE, OpenSSL's SSL_CERT_FILE for Go, Ruby and httpx),
so the bundle they get holds the system CAs, any bundle the user had set, and mitmproxy's CA.
Everything is written into one private temporary directory that the caller deletes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import ssl
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from inspector.resource_files import resource

CA_FILE_NAME = "mitmproxy-ca-cert.pem"
NODE_PRELOAD = "node-proxy-preload.cjs"
JAVA_STORE_PASSWORD = "changeit"  # Java's own default; the store holds only public certificates
# Bundles a user may already rely on (a company CA): what they trust stays trusted in ours.
USER_BUNDLE_VARIABLES = (
    "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "AWS_CA_BUNDLE",
    "PIP_CERT", "NIX_SSL_CERT_FILE", "HTTPLIB2_CA_CERTS", "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
)  # fmt: skip
# Where distributions keep the system bundle, for when Python's OpenSSL names none that exists.
_SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine, BSDs
)
_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s+([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----"
)


class TrustError(Exception):
    """mitmproxy's CA cannot be read; the message names the file."""


def mitmproxy_ca(confdir: Path) -> bytes:
    """mitmproxy's CA certificate (PEM) from its confdir; created there when a capture starts."""
    path = confdir / CA_FILE_NAME
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise TrustError(
            f"mitmproxy's CA certificate {path} cannot be read ({exc.strerror or exc}); "
            "it is created when a capture first starts with that confdir."
        ) from None
    if not _PEM_BLOCK.search(pem):
        raise TrustError(f"{path} holds no PEM certificate.")
    try:
        x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise TrustError(
            f"{path} holds a damaged certificate; delete it and start a capture to make a new one."
        ) from None
    return pem


def system_ca_bundle() -> bytes:
    """The system's trusted CAs as PEM: the OpenSSL bundle file, else the platform's store."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, *_SYSTEM_BUNDLES):
        if candidate and os.path.isfile(candidate):
            try:
                return Path(candidate).read_bytes()
            except OSError:
                continue
    # Windows (and some macOS Pythons) keep CAs in a store, not a file: ask Python's ssl.
    context = ssl.create_default_context()
    context.load_default_certs()
    blocks = context.get_ca_certs(binary_form=True)
    return b"".join(ssl.DER_cert_to_PEM_cert(der).encode("ascii") for der in blocks)


def _user_bundles(environ: Mapping[str, str], names: tuple[str, ...]) -> bytes:
    seen: set[Path] = set()
    parts: list[bytes] = []
    for name in names:
        value = environ.get(name)
        if not value:
            continue
        path = Path(value).expanduser()
        try:
            resolved = path.resolve()
            if resolved in seen or not resolved.is_file():
                continue
            seen.add(resolved)
            parts.append(resolved.read_bytes())
        except OSError:
            continue
    return b"".join(part.rstrip(b"\n") + b"\n" for part in parts)


def der_certificates(pem: bytes) -> list[bytes]:
    """Every certificate of a PEM bundle, as DER, in order (duplicates dropped)."""
    found: dict[bytes, None] = {}
    for match in _PEM_BLOCK.finditer(pem):
        try:
            der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
        except ValueError:
            continue
        found.setdefault(der, None)
    return list(found)


def _pem(bundle: bytes) -> bytes:
    return "".join(ssl.DER_cert_to_PEM_cert(der) for der in der_certificates(bundle)).encode()


def _modified_utf8(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def java_key_store(certificates: list[bytes], password: str = JAVA_STORE_PASSWORD) -> bytes:
    """A JKS trust store holding `certificates` (DER) as trusted entries.

    Written directly (the format is small and fixed) rather than with keytool, which would cost a
    JVM start on every `inspector run`. Java reads JKS stores on every version still supported.
    """
    now_ms = int(time.time() * 1000)
    body = bytearray(struct.pack(">III", 0xFEEDFEED, 2, len(certificates)))
    for index, der in enumerate(certificates):
        body += struct.pack(">I", 2)  # a trusted certificate entry
        body += _modified_utf8(f"ca{index}")
        body += struct.pack(">Q", now_ms)
        body += _modified_utf8("X.509")
        body += struct.pack(">I", len(der)) + der
    # The integrity check Java verifies when a password is given.
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(password.encode("utf-16-be"))
    digest.update(b"Mighty Aphrodite")
    digest.update(bytes(body))
    return bytes(body) + digest.digest()


def spki_sha256(pem: bytes) -> str:
    """base64(sha256(SubjectPublicKeyInfo)) of the first certificate: Chromium's
    `--ignore-certificate-errors-spki-list` pin, which trusts a CA for one browser profile."""
    certificate = x509.load_pem_x509_certificate(pem)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


@dataclass(frozen=True)
class TrustFiles:
    """Files a launched program is pointed at; all inside `directory`."""

    directory: Path
    ca: Path  # mitmproxy's CA alone
    bundle: Path  # system CAs + the user's own bundles + mitmproxy's CA
    node_extra: Path  # the user's NODE_EXTRA_CA_CERTS (if any) + mitmproxy's CA
    java_store: Path  # the bundle as a JKS trust store
    node_preload: Path  # makes Node before 24 use the proxy (resources/node-proxy-preload.cjs)
    wgetrc: Path  # the user's wgetrc plus ca_certificate: GnuTLS wget reads no CA variable
    spki: str  # mitmproxy's CA pin for Chromium


def _write_private(path: Path, data: bytes) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return path


def write_trust_files(directory: Path, ca_pem: bytes, environ: Mapping[str, str]) -> TrustFiles:
    """Write the bundles for mitmproxy's CA into `directory` (private, made by the caller)."""
    ca_pem = ca_pem.rstrip(b"\n") + b"\n"
    # Certificate by certificate, each once: the user's bundle is often the system's again.
    bundle = _pem(system_ca_bundle() + _user_bundles(environ, USER_BUNDLE_VARIABLES) + ca_pem)
    node_extra = _pem(_user_bundles(environ, ("NODE_EXTRA_CA_CERTS",)) + ca_pem)
    return TrustFiles(
        directory=directory,
        ca=_write_private(directory / CA_FILE_NAME, ca_pem),
        bundle=_write_private(directory / "ca-bundle.pem", bundle),
        node_extra=_write_private(directory / "node-extra-ca.pem", node_extra),
        java_store=_write_private(
            directory / "java-truststore.jks", java_key_store(der_certificates(bundle))
        ),
        spki=spki_sha256(ca_pem),
        node_preload=_write_private(directory / NODE_PRELOAD, resource(NODE_PRELOAD).read_bytes()),
        wgetrc=_write_private(directory / "wgetrc", _wgetrc(environ, directory / "ca-bundle.pem")),
    )


def _wgetrc(environ: Mapping[str, str], bundle: Path) -> bytes:
    """The user's own wgetrc (WGETRC, else ~/.wgetrc) with the bundle as its CA file.

    Debian's wget is built on GnuTLS, which ignores SSL_CERT_FILE: the startup file is the one
    way in. WGETRC replaces only the user's file (/etc/wgetrc is still read), so theirs is
    copied first and our line, last, wins.
    """
    own = environ.get("WGETRC") or (
        str(Path(environ["HOME"]) / ".wgetrc") if environ.get("HOME") else ""
    )
    text = b""
    if own:
        try:
            text = Path(own).read_bytes().rstrip(b"\n") + b"\n"
        except OSError:
            text = b""
    return text + f"# API Inspector: trust the capture's CA\nca_certificate = {bundle}\n".encode()
