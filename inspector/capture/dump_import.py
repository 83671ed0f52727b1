"""Reading mitmproxy flow dumps (`mitmdump -w FILE`, mitmweb's "Save") into Exchanges.

Each HTTP flow goes through the same converter as live capture. The whole file is read and
converted before anything is returned, so a damaged dump imports nothing; the error names the
flow number and byte offset where reading stopped. Each exchange takes the flow's own id as its
uid, so importing the same dump twice stores every flow once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inspector.errors import InspectorError
from inspector.model import Exchange


class DumpImportError(InspectorError):
    """A flow dump that cannot be imported; the message names the file and the position."""


@dataclass(frozen=True, slots=True)
class DumpContents:
    exchanges: list[Exchange]
    other_flows: int  # TCP, UDP and DNS flows: not HTTP exchanges, so not imported


def looks_like_flow_dump(head: bytes) -> bool:
    """True for the start of a tnetstring stream (`1234:{...`), mitmproxy's dump format."""
    digits = len(head) - len(head.lstrip(b"0123456789"))
    return 0 < digits <= 12 and head[digits : digits + 1] == b":"


def read_flow_dump(path: Path, *, max_body_bytes: int) -> DumpContents:
    """Every HTTP flow of a mitmproxy dump as a raw Exchange (rules not applied yet)."""
    from mitmproxy import exceptions, http
    from mitmproxy.io import FlowReader

    from inspector.capture.convert import flow_to_exchange

    exchanges: list[Exchange] = []
    other = 0
    with path.open("rb") as handle:
        reader = FlowReader(handle)
        index = 0
        offset = 0
        try:
            for flow in reader.stream():
                if isinstance(flow, http.HTTPFlow):
                    exchange = flow_to_exchange(flow, max_body_bytes=max_body_bytes)
                    exchanges.append(exchange.replace(uid=flow.id.replace("-", "")))
                else:
                    other += 1
                index += 1
                offset = handle.tell()
        except exceptions.FlowReadException as exc:
            raise DumpImportError(
                f"{path} is not a readable mitmproxy flow dump: flow {index + 1} "
                f"(from byte {offset}) is damaged ({exc}). Nothing was imported."
            ) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # Flow states from a mitmproxy too new or too broken for ours to migrate.
            raise DumpImportError(
                f"{path}: flow {index + 1} (from byte {offset}) cannot be converted "
                f"({type(exc).__name__}: {exc}). Nothing was imported."
            ) from None
    return DumpContents(exchanges, other)
