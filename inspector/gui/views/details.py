"""The details of one exchange: summary, request and response tabs, and the copy actions."""

from __future__ import annotations

from urllib.parse import parse_qsl

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from inspector import units
from inspector.config.defaults import REDACTED
from inspector.consumer_names import display_name
from inspector.error_words import error_words
from inspector.gui import formatting, theme
from inspector.gui.curl import as_curl
from inspector.gui.views.body_view import BodyView, monospace_font
from inspector.model import Body, Exchange, Headers


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def summary_html(exchange: Exchange, row_id: int | None = None) -> str:
    """The summary tab: what happened, how long it took, how big it was, who asked."""
    brush = theme.status_foreground(exchange.status)
    status_color = (brush.color() if brush is not None else theme.color("text")).name()
    if exchange.status is None:
        outcome = f"<span style='color:{status_color}'><b>failed</b></span>"
    else:
        outcome = (
            f"<span style='color:{status_color}'><b>{exchange.status}</b></span> "
            f"{_escape(exchange.reason)}"
        )
    rows: list[tuple[str, str]] = [
        ("Started", _escape(formatting.full_time(exchange.started_at))),
        ("Duration", units.duration_text(exchange.duration_ms) or "—"),
        ("First byte", units.duration_text(exchange.ttfb_ms) or "—"),
        ("Request body", units.size_text(exchange.request_body.size)),
        ("Response body", units.size_text(exchange.response_body.size)),
        ("Endpoint", f"{_escape(exchange.method)} {_escape(exchange.endpoint or exchange.path)}"),
        ("Protocol", _escape(exchange.http_version)),
    ]
    if exchange.consumer is not None:
        who = exchange.consumer
        name = display_name(who.id, who.label)
        text = f"<b>{_escape(name)}</b>"
        if name != who.id:
            text += f"<br><span style='color:gray'>{_escape(who.id)}</span>"
        extra = " · ".join(_escape(value) for value in (who.email, who.group) if value)
        rows.append(("Consumer", text + (f"<br>{extra}" if extra else "")))
    else:
        rows.append(("Consumer", "<i>none identified</i>"))
    if exchange.client_address:
        rows.append(("Client", _escape(f"{exchange.client_address}:{exchange.client_port or ''}")))
    if exchange.server_address:
        rows.append(("Server", _escape(f"{exchange.server_address}:{exchange.server_port or ''}")))
    if exchange.user_agent:
        rows.append(("User agent", _escape(exchange.user_agent)))
    if exchange.source:  # the program the Intercept menu or `inspector run` launched
        rows.append(("Sent by", _escape(exchange.source)))
    if exchange.websocket_messages is not None:
        rows.append(
            ("WebSocket", f"{exchange.websocket_messages} messages, "
             f"{units.size_text(exchange.websocket_bytes or 0)}")
        )  # fmt: skip
    if row_id is not None:
        rows.append(("Row", str(row_id)))
    error = ""
    if exchange.error:
        error_color = theme.color("error").name()
        words = error_words(exchange.error, exchange.host)
        raw = f"<br><span style='color:gray'>{_escape(exchange.error)}</span>" if (
            words != exchange.error) else ""  # fmt: skip
        error = f"<p style='color:{error_color}'><b>Error:</b> {_escape(words)}{raw}</p>"
    table = "".join(
        f"<tr><td style='padding-right:12px;color:gray'>{name}</td><td>{value}</td></tr>"
        for name, value in rows
    )
    return (
        f"<p style='font-size:large'><b>{_escape(exchange.method)}</b> {outcome}</p>"
        f"<p style='font-family:monospace'>{_escape(exchange.url)}</p>{error}"
        f"<table>{table}</table>"
    )


