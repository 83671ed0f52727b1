"""Why an exchange failed, in words: mitmproxy hands on the OS's text (`[Errno -2] Name or
service not known`), which says little to someone who just wanted to call their API."""

from __future__ import annotations

import re

# (pattern over the raw message, what it means); the first match wins.
_MEANINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), meaning)
    for pattern, meaning in (
        (
            r"name or service not known|nodename nor servname|no address associated|"
            r"temporary failure in name resolution|getaddrinfo failed|errno -[235]\b",
            "DNS lookup failed for {host}: the name does not resolve",
        ),
        (
            r"connection refused|errno 111\b|errno 61\b",
            "Connection refused by {host}: nothing listens there (is the server running?)",
        ),
        (r"timed? ?out|errno 110\b|errno 60\b", "{host} did not answer in time"),
        (
            r"network is unreachable|no route to host|errno 101\b|errno 113\b",
            "No network route to {host}",
        ),
        (
            r"certificate verify failed|certificate_verify_failed|unknown ca|self.signed",
            "The TLS certificate of {host} is not trusted (start the proxy with "
            "--set ssl_insecure=true for a development server)",
        ),
        (r"client disconnected|client closed", "The client closed the connection first"),
        (
            r"server disconnected|server closed|connection reset|errno 104\b",
            "{host} closed the connection without an answer",
        ),
    )
)


def error_words(error: str, host: str = "") -> str:
    """A sentence for a failure message; the raw message itself when it is not a known kind."""
    for pattern, meaning in _MEANINGS:
        if pattern.search(error):
            return meaning.format(host=host or "the server")
    return error
