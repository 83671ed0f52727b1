"""The Intercept menu's work: programs launched with their traffic through the app's capture.

A command or a terminal joins the app's proxy with its own source tag in the proxy URL. A
browser cannot send proxy credentials, so it gets a capture of its own (same database, CA and
rules) that tags everything it sees, a throwaway profile, and mitmproxy's CA trusted by its
SPKI pin for that profile only. Nothing is installed; programs launched here are closed, and
their files deleted, when the app quits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from inspector.errors import InspectorError
from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.intercept.capture_child import CaptureChild
from inspector.intercept.session import InterceptSession
from inspector.intercept.tags import proxy_url, source_label
from inspector.intercept.trust import TrustError
from inspector.proxy_modes import ProxySettings

# Tried in order when $TERMINAL names none: Debian's alternative first, it is the user's choice.
TERMINALS = ("x-terminal-emulator", "gnome-terminal", "konsole", "xfce4-terminal", "kitty",
             "alacritty", "wezterm", "foot", "xterm")  # fmt: skip
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
            "brave-browser", "microsoft-edge")  # fmt: skip
MAC_BROWSERS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
_STOP_WAIT_MS = 5000


class InterceptUnavailable(InspectorError):
    """Nothing can be launched now; the message says why and what to do."""


def find_terminal(environ: Mapping[str, str]) -> list[str] | None:
    """The user's terminal emulator: $TERMINAL, else the first of TERMINALS on PATH."""
    chosen = environ.get("TERMINAL", "").strip()
    if chosen:
        return shlex.split(chosen)
    for name in TERMINALS:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return [found]
    return None


def find_browser(environ: Mapping[str, str]) -> str | None:
    """A Chromium-family browser: $INSPECTOR_BROWSER, else the first of BROWSERS installed."""
    chosen = environ.get("INSPECTOR_BROWSER", "").strip()
    if chosen:
        return chosen
    for name in BROWSERS:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return found
    if sys.platform == "darwin":
        return next((path for path in MAC_BROWSERS if os.path.exists(path)), None)
    return None


def browser_arguments(proxy: str, spki: str, profile: Path, url: str = "") -> list[str]:
    """Chromium's flags for a throwaway profile that uses `proxy` and trusts the CA pinned."""
    arguments = [
        f"--user-data-dir={profile}",  # the SPKI flag is honoured only with a profile of our own
        f"--proxy-server={proxy}",
        # Chromium never proxies loopback unless told: a local API is the point here.
        "--proxy-bypass-list=<-loopback>",
        f"--ignore-certificate-errors-spki-list={spki}",
        "--no-first-run",
        "--no-default-browser-check",
        # Chromium's own update and sync calls would fill the capture with noise.
        "--disable-background-networking",
        "--disable-component-update",
    ]
    return [*arguments, url] if url else arguments


def _qt_environment(environ: Mapping[str, str]) -> QProcessEnvironment:
    environment = QProcessEnvironment()
    for name, value in environ.items():
        environment.insert(name, value)
    return environment


@dataclass
class Launched:
    """A program the app started, and (for a browser) the capture it has of its own."""

    source: str
    description: str
    process: QProcess
    capture: CaptureChild | None = None
    profile: Path | None = None  # a browser's throwaway profile, deleted when it exits
    output: list[str] = field(default_factory=list)