class PairTable(QTableWidget):
    """Name/value pairs (headers, query parameters) with redacted values marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Name", "Value"])
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(22)

    def set_pairs(self, pairs: list[tuple[str, str]]) -> None:
        self.setRowCount(len(pairs))
        for row, (name, value) in enumerate(pairs):
            name_item = QTableWidgetItem(name)
            value_item = QTableWidgetItem(value)
            value_item.setToolTip(value if len(value) > 60 else "")
            if REDACTED in value:
                value_item.setBackground(theme.color("redacted_bg"))
                value_item.setForeground(theme.color("redacted_fg"))
                value_item.setToolTip("Removed by the redaction rules before it was stored")
            self.setItem(row, 0, name_item)
            self.setItem(row, 1, value_item)


class MessageView(QWidget):
    """One side of an exchange: headers (and the query for requests) above the body."""

    def __init__(self, with_query: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_line = QLabel(self)
        self.first_line.setFont(monospace_font())
        self.first_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.headers = PairTable(self)
        self.query = PairTable(self) if with_query else None
        self.body = BodyView(self)
        pairs = QTabWidget(self)
        pairs.setDocumentMode(True)
        pairs.addTab(self.headers, "Headers")
        if self.query is not None:
            pairs.addTab(self.query, "Query")
        self.pairs = pairs
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(pairs)
        splitter.addWidget(self.body)
        splitter.setChildrenCollapsible(False)
        # The body is what people came for; the headers table scrolls.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([110, 330])
        self.splitter = splitter
        self._shape = (0, True)  # header rows, and whether there is a body to show
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.first_line)
        layout.addWidget(splitter, 1)

    def show_message(
        self, first_line: str, headers: Headers, body: Body, query: str | None = None
    ) -> None:
        self.first_line.setText(first_line)
        self.headers.set_pairs(list(headers))
        self.pairs.setTabText(0, f"Headers ({len(headers)})")
        if self.query is not None:
            pairs = parse_qsl(query or "", keep_blank_values=True)
            self.query.set_pairs(pairs)
            self.pairs.setTabText(1, f"Query ({len(pairs)})")
        self.body.show_body(body)
        self._shape = (len(headers), self.body.kind != "empty")
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()  # a tab shown for the first time, or a resized window

    def _fit(self) -> None:
        """Share the height: every header when there is room, the body the rest.

        Without a body the headers take it all (a "(no body)" box used to take most of it);
        with one, the headers get what their rows need up to half, so a short set of headers
        leaves the body the room and a long one scrolls.
        """
        header_rows, body_shown = self._shape
        total = self.splitter.height()
        if total <= 0:
            return
        body_floor = self.body.minimumSizeHint().height()
        if not body_shown:
            self.splitter.setSizes([max(0, total - body_floor), body_floor])
            return
        table = self.headers
        rows_height = table.verticalHeader().defaultSectionSize() * max(1, header_rows)
        chrome = self.pairs.tabBar().sizeHint().height() + table.horizontalHeader().height()
        wanted = rows_height + chrome + 2 * table.frameWidth() + 4
        headers_height = min(wanted, total // 2)
        self.splitter.setSizes([headers_height, total - headers_height])


class DetailsView(QWidget):
    """Shows the exchange chosen in the table; empty with a hint when none is."""

    copied = Signal(str)  # what was copied, for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.exchange: Exchange | None = None
        self.summary = QTextBrowser(self)
        self.summary.setOpenLinks(False)
        self.request = MessageView(with_query=True, parent=self)
        self.response = MessageView(with_query=False, parent=self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.summary, "Summary")
        self.tabs.addTab(self.request, "Request")
        self.tabs.addTab(self.response, "Response")

        self.copy_curl = QPushButton("Copy as cURL", self)
        self.copy_curl.setToolTip("Copy the request as a curl command (Ctrl+Shift+C)")
        self.copy_url = QPushButton("Copy URL", self)
        self.copy_body = QPushButton("Copy body", self)
        self.copy_body.setToolTip("Copy the body of the request or response tab shown")
        self.copy_curl.clicked.connect(self.copy_as_curl)
        self.copy_url.clicked.connect(self._copy_url)
        self.copy_body.clicked.connect(self._copy_body)
        # Beside the tabs rather than on a row of their own: the height goes to the message.
        buttons_box = QWidget(self)
        buttons = QHBoxLayout(buttons_box)
        buttons.setContentsMargins(0, 0, 4, 0)
        for button in (self.copy_curl, self.copy_url, self.copy_body):
            buttons.addWidget(button)
        self.tabs.setCornerWidget(buttons_box, Qt.Corner.TopRightCorner)

        self.placeholder = QLabel("Select a request to see its headers, bodies and timings.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.placeholder, 1)
        self.show_exchange(None)

    def show_exchange(self, exchange: Exchange | None, row_id: int | None = None) -> None:
        self.exchange = exchange
        has = exchange is not None
        self.tabs.setVisible(has)
        self.placeholder.setVisible(not has)
        for button in (self.copy_curl, self.copy_url, self.copy_body):
            button.setEnabled(has)
        if exchange is None:
            return
        self.summary.setHtml(summary_html(exchange, row_id))
        target = exchange.path + (f"?{exchange.query}" if exchange.query else "")
        self.request.show_message(
            f"{exchange.method} {target} {exchange.http_version}",
            exchange.request_headers,
            exchange.request_body,
            exchange.query,
        )
        if exchange.status is None:
            reason = error_words(exchange.error, exchange.host) if exchange.error else ""
            first = f"No response: {reason or 'unknown error'}"
        else:
            first = f"{exchange.http_version} {exchange.status} {exchange.reason}"
        self.response.show_message(first, exchange.response_headers, exchange.response_body)

    def copy_as_curl(self) -> None:
        if self.exchange is not None:
            QGuiApplication.clipboard().setText(as_curl(self.exchange))
            self.copied.emit("cURL command")

    def _copy_url(self) -> None:
        if self.exchange is not None:
            QGuiApplication.clipboard().setText(self.exchange.url)
            self.copied.emit("URL")

    def _copy_body(self) -> None:
        if self.exchange is None:
            return
        side = self.tabs.currentWidget()
        body = self.exchange.request_body if side is self.request else self.exchange.response_body
        text = body.text
        if text is None:
            QGuiApplication.clipboard().setText(body.content.hex())
            self.copied.emit("body (as hex)")
        else:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit("request body" if side is self.request else "response body")
