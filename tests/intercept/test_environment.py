"""The environment a launched program gets."""

from __future__ import annotations

from pathlib import Path

from inspector.intercept.environment import client_environment
from inspector.intercept.trust import TrustFiles


def _trust(directory: Path) -> TrustFiles:
    return TrustFiles(
        directory=directory,
        ca=directory / "mitmproxy-ca-cert.pem",
        bundle=directory / "ca-bundle.pem",
        node_extra=directory / "node-extra-ca.pem",
        java_store=directory / "java-truststore.jks",
        spki="pin",
        node_preload=directory / "node-proxy-preload.cjs",
        wgetrc=directory / "wgetrc",
    )


def _env(base: dict[str, str], directory: Path = Path("/tmp/inspector-x")) -> dict[str, str]:
    return client_environment(
        base,
        proxy="http://src-curl-1234:x@127.0.0.1:8080",
        host="127.0.0.1",
        port=8080,
        trust=_trust(directory),
        source="curl-1234",
    )


def test_both_spellings_of_the_proxy_and_no_bypass_for_localhost() -> None:
    base = {"NO_PROXY": "localhost,127.0.0.1,.corp", "no_proxy": "localhost", "PATH": "/bin"}
    env = _env(base)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        assert env[name] == "http://src-curl-1234:x@127.0.0.1:8080"
    assert env["NO_PROXY"] == env["no_proxy"] == ""
    assert env["PATH"] == "/bin"
    assert base["NO_PROXY"] == "localhost,127.0.0.1,.corp"  # the caller's mapping is untouched
    assert (env["INSPECTOR_SOURCE"], env["GIT_HTTP_PROXY_AUTHMETHOD"]) == ("curl-1234", "basic")


def test_every_ca_variable_points_at_the_private_files() -> None:
    env = _env({"HTTPLIB2_CA_CERTS": "/etc/ssl/certs/ca-certificates.crt"})
    bundle = "/tmp/inspector-x/ca-bundle.pem"
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO",
                 "AWS_CA_BUNDLE", "PIP_CERT", "HTTPLIB2_CA_CERTS"):  # fmt: skip
        assert env[name] == bundle, name
    assert "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH" not in env  # only replaced when the user set it
    assert env["NODE_EXTRA_CA_CERTS"] == "/tmp/inspector-x/node-extra-ca.pem"
    assert env["DENO_CERT"] == "/tmp/inspector-x/mitmproxy-ca-cert.pem"
    assert env["NODE_USE_ENV_PROXY"] == "1"


def test_java_gets_the_proxy_and_trust_store_and_keeps_its_other_options() -> None:
    base = {"JAVA_TOOL_OPTIONS": "-Xmx512m -Dhttp.proxyHost=old.corp -Dfile.encoding=UTF-8"}
    options = _env(base)["JAVA_TOOL_OPTIONS"].split()
    assert options[:2] == ["-Xmx512m", "-Dfile.encoding=UTF-8"]
    assert "-Dhttp.proxyHost=old.corp" not in options
    for option in ("-Dhttp.proxyHost=127.0.0.1", "-Dhttps.proxyPort=8080",
                   "-Dhttp.nonProxyHosts=", "-Djavax.net.ssl.trustStoreType=JKS",
                   "-Djavax.net.ssl.trustStore=/tmp/inspector-x/java-truststore.jks"):  # fmt: skip
        assert option in options


def test_no_java_trust_store_where_its_path_would_split() -> None:
    options = _env({}, Path("/tmp/my dir"))["JAVA_TOOL_OPTIONS"]
    assert "trustStore" not in options
    assert "-Dhttps.proxyHost=127.0.0.1" in options


def test_node_gets_the_preload_after_the_users_own_node_options() -> None:
    env = _env({"NODE_OPTIONS": "--max-old-space-size=4096"}, Path("/tmp/with space"))
    assert env["NODE_OPTIONS"] == (
        '--max-old-space-size=4096 --require "/tmp/with space/node-proxy-preload.cjs"'
    )
    assert _env({})["NODE_OPTIONS"] == '--require "/tmp/inspector-x/node-proxy-preload.cjs"'