class Interceptor(QObject):
    """Launches commands, terminals and browsers whose traffic the app's capture records."""

    launched = Signal(str, str)  # source, what was started
    finished = Signal(str, int)  # source, exit status
    failed = Signal(str)  # why a launch did not work

    def __init__(
        self,
        capture: CaptureProcess | None,
        parent: QObject | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.environ = dict(os.environ if environ is None else environ)
        self.programs: list[Launched] = []
        self._session: InterceptSession | None = None
        self._timers: list[QTimer] = []

    # --- What can be done now --------------------------------------------------------------

    def unavailable_reason(self) -> str | None:
        """Why nothing can be launched now, or None."""
        capture = self.capture
        if capture is None:
            return "This window browses a database without a proxy."
        if capture.state != CaptureState.LISTENING or not capture.address:
            return "Start the proxy first."
        if capture.settings.proxy_mode.startswith("reverse:"):
            return (
                "The proxy runs as a reverse proxy: point your client's base URL at "
                f"http://{capture.address} instead."
            )
        return None

    def _host_port(self) -> tuple[str, int]:
        assert self.capture is not None
        host, _, port = self.capture.address.rpartition(":")
        return host.strip("[]"), int(port)

    def session(self) -> InterceptSession:
        """Trust files for the capture as it listens now (made again if its address moved)."""
        reason = self.unavailable_reason()
        if reason is not None:
            raise InterceptUnavailable(reason)
        assert self.capture is not None
        host, port = self._host_port()
        session = self._session
        if session is not None and (session.host, session.port) == (host, port):
            return session
        if session is not None:
            session.close()
            self._session = None
        try:
            self._session = InterceptSession(
                host, port, self.capture.settings.confdir, self.environ
            )
        except TrustError as exc:
            raise InterceptUnavailable(str(exc)) from None
        return self._session

    # --- Launching ---------------------------------------------------------------------------

    def _start(
        self, program: str, arguments: list[str], environment: Mapping[str, str], launched: Launched
    ) -> None:
        process = launched.process
        process.setProgram(program)
        process.setArguments(arguments)
        process.setProcessEnvironment(_qt_environment(environment))
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(lambda: self._read(launched))
        process.finished.connect(lambda code, _status: self._finished(launched, code))
        process.errorOccurred.connect(lambda error: self._error(launched, error))
        process.start()
        self.launched.emit(launched.source, launched.description)

    def run_command(self, command: list[str]) -> Launched:
        """Start `command` (output collected in `output`), tagged with its own source."""
        if not command:
            raise InterceptUnavailable("Type a command to run.")
        session = self.session()
        source = source_label(command)
        launched = self._launched(source, shlex.join(command))
        self._start(command[0], command[1:], session.environment(source), launched)
        return launched

    def open_terminal(self) -> Launched:
        """The user's terminal, with every program started in it going through the capture."""
        session = self.session()
        terminal = find_terminal(self.environ)
        if terminal is None:
            raise InterceptUnavailable(
                "No terminal emulator found: set TERMINAL to yours (for example TERMINAL=kitty)."
            )
        source = source_label(["terminal"])
        launched = self._launched(source, f"terminal ({Path(terminal[0]).name})")
        self._start(terminal[0], terminal[1:], session.environment(source), launched)
        return launched

    def open_browser(self, url: str = "") -> Launched:
        """Chromium or Chrome with a throwaway profile; it starts once its capture listens."""
        session = self.session()
        browser = find_browser(self.environ)
        if browser is None:
            raise InterceptUnavailable(
                "No Chromium or Chrome found: install one, or set INSPECTOR_BROWSER to its path."
            )
        assert self.capture is not None
        settings = self.capture.settings
        source = source_label([Path(browser).name])
        # Its own proxy on a free port, so the browser's traffic carries its source label.
        own = ProxySettings(settings.db_path, "127.0.0.1:0", config_path=settings.config_path,
                            mitmproxy_options=settings.mitmproxy_options)  # fmt: skip
        capture = CaptureChild(own, source=source)
        profile = session.directory / f"profile-{source}"
        launched = self._launched(source, f"browser ({Path(browser).name})", capture, profile)
        timer = QTimer(self)
        timer.setInterval(50)
        self._timers.append(timer)

        def check() -> None:
            started = capture.started
            if started is None:
                return
            timer.stop()
            self._timers.remove(timer)
            timer.deleteLater()
            if not started:
                self.failed.emit(f"The browser's capture did not start: {capture.failure()}")
                return
            proxy = proxy_url(capture.host, capture.port)
            arguments = browser_arguments(proxy, session.trust.spki, profile, url)
            extra = shlex.split(self.environ.get("INSPECTOR_BROWSER_ARGS", ""))
            self._start(browser, [*extra, *arguments], self.environ, launched)

        timer.timeout.connect(check)
        timer.start()
        return launched

    def _launched(
        self,
        source: str,
        description: str,
        capture: CaptureChild | None = None,
        profile: Path | None = None,
    ) -> Launched:
        launched = Launched(source, description, QProcess(self), capture, profile)
        self.programs.append(launched)  # from now on, close() takes care of it
        return launched

    # --- Programs' lives ---------------------------------------------------------------------

    def _read(self, launched: Launched) -> None:
        data = bytes(launched.process.readAllStandardOutput().data())
        launched.output.append(data.decode("utf-8", "replace"))

    def _finished(self, launched: Launched, code: int) -> None:
        self._release(launched)
        self.finished.emit(launched.source, code)

    def _release(self, launched: Launched) -> None:
        if launched.capture is not None:
            launched.capture.stop()  # everything the browser sent is committed
        if launched.profile is not None:
            shutil.rmtree(launched.profile, ignore_errors=True)

    def _error(self, launched: Launched, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._release(launched)
            self.failed.emit(
                f"Could not start {launched.description}: {launched.process.errorString()}"
            )

    def close(self) -> None:
        """Close every launched program and its capture, then delete the trust files."""
        for timer in self._timers:
            timer.stop()
        self._timers.clear()
        for launched in self.programs:
            process = launched.process
            if process.state() != QProcess.ProcessState.NotRunning:
                process.terminate()
                if not process.waitForFinished(_STOP_WAIT_MS):
                    process.kill()
                    process.waitForFinished(1000)
            self._release(launched)
        self.programs.clear()
        if self._session is not None:
            self._session.close()
            self._session = None
