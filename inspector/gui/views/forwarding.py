"""Live forwarding in the app: the Capture > Forward to submenu and its state in the status bar.

The proxy child forwards (`inspector capture --forward NAME`), so forwarding survives a busy
window; the app only chooses the names and reads the state the forwarders record in the
database's export cursors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QWidget

from inspector.errors import InspectorError
from inspector.exporters.cursors import FAILING, SENDING, STOPPED, CursorState
from inspector.gui import theme
from inspector.gui.capture_process import CaptureProcess, CaptureState
from inspector.gui.workers import QueryRunner

FORWARD_KEY = "capture/forward"
NO_DESTINATIONS = "No [export] destinations in the configuration"


def config_path_of(capture: CaptureProcess | None) -> Path | None:
    """The configuration the proxy uses: its --config file, else the default one."""
    from inspector.paths import default_config_path

    configured = capture.settings.config_path if capture is not None else None
    return configured or default_config_path()


def load_exports(config_path: Path | None) -> dict[str, dict[str, Any]]:
    """The `[export.NAME]` tables of the configuration; none when it is absent or broken
    (the proxy reports a broken configuration itself)."""
    from inspector.config import load_config

    if config_path is None or not config_path.exists():
        return {}
    try:
        return dict(load_config(config_path).exports)
    except InspectorError:
        return {}


@dataclass(frozen=True)
class ForwardState:
    """What the database says about one forwarded destination."""

    name: str
    cursor: CursorState | None  # None until its forwarder recorded anything
    queued: int
    problem: str = ""  # why it cannot run at all (a missing credential...)


def first_words(message: str) -> str:
    """A message's first sentence, cut to fit a status bar; the tooltip has it whole."""
    text = message.split(". ")[0].strip().rstrip(".")
    return text if len(text) <= 60 else text[:59] + "…"


def short_reason(cursor: CursorState) -> str:
    """`401, credential refused`, `HTTP 400 refused` from the status that stopped a destination;
    the message's first sentence otherwise (retries ran out, the network failed)."""
    status = cursor.http_status
    if status in (401, 403):
        return f"{status}, credential refused"
    if status is not None:
        return f"HTTP {status} refused"
    return first_words(cursor.message) if cursor.message else "see the tooltip"


def describe(state: ForwardState, proxy_running: bool) -> tuple[str, str, bool]:
    """(label, tooltip, failing) for one destination."""
    name, cursor = state.name, state.cursor
    queued = f"{state.queued:,} queued"
    if state.problem:
        return f"{name}: not started — {first_words(state.problem)}", state.problem, True
    if cursor is not None and cursor.state in (FAILING, STOPPED):
        word = "failing" if cursor.state == FAILING else "stopped"
        reason = short_reason(cursor)
        return f"{name}: {word} — {reason}", cursor.message or word, True
    if not proxy_running:
        return f"{name}: stopped with the proxy, {queued}", "Forwarding runs in the proxy.", False
    if cursor is None or cursor.last_id == 0:
        word = "starting" if cursor is None else "nothing sent"
        return f"{name}: {word}, {queued}", f"Forwarding to {name}.", False
    verb = "sending, sent" if cursor.state == SENDING else "sent"
    return f"{name}: {verb} up to #{cursor.last_id:,}, {queued}", f"Forwarding to {name}.", False


def read_states(keys: Mapping[str, str]) -> Callable[[sqlite3.Connection], list[ForwardState]]:
    """A query for the runner: each name's cursor (looked up by its cursor key) and backlog."""

    def query(conn: sqlite3.Connection) -> list[ForwardState]:
        from inspector.exporters.cursors import list_cursors, pending_count

        cursors = {cursor.destination: cursor for cursor in list_cursors(conn)}
        return [
            ForwardState(name, cursors.get(key), pending_count(conn, key))
            for name, key in keys.items()
        ]

    return query


