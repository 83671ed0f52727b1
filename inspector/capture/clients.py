"""Launched clients: which program sent a request (its source tag), and the capture's self-report.

`inspector run` and the app's Intercept menu give each program they launch its own proxy URL,
`http://src-<label>:x@HOST:PORT`. Clients turn that userinfo into a `Proxy-Authorization: Basic`
header: on the CONNECT of an HTTPS tunnel, on each request of plain HTTP. This addon reads the
label from it, remembers it for the client connection (every request inside a tunnel belongs to
the CONNECT's program), and strips the header, so it is never forwarded nor recorded. Other
Proxy-Authorization headers (meant for an upstream proxy) are left alone.

A capture started for one program (`inspector run`'s own, the browser's) tags everything it
sees with `inspector_source`, which also covers clients that cannot send proxy credentials
(Java's system properties, browsers).

`GET http://inspector.invalid/capture` through the proxy is answered here, never forwarded nor
recorded: a JSON object naming the database, mitmproxy's confdir and mode, so `inspector run`
knows whether the proxy on an address is a capture, and where its traffic and CA are.
"""

from __future__ import annotations

import binascii
import json
import os
import weakref
from pathlib import Path

from mitmproxy import connection, ctx, http
from mitmproxy.addonmanager import Loader

from inspector.intercept.tags import PROBE_HOST, PROBE_PATH, SOURCE_USER
from inspector.paths import default_db_path

SOURCE_METADATA = "inspector_source"
PROBE_METADATA = "inspector_probe"
_PROXY_AUTHORIZATION = "proxy-authorization"


def source_of_credentials(value: str) -> str | None:
    """The label in `Basic base64(src-LABEL:anything)`, or None for any other credential."""
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = binascii.a2b_base64(encoded.strip().encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    user = decoded.partition(":")[0]
    match = SOURCE_USER.fullmatch(user)
    return match.group("label") if match else None


def _take_source(headers: http.Headers) -> str | None:
    """Remove our Proxy-Authorization values from `headers`; the label they carried, if any."""
    values = headers.get_all(_PROXY_AUTHORIZATION)
    if not values:
        return None
    label: str | None = None
    others: list[str] = []
    for value in values:
        found = source_of_credentials(value)
        if found is None:
            others.append(value)
        else:
            label = found
    if label is not None:
        headers.set_all(_PROXY_AUTHORIZATION, others)
    return label


class ClientTags:
    """Tags each flow with the program that sent it, and answers the capture probe."""

    def __init__(self) -> None:
        # Per client connection: an HTTPS tunnel's requests carry no credentials of their own.
        self._connection_sources: weakref.WeakKeyDictionary[connection.Client, str] = (
            weakref.WeakKeyDictionary()
        )

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "inspector_source",
            str,
            "",
            "API Inspector: the source recorded for requests that carry no source tag of their "
            "own (a capture started for one program). Tags come from proxy credentials "
            "src-LABEL:x, which are stripped and never recorded.",
        )

    def http_connect(self, flow: http.HTTPFlow) -> None:
        label = _take_source(flow.request.headers)
        if label is not None:
            self._connection_sources[flow.client_conn] = label
        # A CONNECT that fails is recorded itself (the addon's http_connect_error).
        label = label or ctx.options.inspector_source
        if label:
            flow.metadata[SOURCE_METADATA] = label

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        label = _take_source(flow.request.headers)
        if label is not None:
            self._connection_sources[flow.client_conn] = label
        else:
            label = self._connection_sources.get(flow.client_conn) or ctx.options.inspector_source
        if label:
            flow.metadata[SOURCE_METADATA] = label

    def request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        # A reverse proxy has already pointed the request at its target: the absolute-form
        # authority the client sent still names the probe.
        authority = request.data.authority.decode("ascii", "replace").rpartition(":")
        asked = authority[0] if authority[2].isdigit() else "".join(authority)
        if PROBE_HOST not in (request.host, asked) or flow.response is not None:
            return
        flow.metadata[PROBE_METADATA] = True
        if request.path.partition("?")[0] != PROBE_PATH:
            flow.response = http.Response.make(404, b"", {"Content-Type": "text/plain"})
            return
        option = ctx.options.inspector_db
        answer = {
            "app": "api-inspector",
            "db": str(Path(option).expanduser().resolve() if option else default_db_path()),
            "confdir": str(Path(ctx.options.confdir).expanduser().resolve()),
            "mode": list(ctx.options.mode),
            "pid": os.getpid(),
        }
        flow.response = http.Response.make(
            200, json.dumps(answer).encode(), {"Content-Type": "application/json"}
        )


def flow_source(flow: http.HTTPFlow) -> str:
    return str(flow.metadata.get(SOURCE_METADATA, ""))


def is_probe(flow: http.HTTPFlow) -> bool:
    return bool(flow.metadata.get(PROBE_METADATA))
