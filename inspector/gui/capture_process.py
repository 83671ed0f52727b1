"""The proxy as a child process: start, stop and restart `inspector capture`; report its state."""

from __future__ import annotations

import enum
import sys

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from inspector.proxy_modes import DEFAULT_MODE, ProxySettings, parse_listening

STOP_TIMEOUT_MS = 8000


class CaptureState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    LISTENING = "listening"
    STOPPING = "stopping"
    FAILED = "failed"


def child_arguments(settings: ProxySettings) -> list[str]:
    """The app's proxy runs as `python -m inspector capture ...`, and stops with the app."""
    return ["-m", "inspector", *settings.with_changes(exit_with_parent=True).arguments()]


def describe_mode(mode: str) -> str:
    if mode.startswith("reverse:"):
        return f"reverse proxy to {mode.removeprefix('reverse:')}"
    if mode.startswith("upstream:"):
        return f"via upstream {mode.removeprefix('upstream:')}"
    return "regular proxy" if mode in ("", DEFAULT_MODE) else mode


class CaptureProcess(QObject):
    """Runs one `inspector capture` child at a time and tells what it is doing.

    Listening is known from the child's `Listening on HOST:PORT` line (the real port, so
    `127.0.0.1:0` works). A failure keeps the child's own `Error: ...` text as the reason.
    Stopping sends SIGTERM, which makes capture commit everything before it exits.
    """

    state_changed = Signal(object)  # CaptureState
    listening = Signal(str)  # the real HOST:PORT

    def __init__(self, settings: ProxySettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.state = CaptureState.STOPPED
        self.address = ""  # the real HOST:PORT once listening
        self.reason = ""  # why it failed, in the child's words
        self._stderr = ""
        self._stdout_buffer = ""
        self._restart_after_stop = False
        self._process: QProcess | None = None
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

    # --- Control ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._process is not None:
            return
        self.address, self.reason, self._stderr, self._stdout_buffer = "", "", "", ""
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        # The ready line must reach us at once, not when a pipe buffer fills.
        environment.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(environment)
        process.setProgram(sys.executable)
        process.setArguments(child_arguments(self.settings))
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        self._set_state(CaptureState.STARTING)
        process.start()

    def stop(self) -> None:
        """Ask the child to finish (SIGTERM); it is killed if it has not exited in time."""
        self._restart_after_stop = False
        self._terminate()

    def restart(self, settings: ProxySettings | None = None) -> None:
        if settings is not None:
            self.settings = settings
        if self._process is None:
            self.start()
            return
        self._restart_after_stop = True
        self._terminate()

    def stop_and_wait(self, timeout_ms: int = STOP_TIMEOUT_MS) -> None:
        """Stop synchronously: used on quit and before the database file is swapped."""
        process = self._process
        self._restart_after_stop = False
        if process is None:
            return
        if self.state != CaptureState.STOPPING:
            self._set_state(CaptureState.STOPPING)
            process.terminate()
        if not process.waitForFinished(timeout_ms):
            process.kill()
            process.waitForFinished(2000)

    @property
    def is_running(self) -> bool:
        return self._process is not None

    def describe(self) -> str:
        """The state as the status bar says it."""
        mode = self.settings.proxy_mode
        if self.state == CaptureState.LISTENING:
            if mode.startswith("reverse:"):
                return (
                    f"Listening on {self.address}, reverse proxy to {mode.removeprefix('reverse:')}"
                )
            return f"Listening on {self.address} ({describe_mode(mode)})"
        if self.state == CaptureState.STARTING:
            return f"Starting proxy on {self.settings.listen_address}…"
        if self.state == CaptureState.STOPPING:
            return "Stopping proxy…"
        if self.state == CaptureState.FAILED:
            return f"Capture failed: {self.reason}"
        return "Capture stopped"

    # --- Child process events --------------------------------------------------------------

    def _terminate(self) -> None:
        process = self._process
        if process is None:
            return
        if self.state != CaptureState.STOPPING:
            self._set_state(CaptureState.STOPPING)
            process.terminate()
            self._kill_timer.start(STOP_TIMEOUT_MS)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        self._stdout_buffer += bytes(self._process.readAllStandardOutput().data()).decode(
            "utf-8", "replace"
        )
        *lines, self._stdout_buffer = self._stdout_buffer.split("\n")
        for line in lines:
            listening = parse_listening(line)
            if listening and self.state == CaptureState.STARTING:
                self.address = listening[0]
                self._set_state(CaptureState.LISTENING)
                self.listening.emit(self.address)

    def _read_stderr(self) -> None:
        if self._process is None:
            return
        text = bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace")
        # Keep the tail only: a long-running child may log a lot.
        self._stderr = (self._stderr + text)[-8000:]

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self.reason = f"cannot run {sys.executable}: {self._process.errorString()}"
            self._process.deleteLater()
            self._process = None
            self._set_state(CaptureState.FAILED)

    def _finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._kill_timer.stop()
        process = self._process
        if process is not None:
            self._read_stderr()
            process.deleteLater()
        self._process = None
        stopping = self.state == CaptureState.STOPPING
        if stopping or (exit_code == 0 and exit_status == QProcess.ExitStatus.NormalExit):
            self._set_state(CaptureState.STOPPED)
            if self._restart_after_stop:
                self._restart_after_stop = False
                self.start()
            return
        self.reason = _reason(self._stderr, exit_code, exit_status)
        self._set_state(CaptureState.FAILED)

    def _set_state(self, state: CaptureState) -> None:
        self.state = state
        self.state_changed.emit(state)


def _reason(stderr: str, exit_code: int, exit_status: QProcess.ExitStatus) -> str:
    """The child's own explanation: its `Error:` lines, else its last line, else the exit code."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("Error:").strip() for line in lines if line.startswith("Error:")]
    if errors:
        return " ".join(errors)
    if lines:
        return lines[-1]
    if exit_status == QProcess.ExitStatus.CrashExit:
        return "the proxy process crashed"
    return f"the proxy exited with status {exit_code}"
