"""`inspector --demo`: a sample API, the proxy in front of it, traffic from several consumers."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

from inspector.gui.capture_process import CaptureProcess
from inspector.proxy_modes import ProxySettings


def demo_config_path() -> Path | None:
    """The shipped configuration whose grouping rules name the demo's consumers."""
    try:
        from inspector.resource_files import resource

        return Path(str(resource("demo-config.toml")))
    except FileNotFoundError:
        return None


class DemoSession:
    """Owns the sample API and the traffic generator; the window owns the capture process.

    The generator starts once the proxy reports its real address and stops with the app;
    the temporary database goes with it.
    """

    def __init__(self, workdir: Path, rate_per_s: float = 12.0) -> None:
        from inspector.demo.sample_api import SampleApi

        self.workdir = workdir
        self.rate_per_s = rate_per_s
        self.api: Any = SampleApi()
        self.base_url: str = self.api.start()
        self.generator: Any = None

    def capture_settings(self, base: ProxySettings) -> ProxySettings:
        config = demo_config_path() if base.config_path is None else base.config_path
        return base.with_changes(
            db_path=self.workdir / "demo.db",
            listen="127.0.0.1:0",
            mode=f"reverse:{self.base_url}",
            config_path=config,
        )

    def attach(self, capture: CaptureProcess) -> None:
        capture.listening.connect(self._start_traffic)

    def _start_traffic(self, address: str) -> None:
        from inspector.demo.traffic import TrafficGenerator

        if self.generator is not None:
            self.generator.stop()
        self.generator = TrafficGenerator(f"http://{address}", rate_per_s=self.rate_per_s)
        self.generator.start()

    def stop_traffic(self) -> None:
        if self.generator is not None:
            self.generator.stop()
            self.generator = None

    def stop(self) -> None:
        self.stop_traffic()
        with contextlib.suppress(Exception):  # the sample server may already be down
            self.api.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
