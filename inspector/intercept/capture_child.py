"""A capture started for launched programs: `inspector capture` as a child process."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading

from inspector.proxy_modes import ProxySettings, parse_listening

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


class CaptureChildFailed(Exception):
    """The capture did not start; `exit_code` is its own (2 for bad options, 1 otherwise)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CaptureChild:
    """`inspector capture` for the programs one launcher starts, stopped when they are done.

    It runs in its own session, so Ctrl-C in the terminal reaches the program, not the capture,
    and `--exit-with-parent` stops it (everything committed) should the launcher die.
    """

    def __init__(self, settings: ProxySettings, *, source: str = "") -> None:
        if source:  # what its exchanges are labelled with, e.g. `curl` or `browser`
            options = (*settings.mitmproxy_options, f"inspector_source={source}")
            settings = settings.with_changes(mitmproxy_options=options)
        settings = settings.with_changes(exit_with_parent=True)
        argv = [sys.executable, "-m", "inspector", *settings.arguments()]
        self.stderr_lines: list[str] = []
        self.host = ""
        self.port = 0
        self._listening = threading.Event()
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            listening = parse_listening(line)
            if listening and not self._listening.is_set():
                _, self.host, self.port = listening
                self._listening.set()
        self._listening.set()  # it exited: stop waiting

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self.stderr_lines.append(line.rstrip("\n"))

    @property
    def started(self) -> bool | None:
        """True once listening, False if it exited without, None while it is starting.

        For callers that cannot block (the app polls this from a timer).
        """
        if self.port:
            return True
        if self._listening.is_set() or self._process.poll() is not None:
            return False
        return None

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def failure(self) -> CaptureChildFailed:
        """Why it did not start (after `started` turned False)."""
        self._process.wait()
        for reader in self._readers:
            reader.join(5)
        errors = [line.removeprefix("Error: ") for line in self.stderr_lines if line.strip()]
        message = " ".join(errors) or f"The capture exited with status {self._process.returncode}."
        return CaptureChildFailed(message, 2 if self._process.returncode == 2 else 1)

    def wait_listening(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Return once the proxy accepts connections; raise CaptureChildFailed if it cannot."""
        ended = self._listening.wait(timeout_s)
        if self.port:
            return
        if ended:
            # Its stdout closed: it is exiting, but may not have been reaped yet. Without this
            # wait its own error (and exit status) would be lost to the timeout message below.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(STOP_TIMEOUT_S)
        if self._process.poll() is None:
            self.stop()
            raise CaptureChildFailed(f"The capture did not start within {timeout_s:.0f} s.", 1)
        raise self.failure()

    def stop(self) -> int:
        """Stop it; every exchange it captured is committed when this returns. Its exit status."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for reader in self._readers:
            reader.join(5)
        return self._process.returncode
