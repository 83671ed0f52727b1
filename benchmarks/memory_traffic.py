"""Traffic for memory_vs_mitmweb.py: the demo API and client as processes, replicated flows.

The same traffic reaches both sides: TEMPLATE_FLOWS flows of the demo consumers calling the
sample API, recorded once by `mitmdump -w`, then replicated with fresh flow ids and shifted
timestamps. `ensure_dump()` writes the replicas as a flow dump (for mitmweb's `-r`);
`preload()` stores the very same replicas the way `inspector import` of that dump would.

Run as a script, it plays one role in a child process:

    memory_traffic.py --serve-api PORT | --send PROXY_PORT API_URL COUNT
                      | --preload TEMPLATE DB CONFIG COUNT
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
RESULTS = Path(__file__).resolve().parent / "results"
TEMPLATE_FLOWS = 2000
SPACING_S = 0.005  # between preloaded exchanges' start times
API_SEED, CLIENT_SEED = 7, 11
BATCH = 5000


# --- Processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    condition: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(poll_s)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        return listening(port)

    wait_for(ready, timeout_s, f"port {port}")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def start_api(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve-api", str(port)], stdout=out, stderr=out
        )
    wait_listening(port, process)
    return process, f"http://127.0.0.1:{port}"


@dataclass
class Sent:
    requests: int
    seconds: float
    statuses: dict[str, int]
    transport_errors: int


def send_live(proxy_port: int, api_url: str, count: int) -> Sent:
    done = subprocess.run(
        [sys.executable, __file__, "--send", str(proxy_port), api_url, str(count)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return Sent(**json.loads(done.stdout.strip().splitlines()[-1]))


# --- Roles run in child processes ----------------------------------------------------------


def serve_api(port: int) -> None:
    from inspector.demo.sample_api import SampleApi

    SampleApi(seed=API_SEED, latency_scale=0).start(port=port)
    threading.Event().wait()


def send(proxy_port: int, api_url: str, count: int) -> None:
    from inspector.demo.traffic import TrafficGenerator

    generator = TrafficGenerator(
        api_url, rate_per_s=100_000, seed=CLIENT_SEED, workers=8, max_requests=count,
        timeout_s=60, proxy=f"http://127.0.0.1:{proxy_port}",
    )  # fmt: skip
    began = time.perf_counter()
    with generator:
        if not generator.wait_done(1700):
            raise SystemExit("live traffic did not finish in time")
    summary = {
        "requests": generator.sent,
        "seconds": time.perf_counter() - began,
        "statuses": {str(k): v for k, v in sorted(generator.statuses.items())},
        "transport_errors": generator.transport_errors,
    }
    print(json.dumps(summary))


# --- Traffic: template, replicated dump, preloaded database --------------------------------


def _replica_id(index: int, kind: int = 0x5EED) -> str:
    return str(uuid.UUID(int=(kind << 96) | index, version=4))


def _timestamp_slots(state: object, found: list[tuple[dict[str, object], str, float]]) -> None:
    """Every timestamp in a flow state, so a replica can shift them all alike."""
    if isinstance(state, dict):
        for key, value in state.items():
            if key.startswith("timestamp") and isinstance(value, int | float):
                found.append((state, key, float(value)))
            else:
                _timestamp_slots(value, found)
    elif isinstance(state, list):
        for item in state:
            _timestamp_slots(item, found)


def _read_template(path: Path) -> list[dict[str, object]]:
    from mitmproxy.io import FlowReader

    with path.open("rb") as handle:
        return [flow.get_state() for flow in FlowReader(handle).stream()]


def _replica_start(index: int, count: int, first_start: float) -> float:
    # Replicas end where the template began, so live traffic comes after them.
    return first_start - (count - index) * SPACING_S


def ensure_template(workdir: Path) -> Path:
    """TEMPLATE_FLOWS flows of demo traffic recorded by `mitmdump -w`, cached."""
    path = RESULTS / f"memory-template-{TEMPLATE_FLOWS}.flows"
    if path.exists():
        return path
    for stale in RESULTS.glob("memory-replicas-*.flows"):
        stale.unlink()
    RESULTS.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    api, api_url = start_api(workdir / "template-api.log")
    port = free_port()
    dump = subprocess.Popen(
        [str(BIN / "mitmdump"), "-q", "--listen-host", "127.0.0.1", "--listen-port", str(port),
         "-w", str(partial), "--set", f"confdir={workdir / 'conf'}"],
    )  # fmt: skip
    try:
        wait_listening(port, dump)
        send_live(port, api_url, TEMPLATE_FLOWS)
    finally:
        stop(dump)
        stop(api)
    recorded = len(_read_template(partial))
    if recorded != TEMPLATE_FLOWS:
        raise SystemExit(f"template holds {recorded} flows, expected {TEMPLATE_FLOWS}")
    partial.rename(path)
    return path


def ensure_dump(template: Path, count: int) -> Path:
    """`count` replicas of the template flows with fresh ids and shifted timestamps, cached."""
    from mitmproxy.io import tnetstring

    path = RESULTS / f"memory-replicas-{count}.flows"
    if path.exists():
        return path
    began = time.perf_counter()
    states = _read_template(template)
    slots: list[list[tuple[dict[str, object], str, float]]] = []
    starts: list[float] = []
    for state in states:
        found: list[tuple[dict[str, object], str, float]] = []
        _timestamp_slots(state, found)
        slots.append(found)
        starts.append(float(state["request"]["timestamp_start"]))  # type: ignore[index]
    first_start = min(starts)
    partial = path.with_suffix(".partial")
    with partial.open("wb", buffering=1 << 20) as out:
        for index in range(count):
            which = index % len(states)
            state = states[which]
            shift = _replica_start(index, count, first_start) - starts[which]
            for container, key, value in slots[which]:
                container[key] = value + shift
            state["id"] = _replica_id(index)
            for conn, kind in (("client_conn", 0xC11E), ("server_conn", 0x5E4F)):
                if isinstance(state.get(conn), dict):
                    state[conn]["id"] = _replica_id(index, kind)  # type: ignore[index]
            tnetstring.dump(state, out)
    partial.rename(path)
    elapsed = time.perf_counter() - began
    print(f"wrote {count:,} replica flows in {elapsed:.0f} s ({path.stat().st_size / 2**30:.2f} "
          f"GiB): {path}", flush=True)  # fmt: skip
    return path


def preload(template: Path, db_path: Path, config_path: Path, count: int) -> None:
    """Store the replicas of ensure_dump() as `inspector import` of that dump would."""
    from mitmproxy.http import HTTPFlow
    from mitmproxy.io import FlowReader

    from inspector.capture.convert import flow_to_exchange
    from inspector.config import load_config
    from inspector.model import Exchange
    from inspector.store import open_db, write_batch

    config = load_config(config_path)
    exchanges: list[Exchange] = []
    starts: list[float] = []
    with template.open("rb") as handle:
        for flow in FlowReader(handle).stream():
            if not isinstance(flow, HTTPFlow):
                raise SystemExit(f"{template} holds a non-HTTP flow")
            raw = flow_to_exchange(flow, max_body_bytes=config.capture.max_body_bytes)
            processed = config.process(raw)
            if processed is None:
                raise SystemExit(f"the capture rules drop {raw.url}: the sides would differ")
            exchanges.append(processed)
            starts.append(flow.request.timestamp_start)
    first_start = min(starts)
    conn = open_db(db_path)
    try:
        for low in range(0, count, BATCH):
            batch = []
            for index in range(low, min(count, low + BATCH)):
                which = index % len(exchanges)
                shift = _replica_start(index, count, first_start) - starts[which]
                exchange = exchanges[which]
                batch.append(exchange.replace(uid=_replica_id(index).replace("-", ""),
                                              started_at=exchange.started_at + shift))  # fmt: skip
            write_batch(conn, batch)
        stored = conn.execute("SELECT count(*) FROM exchanges").fetchone()[0]
    finally:
        conn.close()
    if stored != count:
        raise SystemExit(f"preloaded {stored} exchanges, expected {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-api", type=int)
    parser.add_argument("--send", nargs=3)
    parser.add_argument("--preload", nargs=4)
    args = parser.parse_args()
    if args.serve_api:
        serve_api(args.serve_api)
    elif args.send:
        send(int(args.send[0]), args.send[1], int(args.send[2]))
    elif args.preload:
        template, db_path, config, count = args.preload
        preload(Path(template), Path(db_path), Path(config), int(count))
    else:
        parser.error("give one role")


if __name__ == "__main__":
    main()
