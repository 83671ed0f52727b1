"""Service export speed and peak memory: ReadMe and OTLP export of N exchanges to a local sink.

    .venv/bin/python benchmarks/export_speed.py [--rows N] [--db PATH] [--only readme|otlp]

The database is generated once with the demo's synthetic traffic and reused when it already
holds N rows. Each export runs in a fresh subprocess (its peak RSS is the figure) against a sink
server in another process that answers 200 to everything. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from figures import figure
from million import DEFAULT_ROWS, ensure_database

NAMES = {"readme": "ReadMe", "otlp": "OTLP"}


def _sink(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    class Sink(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else every answer waits 40 ms for a delayed ACK

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _child(destination: str, db: Path, url: str) -> None:
    """Runs in the measured subprocess: one full export, then prints figures as JSON."""
    from inspector.exporters.delivery import Deliverer, deliver
    from inspector.exporters.registry import build_exporter
    from inspector.exporters.transport import HttpxTransport
    from inspector.store import open_db

    given = {"base_url": url}
    if destination == "readme":
        given |= {"api_key": "benchmark-key", "fallback_group": "client-ip"}
    exporter = build_exporter(destination, given, environ={})
    conn = open_db(db)
    conn.execute("DELETE FROM export_cursors")
    conn.commit()
    transport = HttpxTransport()
    started = time.perf_counter()
    report = deliver(conn, Deliverer(exporter, transport))
    elapsed = time.perf_counter() - started
    transport.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"sent": report.sent, "skipped": report.skipped, "failed": report.failed,
                      "error": str(report.error or ""), "seconds": elapsed,
                      "batch": exporter.batch_size, "peak_rss_mib": peak_kib / 1024}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--only", choices=("readme", "otlp"))
    parser.add_argument("--child", nargs=3, metavar=("DEST", "DB", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), args.child[2])
        return
    args.db = ensure_database(args.db, args.rows)
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    sink = multiprocessing.Process(target=_sink, args=(ports,), daemon=True)
    sink.start()
    url = f"http://127.0.0.1:{ports.get(timeout=10)}"
    rates: dict[str, tuple[float, float]] = {}
    try:
        for destination in [args.only] if args.only else ["readme", "otlp"]:
            output = subprocess.run(
                [sys.executable, __file__, "--child", destination, str(args.db), url],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            figures = json.loads(output.strip().splitlines()[-1])
            rate = (figures["sent"] + figures["skipped"]) / figures["seconds"]
            print(
                f"{destination:7} {figures['sent']:>9,} sent {figures['skipped']:>7,} skipped "
                f"in {figures['seconds']:7.1f} s = {rate:8,.0f} items/s, batch {figures['batch']}, "
                f"peak RSS {figures['peak_rss_mib']:.0f} MiB {figures['error']}"
            )
            rates[destination] = (rate, figures["peak_rss_mib"])
        figure(
            "Export to a service: " + " / ".join(NAMES[name] for name in rates),
            " / ".join(f"{rate:,.0f} items/s" for rate, _ in rates.values())
            + f", under {max(peak for _, peak in rates.values()):.0f} MiB",
        )
    finally:
        sink.terminate()


if __name__ == "__main__":
    main()
