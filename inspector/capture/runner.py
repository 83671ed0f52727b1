"""Running mitmproxy headless with the recorder: `inspector capture` minus the command line.

mitmproxy runs in-process (a DumpMaster without its terminal log and flow dumper). Once the proxy
really listens, exactly one line goes to stdout, `Listening on HOST:PORT (MODE) -> DB`, which the
GUI parses; everything else goes to stderr. SIGINT and SIGTERM stop the proxy after every
recorded exchange is committed.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import os
import signal
import ssl
import sys
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mitmproxy import ctx, exceptions, options
from mitmproxy.proxy import mode_specs
from mitmproxy.tools.dump import DumpMaster
from mitmproxy.utils import human

from inspector.capture.addon import Recorder
from inspector.capture.writer import WriterStats
from inspector.errors import InspectorError
from inspector.proxy_modes import (
    DEFAULT_LISTEN_HOST,
    DEFAULT_LISTEN_PORT,
    DEFAULT_MODE,
    ProxySettings,
    listening_line,
    parse_listen,
)


class CaptureUsageError(InspectorError):
    """A bad option, mode, database or configuration: nothing was started."""

    exit_code = 2


class CaptureStartError(InspectorError):
    """The proxy could not start, e.g. its port is taken."""

    exit_code = 1


@dataclass
class CaptureOutcome:
    listen_address: str = ""
    stats: WriterStats = field(default_factory=WriterStats)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _describe(mode: mode_specs.ProxyMode) -> str:
    if isinstance(mode, mode_specs.ReverseMode):
        return f"reverse proxy to {mode.data}"
    if isinstance(mode, mode_specs.UpstreamMode):
        return f"upstream proxy via {mode.data}"
    if mode.type_name == "regular":
        return "regular proxy"
    return mode.description


def _listen_failure(exc: Exception, address: str) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRINUSE:
            return (
                f"{address} is already in use; stop the program listening there "
                "or choose another port with --listen."
            )
        if exc.errno == errno.EADDRNOTAVAIL:
            return f"{address} is not an address of this machine; choose another with --listen."
        if exc.errno == errno.EACCES:
            return (
                f"Not allowed to listen on {address} (ports below 1024 need privileges); "
                "choose another port with --listen."
            )
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"Could not listen on {address}: {first_line}"


class _StartupErrors(logging.Handler):
    """Collects errors logged while the proxy starts (what mitmdump's errorcheck does).

    While it collects, it also filters those errors out of the stderr log: they come back as
    one sentence in the failure message instead of twice.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.collecting = True

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])

    def allows_on_stderr(self, record: logging.LogRecord) -> bool:
        return not (self.collecting and record.levelno >= logging.ERROR)


