"""Another client's latency while one client pulls a compression bomb through the proxy.

The same attack runs through bare mitmdump (the baseline: mitmproxy alone, which does not decode
bodies it only passes on) and through `inspector capture`, each probed by a second client sending
small GETs on a keep-alive connection. Prints the prober's worst and p99 latency before and
during each attack; the target is under 1 s extra for capture.
"""

from __future__ import annotations

import http.client
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from figures import figure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's servers and capture helpers

from tests.capture.capture_servers import plain_upstream  # noqa: E402
from tests.capture.capture_support import (  # noqa: E402
    _MITMDUMP_LISTENING,
    ProxyProcess,
    start_capture,
    start_process,
)
from tests.reliability.hostile_servers import hostile_upstream  # noqa: E402

ATTACKS = {"gzip 10 MB -> 10 GiB, streamed": "giant-bomb",
           "zstd 1 MB -> 32 GiB, buffered": "zstd-bomb"}  # fmt: skip


def _probe(proxy_port: int, upstream_port: int, stop: threading.Event, out: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=300)
    index = 0
    while not stop.is_set():
        began = time.monotonic()
        conn.request("GET", f"http://127.0.0.1:{upstream_port}/probe/{index}/json")
        conn.getresponse().read()
        out.append(time.monotonic() - began)
        index += 1
    conn.close()


@contextmanager
def _probing(proxy_port: int, upstream_port: int) -> Iterator[list[float]]:
    latencies: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(target=_probe, args=(proxy_port, upstream_port, stop, latencies))
    thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        thread.join(300)


def _attack(proxy_port: int, hostile_port: int, route: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=600)
    conn.request("GET", f"http://127.0.0.1:{hostile_port}/{route}",
                 headers={"Accept-Encoding": "gzip, zstd"})  # fmt: skip
    response = conn.getresponse()
    while response.read(1 << 20):
        pass
    conn.close()


def _p99(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[98]
        if len(values) >= 2
        else max(values)
    )


def _measure(proxy: ProxyProcess, upstream_port: int, hostile_port: int, route: str) -> str:
    with _probing(proxy.port, upstream_port) as before:
        while len(before) < 50:
            time.sleep(0.01)
    with _probing(proxy.port, upstream_port) as during:
        _attack(proxy.port, hostile_port, route)
    extra = max(during) - max(before)
    print(f"    before: worst {max(before) * 1000:.0f} ms, p99 {_p99(before) * 1000:.0f} ms; "
          f"during: worst {max(during) * 1000:.0f} ms, p99 {_p99(during) * 1000:.0f} ms "
          f"({len(during)} requests); extra worst {extra * 1000:.0f} ms")  # fmt: skip
    return f"{extra * 1000:.0f} ms"


def main() -> None:
    upstream = plain_upstream()
    hostile = hostile_upstream()
    upstream_port, hostile_port = next(upstream).port, next(hostile)
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        mitmdump = str(Path(sys.executable).with_name("mitmdump"))
        proxies = {
            "bare mitmdump": start_process(
                [
                    mitmdump,
                    "--listen-host",
                    "127.0.0.1",
                    "--listen-port",
                    "0",
                    "--set",
                    f"confdir={base / 'dump'}",
                ],
                db_path=base / "unused.db",
                confdir=base / "dump",
                listening=_MITMDUMP_LISTENING,
            ),
            "inspector capture": start_capture(base / "capture"),
        }
        try:
            for name, proxy in proxies.items():
                for attack, route in ATTACKS.items():
                    print(f"{name}, {attack}:")
                    results.setdefault(attack, {})[name] = _measure(
                        proxy, upstream_port, hostile_port, route
                    )
        finally:
            for proxy in proxies.values():
                proxy.stop()
    for attack, by_proxy in results.items():
        capture = by_proxy["inspector capture"]
        figure(f"Another client's extra worst latency during a bomb ({attack})",
               f"{capture} (bare mitmdump {by_proxy['bare mitmdump']})",
               target="under 1 s", missed=float(capture.split()[0]) >= 1000)  # fmt: skip


if __name__ == "__main__":
    main()