class ForwardingStatus(QWidget):
    """One compact label per forwarded destination, in the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(12)
        self.labels: dict[str, QLabel] = {}
        self.hide()

    def show_states(self, states: list[ForwardState], proxy_running: bool) -> None:
        for name in [n for n in self.labels if n not in {s.name for s in states}]:
            self.labels.pop(name).deleteLater()
        for state in states:
            label = self.labels.get(state.name)
            if label is None:
                label = QLabel(self)
                label.setObjectName(f"forward_{state.name}")
                self._layout.addWidget(label)
                self.labels[state.name] = label
            text, tip, failing = describe(state, proxy_running)
            color = theme.color("error" if failing else "muted").name()
            label.setText(text)
            label.setStyleSheet(f"color: {color};")
            label.setToolTip(tip)
        self.setVisible(bool(states))

    def text(self) -> str:
        return "  ".join(label.text() for label in self.labels.values())


class ForwardingControl(QObject):
    """Owns the Forward to submenu, the chosen names (kept in QSettings) and the status refresh.

    Toggling a name restarts a running proxy with the new `--forward` list; a stopped proxy
    uses it at its next start. Names no longer in the configuration are dropped.
    """

    def __init__(
        self,
        parent: QWidget,
        capture: CaptureProcess | None,
        runner: QueryRunner,
        settings: QSettings,
        status: ForwardingStatus,
        is_live: Callable[[], bool],
        interval_ms: int = 2000,
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.runner = runner
        self.settings = settings
        self.status = status
        self.is_live = is_live
        self.exports = load_exports(config_path_of(capture))
        self.menu = QMenu("Forward to", parent)
        self.menu.setObjectName("forwardMenu")
        self.actions: dict[str, QAction] = {}
        self._keys: dict[str, str] = {}
        self._problems: dict[str, str] = {}
        value = settings.value(FORWARD_KEY, [], type=list)
        saved = [str(name) for name in value] if isinstance(value, list) else []
        if capture is not None and not capture.settings.forward:
            chosen = tuple(name for name in self.exports if name in saved)
            capture.settings = capture.settings.with_changes(forward=chosen)
        self._build_menu()
        self._update_keys()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        if capture is not None:
            capture.state_changed.connect(lambda _state: self.refresh())
        self.refresh()

    @property
    def forwarded(self) -> tuple[str, ...]:
        return self.capture.settings.forward if self.capture is not None else ()

    def _build_menu(self) -> None:
        if not self.exports or self.capture is None:
            empty = self.menu.addAction(NO_DESTINATIONS)
            empty.setEnabled(False)
            return
        for name, table in self.exports.items():
            kind = str(table.get("type", name))
            action = self.menu.addAction(name if kind == name else f"{name} ({kind})")
            action.setCheckable(True)
            action.setChecked(name in self.forwarded)
            action.toggled.connect(lambda on, n=name: self.set_forwarded(n, on))
            self.actions[name] = action

    def set_forwarded(self, name: str, on: bool) -> None:
        if self.capture is None or (name in self.forwarded) == on:
            return
        wanted = set(self.forwarded) ^ {name}
        chosen = tuple(n for n in self.exports if n in wanted)  # configuration order
        self.settings.setValue(FORWARD_KEY, list(chosen))
        new_settings = self.capture.settings.with_changes(forward=chosen)
        # A proxy that failed (say, for a destination's missing key) gets its chance again.
        if self.capture.is_running or self.capture.state == CaptureState.FAILED:
            self.capture.restart(new_settings)
        else:
            self.capture.settings = new_settings
        self.actions[name].setChecked(on)
        self._update_keys()
        self.refresh()

    def _update_keys(self) -> None:
        """Cursor keys of the forwarded names, as the proxy's forwarders compute them."""
        from inspector.exporters.registry import build_exporter

        self._keys, self._problems = {}, {}
        for name in self.forwarded:
            try:
                exporter = build_exporter(name, table=self.exports.get(name, {}))
            except InspectorError as exc:
                self._problems[name] = str(exc)
                continue
            self._keys[name] = exporter.cursor_key

    def refresh(self) -> None:
        if not self.forwarded or not self.is_live():
            self.status.show_states([], False)
            return
        running = self.capture is not None and self.capture.state == CaptureState.LISTENING
        problems = [ForwardState(name, None, 0, why) for name, why in self._problems.items()]

        def show(states: list[ForwardState]) -> None:
            self.status.show_states(states + problems, running)

        if not self._keys:
            show([])
            return
        self.runner.submit("forwarding", read_states(dict(self._keys)), show, lambda _m: None)

    def stop(self) -> None:
        self._timer.stop()
        self.runner.cancel("forwarding")
