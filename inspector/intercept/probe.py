"""Asking the proxy on an address whether it is a capture, and where its database and CA are."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path

from inspector.intercept.tags import PROBE_HOST, PROBE_PATH


class NotACapture(Exception):
    """Something listens on the address, but it did not answer as an API Inspector capture."""


@dataclass(frozen=True)
class CaptureInfo:
    """What a running capture says about itself."""

    db_path: Path
    confdir: Path
    modes: tuple[str, ...]
    pid: int

    @property
    def reverse_mode(self) -> str | None:
        """The first `reverse:URL` mode, if the capture has no mode a client can use as a proxy."""
        if any(not mode.startswith("reverse:") for mode in self.modes):
            return None
        return self.modes[0] if self.modes else None


def probe_capture(host: str, port: int, timeout_s: float = 3.0) -> CaptureInfo | None:
    """The capture listening on host:port, or None when nothing listens there.

    Raises NotACapture when something else (another proxy or server) has the port.
    """
    connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        connection.request("GET", f"http://{PROBE_HOST}{PROBE_PATH}", headers={"Host": PROBE_HOST})
        response = connection.getresponse()
        body = response.read(64 * 1024)
    except ConnectionRefusedError:
        return None
    except (OSError, http.client.HTTPException) as exc:
        reason = str(exc) or type(exc).__name__
        raise NotACapture(f"{address} did not answer as a proxy ({reason})") from None
    finally:
        connection.close()
    try:
        answer = json.loads(body)
        if response.status != 200 or answer.get("app") != "api-inspector":
            raise ValueError("not ours")
        return CaptureInfo(
            db_path=Path(answer["db"]),
            confdir=Path(answer["confdir"]),
            modes=tuple(str(mode) for mode in answer["mode"]),
            pid=int(answer["pid"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NotACapture(
            f"{address} answered (HTTP {response.status}) but is not an API Inspector capture"
        ) from None
