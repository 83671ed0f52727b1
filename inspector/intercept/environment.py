"""The environment a launched program gets: proxy variables every client reads, and trust."""

from __future__ import annotations

import re
from collections.abc import Mapping

from inspector.intercept.trust import JAVA_STORE_PASSWORD, USER_BUNDLE_VARIABLES, TrustFiles

# curl reads only the lower-case http_proxy (upper-case HTTP_PROXY is unsafe in CGI), most
# others either: both spellings, always.
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")
# Hosts that skip the proxy: cleared, so an API on localhost is captured like any other.
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
# Each names a file that *replaces* the client's trusted CAs: the full bundle.
#   SSL_CERT_FILE: OpenSSL (Python's ssl, urllib, httpx), Go, Ruby; REQUESTS_CA_BUNDLE: requests;
#   CURL_CA_BUNDLE: curl; GIT_SSL_CAINFO: git; AWS_CA_BUNDLE: the AWS SDKs and CLI; PIP_CERT: pip.
#   Others that a user had set (gcloud's, gRPC's, httplib2's, Nix's) get it too.
BUNDLE_VARIABLES = (
    "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "AWS_CA_BUNDLE",
    "PIP_CERT",
)  # fmt: skip
# Java properties this module sets; those the user had in JAVA_TOOL_OPTIONS are replaced.
_JAVA_PROPERTIES = re.compile(
    r"-D(?:https?\.proxy(?:Host|Port)|http\.nonProxyHosts|javax\.net\.ssl\.trustStore\w*)=\S*"
)


def _java_options(existing: str, host: str, port: int, trust: TrustFiles) -> str:
    kept = _JAVA_PROPERTIES.sub("", existing).split()
    java_host = f"[{host}]" if ":" in host else host
    options = [
        f"-Dhttp.proxyHost={java_host}", f"-Dhttp.proxyPort={port}",
        f"-Dhttps.proxyHost={java_host}", f"-Dhttps.proxyPort={port}",
        # Java's default skips the proxy for localhost|127.*|[::1]; empty means "never".
        "-Dhttp.nonProxyHosts=",
    ]  # fmt: skip
    store = str(trust.java_store)
    if not any(character.isspace() for character in store):  # the variable splits on spaces
        options += [
            f"-Djavax.net.ssl.trustStore={store}",
            "-Djavax.net.ssl.trustStoreType=JKS",
            f"-Djavax.net.ssl.trustStorePassword={JAVA_STORE_PASSWORD}",
        ]
    return " ".join([*kept, *options])


def _node_options(existing: str, trust: TrustFiles) -> str:
    # NODE_OPTIONS takes double-quoted values, for a temporary directory with spaces in its path.
    preload = f'--require "{trust.node_preload}"'
    return f"{existing} {preload}" if existing.strip() else preload


def client_environment(
    base: Mapping[str, str],
    *,
    proxy: str,
    host: str,
    port: int,
    trust: TrustFiles,
    source: str = "",
) -> dict[str, str]:
    """`base` plus everything its HTTP clients need to go through `proxy` and trust its CA.

    `proxy` is the URL clients use (with the source tag as credentials); `host` and `port` are
    the same proxy for clients that take them apart (Java).
    """
    env = dict(base)
    for name in PROXY_VARIABLES:
        env[name] = proxy
    for name in NO_PROXY_VARIABLES:
        env[name] = ""
    for name in BUNDLE_VARIABLES:
        env[name] = str(trust.bundle)
    for name in USER_BUNDLE_VARIABLES:
        if base.get(name):
            env[name] = str(trust.bundle)
    env["NODE_EXTRA_CA_CERTS"] = str(trust.node_extra)  # added to Node's own CAs
    env["WGETRC"] = str(trust.wgetrc)
    env["DENO_CERT"] = str(trust.ca)  # added to Deno's
    env["NODE_USE_ENV_PROXY"] = "1"  # Node 24+ honours the proxy variables only when asked
    # Older Node ignores them: a preload makes its agents and fetch tunnel through the proxy.
    env["NODE_OPTIONS"] = _node_options(base.get("NODE_OPTIONS", ""), trust)
    # git's libcurl waits for a 407 challenge before sending proxy credentials (the source tag),
    # and a capture never challenges: send them up front, as curl does.
    env["GIT_HTTP_PROXY_AUTHMETHOD"] = "basic"
    env["JAVA_TOOL_OPTIONS"] = _java_options(base.get("JAVA_TOOL_OPTIONS", ""), host, port, trust)
    # For scripts and prompts that want to know they run intercepted.
    env["INSPECTOR_PROXY"] = proxy
    env["INSPECTOR_SOURCE"] = source
    return env
