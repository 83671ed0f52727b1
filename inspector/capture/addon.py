"""The mitmproxy addon: records every HTTP exchange (and WebSocket) into a capture database.

Hooks only convert, apply the configuration's rules and hand over to the writer thread, so the
proxy's event loop never waits on the disk. Large, chunked and streamed bodies are recorded
chunk by chunk as they pass, never buffered whole. Content never reaches a log.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader

from inspector.capture.bodies import BodyRecorder
from inspector.capture.clients import ClientTags, is_probe
from inspector.capture.convert import (
    failed_connect_to_exchange,
    flow_to_exchange,
    header_text,
    request_host,
)
from inspector.capture.writer import ExchangeWriter
from inspector.config import Config, ConfigError, ConfigWatcher
from inspector.paths import default_config_path, default_db_path
from inspector.store import DatabaseError

logger = logging.getLogger("inspector.capture")


def _needs_streaming(message: http.Message, max_body_bytes: int) -> bool:
    """Stream (and record chunk by chunk) any body that is too large or of unknown length."""
    # One pass over the raw fields: this runs twice per flow, and header lookups add up.
    length: bytes | None = None
    chunked = False
    for name, value in message.headers.fields:
        lowered = name.lower()
        if lowered == b"content-length":
            length = value
        elif lowered == b"transfer-encoding":
            chunked = True
    if length is None:
        # An HTTP/1 request announces a body with one of the two headers; anything else
        # (chunked, read-until-close, HTTP/2 and 3 frames) may carry a body of unknown length.
        return chunked or not (
            isinstance(message, http.Request) and message.data.http_version.startswith(b"HTTP/1")
        )
    try:
        return int(length) > max_body_bytes
    except ValueError:
        return True


class Recorder:
    """Records HTTP exchanges into an API Inspector database, applying its configuration."""

    def __init__(self, *, close_writer_when_done: bool = True) -> None:
        # mitmproxy runs an addon's `addons` too: whoever loads the recorder (inspector capture,
        # mitmdump -s addons/capture.py) gets source tags and the capture probe with it.
        self.addons = [ClientTags()]
        self.writer: ExchangeWriter | None = None
        self._watcher: ConfigWatcher | None = None
        self._reported_config_error: str | None = None
        # Upgraded flows are written when their WebSocket ends, with its message counts.
        self._open_websockets: dict[str, http.HTTPFlow] = {}
        # Inside mitmdump the writer closes with the `done` hook. `inspector capture` closes it
        # later, once the event loop is gone: connections still open at `done` can complete an
        # exchange (and answer their client) while asyncio winds them down.
        self._close_writer_when_done = close_writer_when_done

    def load(self, loader: Loader) -> None:
        loader.add_option(
            "inspector_db",
            str,
            "",
            "API Inspector: the capture database (SQLite) that every HTTP exchange is recorded "
            "into. Empty means $INSPECTOR_DB, else capture.db in the user data directory. "
            "A file that is not an API Inspector database is refused, never overwritten.",
        )
        loader.add_option(
            "inspector_config",
            str,
            "",
            "API Inspector: the configuration file (TOML) with capture scope, consumer grouping "
            "and redaction rules; edits take effect while running. Empty means $INSPECTOR_CONFIG, "
            "else config.toml in the user config directory if it exists, else built-in rules "
            "(which already redact credentials).",
        )

    def configure(self, updated: set[str]) -> None:
        # Only react to our own options, and only to values someone set: mitmproxy reports every
        # option as updated when the addon loads, before `--set inspector_db=...` arrives, and
        # opening the default then would create (or refuse) a database nobody asked for.
        # Unset options fall back to the defaults in running().
        if "inspector_config" in updated and ctx.options.inspector_config:
            self._open_config()
        if "inspector_db" in updated and ctx.options.inspector_db:
            self._open_writer()

    def running(self) -> None:
        # Embedded without ever setting our options: fall back to the defaults now.
        if self._watcher is None:
            self._open_config()
        if self.writer is None:
            self._open_writer()

    def _open_config(self) -> None:
        option = ctx.options.inspector_config
        path = Path(option).expanduser() if option else default_config_path()
        try:
            watcher = ConfigWatcher(path)
        except ConfigError as exc:
            raise exceptions.OptionsError(str(exc)) from None  # type: ignore[no-untyped-call]
        if self._watcher is not None:
            self._watcher.stop()
        # Edits are reloaded on the watcher's thread, never inside a request hook.
        watcher.start_polling()
        self._watcher = watcher
        self._reported_config_error = None

    def _open_writer(self) -> None:
        option = ctx.options.inspector_db
        path = Path(option).expanduser() if option else default_db_path()
        if self.writer is not None and self.writer.db_path == path:
            return
        writer = ExchangeWriter(path)
        try:
            writer.start()
        except DatabaseError as exc:
            raise exceptions.OptionsError(str(exc)) from None  # type: ignore[no-untyped-call]
        if self._watcher is not None:
            writer.set_retention(self._watcher.current().capture.retention)
        if self.writer is not None:
            self.writer.close()
        self.writer = writer
        logger.info("Recording exchanges into %s", path)

    def _config(self) -> Config:
        if self._watcher is None:
            self._open_config()
            assert self._watcher is not None
        config = self._watcher.current()
        if self.writer is not None:
            # Hot-reloaded limits reach the writer thread, which prunes between its batches.
            self.writer.set_retention(config.capture.retention)
        problem = self._watcher.last_error
        if problem is not None and problem != self._reported_config_error:
            logger.warning("API Inspector configuration: %s", problem)
        self._reported_config_error = problem
        return config

    def _in_scope(self, flow: http.HTTPFlow, config: Config) -> bool:
        request = flow.request
        path = request.data.path.partition(b"?")[0].decode("utf-8", "replace")
        return config.wants(request_host(request), request.port, path)

    def _start_recording(self, flow: http.HTTPFlow, message: http.Message) -> None:
        """Record a body chunk by chunk as it streams past, if it must not be buffered whole."""
        if callable(message.stream):
            return  # another addon transforms this stream; we leave it alone
        config = self._config()
        # The field scan is cheaper than the scope check, and most bodies are small.
        max_body_bytes = config.capture.max_body_bytes
        if _needs_streaming(message, max_body_bytes) and self._in_scope(flow, config):
            message.stream = BodyRecorder(
                content_encoding=header_text(message.headers, "content-encoding"),
                content_type=header_text(message.headers, "content-type"),
                max_bytes=max_body_bytes,
            )

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self._start_recording(flow, flow.request)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            self._start_recording(flow, flow.response)

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is not None:
            self._open_websockets[flow.id] = flow
            return
        self._record(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        # An HTTPS API that is down or unresolvable fails at the CONNECT (mitmproxy connects
        # upstream eagerly), so no request hook ever runs: without this it left no trace.
        self._record(flow, failed_connect=True)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._open_websockets.pop(flow.id, None)
        self._record(flow)

    def done(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        # WebSockets still open at shutdown are recorded with the messages seen so far.
        for flow in list(self._open_websockets.values()):
            self._record(flow)
        self._open_websockets.clear()
        if self._close_writer_when_done:
            self.close_writer()

    def close_writer(self) -> None:
        """Commit every exchange handed over so far and close the database."""
        if self.writer is not None:
            self.writer.close()
            logger.info(
                "Recorded %d exchanges into %s", self.writer.stats.written, self.writer.db_path
            )

    def _record(self, flow: http.HTTPFlow, *, failed_connect: bool = False) -> None:
        if self.writer is None or is_probe(flow):
            return
        try:
            config = self._config()
            convert = failed_connect_to_exchange if failed_connect else flow_to_exchange
            exchange = config.process(convert(flow, max_body_bytes=config.capture.max_body_bytes))
        except Exception as exc:  # one bad flow must not stop the recording
            # The exception text may quote request content: log its type and place only.
            where = "".join(traceback.format_tb(exc.__traceback__))
            logger.error(
                "Could not record an exchange (%s); proxying continues.\n%s",
                type(exc).__name__,
                where,
            )
            return
        if exchange is not None:
            self.writer.put(exchange)
