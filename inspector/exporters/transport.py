"""The one HTTP transport every service exporter sends through (httpx), injectable for tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx

from inspector import __version__

USER_AGENT = f"api-inspector/{__version__}"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request an exporter wants sent; headers in the order they are sent."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    # Lower-cased names; a repeated header keeps its last value (enough for Retry-After).
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class TransportError(Exception):
    """No HTTP answer at all: `kind` is "timeout" or "connection". Always worth a retry."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Transport(Protocol):
    def send(self, request: HttpRequest, *, timeout_s: float) -> HttpResponse: ...

    def close(self) -> None: ...


def redact_url(url: str) -> str:
    """The URL without user:password, for messages (a base URL may carry credentials)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class HttpxTransport:
    """Keeps one connection pool per exporter run; never follows redirects silently."""

    def __init__(self) -> None:
        # Proxies from the environment are ignored on purpose: a user exporting while their own
        # HTTP_PROXY points at the inspector proxy would otherwise capture the export itself.
        self._client = httpx.Client(
            trust_env=False, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )

    def send(self, request: HttpRequest, *, timeout_s: float) -> HttpResponse:
        try:
            response = self._client.request(
                request.method,
                request.url,
                headers=list(request.headers),
                content=request.body,
                timeout=timeout_s,
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                "timeout", f"no answer from {redact_url(request.url)} within {timeout_s:g} s"
            ) from exc
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            # httpx messages never include request headers, so credentials cannot leak here.
            reason = str(exc) or type(exc).__name__
            raise TransportError(
                "connection", f"cannot reach {redact_url(request.url)}: {reason}"
            ) from exc
        headers = {name.lower(): value for name, value in response.headers.items()}
        return HttpResponse(status=response.status_code, headers=headers, body=response.content)

    def close(self) -> None:
        self._client.close()
