"""Private CA bundles, the Java trust store and the SPKI pin for mitmproxy's CA."""

from __future__ import annotations

import base64
import hashlib
import shutil
import ssl
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from inspector.intercept.trust import (
    TrustError,
    der_certificates,
    java_key_store,
    mitmproxy_ca,
    spki_sha256,
    system_ca_bundle,
    write_trust_files,
)
from inspector.testing.certificates import self_signed_ca


@pytest.fixture
def ca_pem() -> bytes:
    return self_signed_ca("mitmproxy")


def test_the_bundle_holds_system_user_and_mitmproxy_cas_once_each(
    tmp_path: Path, ca_pem: bytes
) -> None:
    company = self_signed_ca("Company Root CA")
    company_file = tmp_path / "company.pem"
    company_file.write_bytes(company)
    system = der_certificates(system_ca_bundle())
    environ = {
        "SSL_CERT_FILE": str(company_file),
        "REQUESTS_CA_BUNDLE": str(company_file),  # the same file twice
        "CURL_CA_BUNDLE": ssl.get_default_verify_paths().cafile or "",  # the system's again
        "GIT_SSL_CAINFO": str(tmp_path / "missing.pem"),  # gone: ignored
        "NODE_EXTRA_CA_CERTS": str(company_file),
    }
    out = tmp_path / "trust"
    out.mkdir()

    files = write_trust_files(out, ca_pem, environ)

    bundle = der_certificates(files.bundle.read_bytes())
    (mitm,) = der_certificates(ca_pem)
    (company_der,) = der_certificates(company)
    assert len(system) > 10
    assert bundle == [*system, company_der, mitm]
    assert der_certificates(files.node_extra.read_bytes()) == [company_der, mitm]
    assert files.ca.read_bytes().strip() == ca_pem.strip()
    for path in (files.bundle, files.ca, files.node_extra, files.java_store):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # OpenSSL accepts the bundle as a trust store.
    ssl.create_default_context(cafile=str(files.bundle))


def test_wget_keeps_the_users_own_settings_and_gets_the_bundle_last(
    tmp_path: Path, ca_pem: bytes
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".wgetrc").write_text("tries = 2\nca_certificate = /etc/company.pem\n")
    out = tmp_path / "trust"
    out.mkdir()
    files = write_trust_files(out, ca_pem, {"HOME": str(home)})
    lines = files.wgetrc.read_text().splitlines()
    assert lines[:2] == ["tries = 2", "ca_certificate = /etc/company.pem"]
    assert lines[-1] == f"ca_certificate = {files.bundle}"  # the last setting wins
    assert stat.S_IMODE(files.wgetrc.stat().st_mode) == 0o600
    # No wgetrc of their own, or an unreadable one: only ours.
    bare = write_trust_files(out, ca_pem, {"WGETRC": str(tmp_path / "missing")})
    assert bare.wgetrc.read_text().splitlines()[-1] == f"ca_certificate = {bare.bundle}"


def test_a_missing_or_empty_ca_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match=r"mitmproxy-ca-cert\.pem cannot be read"):
        mitmproxy_ca(tmp_path)
    (tmp_path / "mitmproxy-ca-cert.pem").write_text("not a certificate")
    with pytest.raises(TrustError, match="holds no PEM certificate"):
        mitmproxy_ca(tmp_path)
    # PEM-shaped but not a certificate: a TrustError too, not a parser's ValueError.
    (tmp_path / "mitmproxy-ca-cert.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAAnotacert\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(TrustError, match=r"mitmproxy-ca-cert\.pem holds a damaged certificate"):
        mitmproxy_ca(tmp_path)


def test_the_spki_pin_is_chromiums(ca_pem: bytes) -> None:
    # What Chromium's documentation computes with openssl x509 -pubkey | openssl pkey -pubin
    # -outform der | openssl dgst -sha256 -binary | base64.
    key = x509.load_pem_x509_certificate(ca_pem).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert spki_sha256(ca_pem) == base64.b64encode(hashlib.sha256(der).digest()).decode()
    openssl = shutil.which("openssl")
    if openssl is not None:
        pubkey = subprocess.run(
            [openssl, "x509", "-pubkey", "-noout"], input=ca_pem, capture_output=True, check=True
        ).stdout
        spki = subprocess.run(
            [openssl, "pkey", "-pubin", "-outform", "der"],
            input=pubkey, capture_output=True, check=True,
        ).stdout  # fmt: skip
        assert spki_sha256(ca_pem) == base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.mark.skipif(not shutil.which("keytool"), reason="keytool (a JDK) is not installed")
def test_keytool_reads_the_java_store_and_checks_its_integrity(
    tmp_path: Path, ca_pem: bytes
) -> None:
    store = tmp_path / "store.jks"
    certificates = der_certificates(system_ca_bundle() + ca_pem)
    store.write_bytes(java_key_store(certificates))
    listing = subprocess.run(
        ["keytool", "-list", "-keystore", str(store), "-storepass", "changeit"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"Your keystore contains {len(certificates)} entries" in listing
    assert listing.count("trustedCertEntry") == len(certificates)
    wrong = subprocess.run(
        ["keytool", "-list", "-keystore", str(store), "-storepass", "wrong-password"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0  # the digest is real: a wrong password is caught


def test_pem_parsing_skips_damaged_blocks() -> None:
    good = self_signed_ca("good")
    damaged = b"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"
    assert der_certificates(damaged + good + good) == der_certificates(good)