class StartupReporter:
    """Announces the listening address once the proxy runs, or stops it when it could not."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.failure: str | None = None
        self.listen_address = ""
        self._errors = _StartupErrors()
        logging.getLogger().addHandler(self._errors)

    def stop_collecting(self) -> None:
        self._errors.collecting = False
        logging.getLogger().removeHandler(self._errors)

    def allows_on_stderr(self, record: logging.LogRecord) -> bool:
        return self._errors.allows_on_stderr(record)

    def running(self) -> None:
        self.stop_collecting()
        master: Any = ctx.master  # mitmproxy's master is untyped
        proxyserver = master.addons.get("proxyserver")
        announced: list[tuple[str, str]] = []
        for server in proxyserver.servers:
            mode = server.mode
            host = mode.listen_host(ctx.options.listen_host) or "0.0.0.0"
            port = mode.listen_port(ctx.options.listen_port)
            wanted = human.format_address((host, port or 0))
            if server.last_exception is not None or not server.is_running:
                exc = server.last_exception or RuntimeError("not running")
                self.failure = _listen_failure(exc, wanted)
                break
            addresses = server.listen_addrs
            bound = human.format_address(addresses[0]) if addresses else wanted
            announced.append((bound, _describe(mode)))
        if self.failure is None and self._errors.messages:
            self.failure = " ".join(self._errors.messages)
        if self.failure is None and not announced:
            self.failure = "mitmproxy started no proxy server; check --mode."
        if self.failure is not None:
            master.shutdown()
            return
        self.listen_address = announced[0][0]
        modes = ", ".join(description for _, description in announced)
        print(listening_line(self.listen_address, modes, self.db_path), flush=True)


def _check_listen_addresses(opts: Any, allow_remote: bool) -> None:
    for spec in opts.mode:
        try:
            mode = mode_specs.ProxyMode.parse(spec)
        except ValueError as exc:
            raise CaptureUsageError(f"Invalid --mode {spec!r}: {exc}.") from None
        host = mode.listen_host(opts.listen_host)
        if host and is_loopback(host):
            continue
        shown = host or "all interfaces"
        if not allow_remote:
            raise CaptureUsageError(
                f"Refusing to listen on {shown}: anyone who can reach it could use the proxy "
                "and read the traffic. Pass --allow-remote if that is really what you want."
            )
        logging.getLogger("inspector.capture").warning(
            "Listening on %s: anyone who can reach this address can use the proxy.", shown
        )


def _install_stderr_log() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


def _system_ca_file() -> str | None:
    """The PEM bundle OpenSSL trusts here (SSL_CERT_FILE if set), if there is one."""
    cafile = ssl.get_default_verify_paths().cafile
    return cafile if cafile and os.path.isfile(cafile) else None


async def _run(
    settings: ProxySettings, stderr_log: logging.Handler, recorder: Recorder
) -> CaptureOutcome:
    # mitmproxy's master, addon manager and option updates are untyped: Any at this boundary.
    opts: Any = options.Options()
    master: Any = DumpMaster(opts, with_termlog=False, with_dumper=False)
    # Our StartupReporter replaces errorcheck: it names the problem instead of exiting blindly.
    errorcheck = master.addons.get("errorcheck")
    if errorcheck is not None:
        errorcheck.finish()
        master.addons.remove(errorcheck)
    reporter = StartupReporter(settings.db_path)
    stderr_log.addFilter(reporter.allows_on_stderr)
    master.addons.add(recorder, reporter)
    try:
        try:
            opts.update(
                listen_host=DEFAULT_LISTEN_HOST,
                listen_port=DEFAULT_LISTEN_PORT,
                mode=[DEFAULT_MODE],
            )
            system_cas = _system_ca_file()
            if system_cas is not None:
                # APIs are verified against the machine's trust store, not only certifi's:
                # a company CA (an internal API's issuer, TLS inspection) lives there, and
                # mitmproxy would answer 502 to every request for such an API.
                opts.update(ssl_verify_upstream_trusted_ca=system_cas)
            if settings.mitmproxy_options:
                opts.set(*settings.mitmproxy_options)
            explicit: dict[str, object] = {}
            if settings.listen is not None:
                host, port = parse_listen(settings.listen)
                if host:  # a bare port keeps the host --set or the default gives
                    explicit["listen_host"] = host
                explicit["listen_port"] = port
            if settings.mode is not None:
                explicit["mode"] = [settings.mode]
            if explicit:
                opts.update(**explicit)
        except exceptions.OptionsError as exc:
            raise CaptureUsageError(f"{exc}".rstrip(".") + ".") from None
        _check_listen_addresses(opts, settings.allow_remote)
        try:
            opts.update(
                inspector_db=str(settings.db_path),
                inspector_config=str(settings.config_path or ""),
            )
        except exceptions.OptionsError as exc:
            raise CaptureUsageError(str(exc)) from None
    except BaseException:
        reporter.stop_collecting()
        recorder.done()
        raise

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_quiet_cancellations)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, master.shutdown)
    watchdog = (
        asyncio.create_task(_stop_when_orphaned(master)) if settings.exit_with_parent else None
    )
    try:
        await master.run()
    finally:
        _SHUTTING_DOWN.add(loop)
        if watchdog is not None:
            watchdog.cancel()
    if reporter.failure is not None:
        raise CaptureStartError(reporter.failure)
    assert recorder.writer is not None
    return CaptureOutcome(listen_address=reporter.listen_address, stats=recorder.writer.stats)


# Loops whose proxy has stopped: what their abandoned connection tasks report is not news.
_SHUTTING_DOWN: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _quiet_cancellations(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Connections still open at shutdown are cancelled when the loop closes; asyncio's stream
    # callback then logs each cancellation as an error with a traceback: noise, not a failure.
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    # Clients still mid-request when the proxy stops leave connection tasks that mitmproxy
    # abandons; asyncio reports each as "Task was destroyed but it is pending!" when collected.
    # Those requests got no answer, so nothing answered is lost: say nothing.
    if loop in _SHUTTING_DOWN and str(context.get("message", "")).startswith(
        "Task was destroyed but it is pending"
    ):
        return
    loop.default_exception_handler(context)


async def _stop_when_orphaned(master: Any, interval_s: float = 0.5) -> None:
    """Shut the proxy down once our parent has exited (we are then re-parented)."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(interval_s)
    logging.getLogger("inspector.capture").warning(
        "The app that started this proxy has exited; stopping."
    )
    master.shutdown()


def run_capture(settings: ProxySettings) -> CaptureOutcome:
    """Run the proxy until SIGINT or SIGTERM; every recorded exchange is committed on return.

    Raises CaptureUsageError (exit status 2) for bad settings before anything listens, and
    CaptureStartError (exit status 1) when the proxy cannot listen.
    """
    handler = _install_stderr_log()
    recorder = Recorder(close_writer_when_done=False)
    try:
        return asyncio.run(_run(settings, handler, recorder))
    finally:
        # After asyncio.run has wound down the connections still open at shutdown: an exchange
        # one of them completes on the way out (its client got the answer) is committed too.
        recorder.close_writer()
        logging.getLogger().removeHandler(handler)
