"""What a user pastes to send a client's traffic through the proxy, for the real address."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspector.proxy_modes import DEFAULT_LISTEN, DEFAULT_MODE


@dataclass(frozen=True)
class Snippet:
    title: str
    code: str


@dataclass(frozen=True)
class Section:
    name: str
    intro: str
    snippets: tuple[Snippet, ...]


def ca_certificate(confdir: Path) -> Path:
    return confdir / "mitmproxy-ca-cert.pem"


def sections(address: str, confdir: Path, mode: str = DEFAULT_MODE) -> list[Section]:
    """Every way to connect a client, with `address` (HOST:PORT the proxy listens on)."""
    proxy = f"http://{address}"
    host, _, port = address.rpartition(":")
    ca = ca_certificate(confdir)
    example = "https://api.example.com/users"
    localhost_note = (
        "Most clients skip the proxy for hosts listed in NO_PROXY; to capture an API on "
        "localhost, keep it out of NO_PROXY (or use the reverse proxy tab)."
    )
    reverse_target = mode.removeprefix("reverse:") if mode.startswith("reverse:") else ""
    result = [
        Section(
            "Shell",
            "Set these in the shell that starts your client (curl reads only the lower-case "
            "http_proxy for plain HTTP, so both spellings are set), or skip all of it with "
            f"`inspector run -- COMMAND`. {localhost_note}",
            (
                Snippet(
                    "bash / zsh",
                    f"export HTTP_PROXY={proxy} http_proxy={proxy}\n"
                    f"export HTTPS_PROXY={proxy} https_proxy={proxy}\n"
                    f"export SSL_CERT_FILE={ca}\nexport REQUESTS_CA_BUNDLE={ca}\n"
                    f"export NODE_EXTRA_CA_CERTS={ca}",
                ),
                Snippet(
                    "fish",
                    f"set -x HTTP_PROXY {proxy}; set -x http_proxy {proxy}\n"
                    f"set -x HTTPS_PROXY {proxy}; set -x https_proxy {proxy}\n"
                    f"set -x SSL_CERT_FILE {ca}",
                ),
                Snippet(
                    "PowerShell",
                    f'$env:HTTP_PROXY = "{proxy}"\n$env:HTTPS_PROXY = "{proxy}"',
                ),
            ),
        ),
        Section(
            "curl",
            "Pass the proxy and trust mitmproxy's certificate authority for HTTPS.",
            (
                Snippet("curl", f"curl --proxy {proxy} --cacert {ca} {example}"),
                Snippet("plain HTTP", f"curl --proxy {proxy} http://localhost:8000/users"),
            ),
        ),
        Section(
            "Python",
            "requests and httpx take the proxy and the CA file per client (or from the "
            "environment variables of the Shell tab).",
            (
                Snippet(
                    "requests",
                    "import requests\n\n"
                    f'proxies = {{"http": "{proxy}", "https": "{proxy}"}}\n'
                    f'response = requests.get("{example}", proxies=proxies,\n'
                    f'                        verify="{ca}")',
                ),
                Snippet(
                    "httpx",
                    "import httpx\n\n"
                    f'client = httpx.Client(proxy="{proxy}", verify="{ca}")\n'
                    f'response = client.get("{example}")',
                ),
            ),
        ),
        Section(
            "Node",
            "Node's fetch (undici) and axios ignore HTTP_PROXY unless told; trust the CA with "
            "NODE_EXTRA_CA_CERTS when starting node.",
            (
                Snippet(
                    "fetch (undici)",
                    'import { ProxyAgent, setGlobalDispatcher } from "undici";\n\n'
                    f'setGlobalDispatcher(new ProxyAgent("{proxy}"));\n'
                    f"// start with: NODE_EXTRA_CA_CERTS={ca} node app.js",
                ),
                Snippet(
                    "axios",
                    'import axios from "axios";\n\n'
                    f'const api = axios.create({{ proxy: {{ protocol: "http", host: "{host}", '
                    f"port: {port} }} }});\n"
                    f'const response = await api.get("{example}");',
                ),
                Snippet(
                    "global-agent (any library)",
                    f"GLOBAL_AGENT_HTTP_PROXY={proxy} NODE_EXTRA_CA_CERTS={ca} \\\n"
                    "  node -r global-agent/bootstrap app.js",
                ),
            ),
        ),
        Section(
            "CA certificate",
            "HTTPS through the proxy needs mitmproxy's certificate authority, created on the "
            f"first proxy start at {ca}. Trust it per client (see the other tabs) or system-wide. "
            "It lets this proxy read your HTTPS traffic: never share its key.",
            (
                Snippet("path", str(ca)),
                Snippet(
                    "Debian / Ubuntu",
                    f"sudo cp {ca} /usr/local/share/ca-certificates/mitmproxy.crt\n"
                    "sudo update-ca-certificates",
                ),
                Snippet(
                    "macOS",
                    "sudo security add-trusted-cert -d -p ssl -p basic \\\n"
                    f"  -k /Library/Keychains/System.keychain {ca}",
                ),
                Snippet("Fedora / RHEL", f"sudo trust anchor --store {ca}"),
            ),
        ),
        Section(
            "Reverse proxy",
            "No proxy settings and no certificate: run the proxy in front of your API and point "
            "the client's base URL at it."
            + (f" The proxy forwards to {reverse_target} now." if reverse_target else ""),
            (
                Snippet(
                    "start the app in front of an API on port 8000",
                    "inspector --mode reverse:http://localhost:8000",
                ),
                Snippet("then call the proxy instead of the API", f"curl http://{address}/users"),
                Snippet(
                    "headless, without the app",
                    "inspector capture --mode reverse:http://localhost:8000 --listen " + address,
                ),
            ),
        ),
    ]
    if reverse_target:
        # In front of one API, clients only change their base URL: proxy settings and the CA
        # snippets would send them the wrong way.
        return [Section(
            "Reverse proxy",
            f"The proxy stands in front of {reverse_target}: point your client's base URL at "
            "the proxy instead, with no proxy settings and no certificate.",
            (
                Snippet("base URL", f"http://{address}"),
                Snippet("curl", f"curl http://{address}/users"),
                Snippet("environment of many SDKs", f"export API_BASE_URL=http://{address}"),
            ),
        )]  # fmt: skip
    return [one_step_section(address), *result]


def one_step_section(address: str) -> Section:
    """Per client, the one command that sets proxy and trust up: `inspector run -- COMMAND`."""
    listen = "" if address == DEFAULT_LISTEN else f" --listen {address}"
    run = f"inspector run{listen} --"
    return Section(
        "One step",
        "Start your client through inspector run: it gets the proxy, the certificate and no "
        "NO_PROXY exception for localhost, and its requests are tagged so that the filter "
        "source:NAME lists them. For a browser or a whole terminal, use the Intercept menu.",
        (
            Snippet("any command", f"{run} <your command>"),
            Snippet("curl", f"{run} curl https://api.example.com/users"),
            Snippet("Python (requests, httpx, urllib)", f"{run} python app.py"),
            Snippet("a test suite", f"{run} pytest\n{run} npm test"),
            Snippet("Node (any version)", f"{run} node app.js"),
            Snippet("Java (HttpClient, HttpURLConnection)", f"{run} java -jar app.jar"),
        ),
    )
