"""Throughput through `inspector capture` divided by throughput through bare `mitmdump`.

    .venv/bin/python benchmarks/capture_throughput.py [--rounds 4] [--requests 1500]

Both proxies run at once on 127.0.0.1 in front of the same upstream (a small asyncio HTTP/1.1
server in its own process). A keep-alive client with `--concurrency` connections sends the same
load through each, in interleaved rounds (A B B A ...) so that machine noise hits both alike.
Prints both rates, their ratio (target >= 0.95) and the p50/p99 latency the recorder adds.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from figures import figure

BIN = Path(sys.executable).parent
RESPONSE_BODY = b'{"id": 42, "name": "Ada", "roles": ["admin", "dev"], "active": true}'
TARGET_RATIO = 0.95


# The upstream: a minimal keep-alive HTTP/1.1 server, fast enough never to be the bottleneck.


async def _serve_upstream(port: int) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(
        RESPONSE_BODY
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(head + RESPONSE_BODY)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# The client.


@dataclass
class Round:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    proxy_cpu_seconds: float = 0.0


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process (all its threads) has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _connection(
    proxy_port: int, upstream_port: int, count: int, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    host = f"127.0.0.1:{upstream_port}"
    for i in range(count):
        request = (
            f"GET http://{host}/bench/users/{i}?page=1 HTTP/1.1\r\nHost: {host}\r\n"
            "User-Agent: bench/1.0\r\nAccept: application/json\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        writer.write(request)
        headers = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in headers.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append((time.perf_counter() - started) * 1000)
    writer.close()


async def _load(proxy_port: int, upstream_port: int, requests: int, concurrency: int) -> Round:
    latencies: list[float] = []
    per_connection = requests // concurrency
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _connection(proxy_port, upstream_port, per_connection, latencies)
            for _ in range(concurrency)
        )
    )
    return Round(per_connection * concurrency, time.perf_counter() - started, latencies)


# Processes.


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{process.args} did not listen on {port}")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1500, help="per proxy per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        asyncio.run(_serve_upstream(args.serve_upstream))
        return

    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        env = {**os.environ, "INSPECTOR_CONFIG": ""}
        env.pop("INSPECTOR_CONFIG")
        upstream_port, bare_port, capture_port = _free_port(), _free_port(), _free_port()
        processes = {
            "upstream": subprocess.Popen(
                [sys.executable, __file__, "--serve-upstream", str(upstream_port)]
            ),
            "bare mitmdump": subprocess.Popen(
                [
                    str(BIN / "mitmdump"),
                    "-q",
                    "--listen-host",
                    "127.0.0.1",
                    "--listen-port",
                    str(bare_port),
                    "--set",
                    f"confdir={tmp / 'conf'}",
                ],
                stdout=subprocess.DEVNULL,
            ),
            "inspector capture": subprocess.Popen(
                [
                    str(BIN / "inspector"),
                    "capture",
                    "--db",
                    str(tmp / "bench.db"),
                    "--listen",
                    f"127.0.0.1:{capture_port}",
                    "--set",
                    f"confdir={tmp / 'conf'}",
                ],
                stdout=subprocess.DEVNULL,
                env=env,
            ),
        }
        try:
            ports = {"upstream": upstream_port, "bare mitmdump": bare_port}
            ports["inspector capture"] = capture_port
            for name, process in processes.items():
                _wait_listening(ports[name], process)
            # Warm both proxies up (connections, caches, the database file).
            for port in (bare_port, capture_port):
                asyncio.run(_load(port, upstream_port, 400, args.concurrency))
            results: dict[str, list[Round]] = {"bare mitmdump": [], "inspector capture": []}
            for index in range(args.rounds):
                order = ["bare mitmdump", "inspector capture"]
                if index % 2:
                    order.reverse()
                for name in order:
                    cpu_before = _cpu_seconds(processes[name].pid)
                    result = asyncio.run(
                        _load(ports[name], upstream_port, args.requests, args.concurrency)
                    )
                    result.proxy_cpu_seconds = _cpu_seconds(processes[name].pid) - cpu_before
                    results[name].append(result)
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(30)

    rates = {
        name: sum(r.requests for r in rounds) / sum(r.seconds for r in rounds)
        for name, rounds in results.items()
    }
    latencies = {
        name: [ms for r in rounds for ms in r.latencies_ms] for name, rounds in results.items()
    }
    cpu_per_request_ms = {
        name: 1000 * sum(r.proxy_cpu_seconds for r in rounds) / sum(r.requests for r in rounds)
        for name, rounds in results.items()
    }
    bare, captured = latencies["bare mitmdump"], latencies["inspector capture"]
    ratio = rates["inspector capture"] / rates["bare mitmdump"]
    per_round = [
        c.requests / c.seconds / (b.requests / b.seconds)
        for b, c in zip(results["bare mitmdump"], results["inspector capture"], strict=True)
    ]
    print(
        f"load: {args.rounds} interleaved rounds x {args.requests} requests per proxy, "
        f"{args.concurrency} keep-alive connections, load average {os.getloadavg()[0]:.1f}"
    )
    for name in results:
        print(
            f"{name:18s} {rates[name]:8.0f} requests/s   "
            f"p50 {_percentile(latencies[name], 0.5):6.2f} ms   "
            f"p99 {_percentile(latencies[name], 0.99):6.2f} ms"
        )
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"ratio capture/bare: {ratio:.3f} ({verdict} {TARGET_RATIO}); per round: "
        + ", ".join(f"{value:.3f}" for value in per_round)
        + f"; median {statistics.median(per_round):.3f}"
    )
    cpu_ratio = cpu_per_request_ms["bare mitmdump"] / cpu_per_request_ms["inspector capture"]
    print(
        "proxy CPU per request: "
        + ", ".join(f"{name} {ms:.3f} ms" for name, ms in cpu_per_request_ms.items())
        + f"; CPU-bound ratio capture/bare {cpu_ratio:.3f} (insensitive to other load)"
    )
    print(
        f"added latency: p50 {_percentile(captured, 0.5) - _percentile(bare, 0.5):+.2f} ms, "
        f"p99 {_percentile(captured, 0.99) - _percentile(bare, 0.99):+.2f} ms"
    )
    figure(
        f"Throughput through `inspector capture` / bare `mitmdump` ({args.concurrency} keep-alive "
        "connections)",
        f"{ratio:.2f} wall clock (median round {statistics.median(per_round):.2f}), "
        f"{cpu_ratio:.2f} by proxy CPU per request",
        f"at least {TARGET_RATIO}",
        missed=ratio < TARGET_RATIO,
    )
    figure(
        "Latency added over bare `mitmdump`",
        f"p50 {_percentile(captured, 0.5) - _percentile(bare, 0.5):+.1f} ms, "
        f"p99 {_percentile(captured, 0.99) - _percentile(bare, 0.99):+.1f} ms "
        f"(bare: p50 {_percentile(bare, 0.5):.1f} ms, p99 {_percentile(bare, 0.99):.1f} ms)",
    )


if __name__ == "__main__":
    main()
