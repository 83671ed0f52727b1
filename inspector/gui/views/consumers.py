"""The consumers list view: choosing a consumer filters every other view."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from inspector.gui import theme
from inspector.gui.models import consumers as columns
from inspector.gui.models.consumers import (
    ALL,
    ANONYMOUS,
    SUBTITLE_ROLE,
    ConsumerListModel,
    ConsumerRow,
)
from inspector.store.filter_syntax import quote_value

_LEFT_BOTTOM = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
_LEFT_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


class NameDelegate(QStyledItemDelegate):
    """The consumer's name with its e-mail and group (or id) in a muted second line."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        subtitle = index.data(SUBTITLE_ROLE) or ""
        if not subtitle:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(4, 1, -4, -1)
        half = rect.height() // 2
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setFont(opt.font)
        if selected:
            painter.setPen(opt.palette.highlightedText().color())
        name = opt.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.adjusted(0, 0, 0, -half), int(_LEFT_BOTTOM), name)
        small = opt.font
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        if not selected:
            painter.setPen(theme.color("muted"))
        line = painter.fontMetrics().elidedText(subtitle, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.adjusted(0, half, 0, 0), int(_LEFT_TOP), line)
        painter.restore()


class ConsumersView(QTableView):
    """Emits `consumer_selected(ConsumerRow)`; the "All consumers" row selects everyone."""

    consumer_selected = Signal(object)
    quick_filter = Signal(str)
    rename_requested = Signal(object)  # a ConsumerRow to name

    def __init__(self, model: ConsumerListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.naming_allowed = True  # off for a database the window only reads
        self.setModel(model)
        self.setObjectName("consumersTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() * 2 + 8)
        self.setItemDelegateForColumn(columns.NAME, NameDelegate(self))
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        # The name takes what the numbers leave, so the pane never scrolls sideways.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(columns.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        widths = {columns.REQUESTS: 64, columns.ERRORS: 54, columns.P95: 62, columns.LAST_SEEN: 76}
        for column, width in widths.items():
            self.setColumnWidth(column, width)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        self.selectRow(0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A narrow pane drops the least useful numbers rather than squeezing the names.
        width = self.viewport().width()
        self.setColumnHidden(columns.LAST_SEEN, width < 350)
        self.setColumnHidden(columns.P95, width < 280)
        super().resizeEvent(event)

    def consumer_model(self) -> ConsumerListModel:
        model = self.model()
        assert isinstance(model, ConsumerListModel)
        return model

    def selected(self) -> ConsumerRow | None:
        rows = self.selectionModel().selectedRows()
        return self.consumer_model().row_at(rows[0].row()) if rows else None

    def select_key(self, key: int | str) -> bool:
        row = self.consumer_model().row_of_key(key)
        if row is None:
            return False
        self.selectRow(row)
        return True

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        chosen = self.selected()
        if chosen is None:
            # Nothing selected reads as everyone, as the "All consumers" row does.
            chosen = self.consumer_model().row_at(0)
        self.consumer_selected.emit(chosen)

    def _context_menu(self, position: QPoint) -> None:
        row = self.consumer_model().row_at(self.indexAt(position).row())
        if row is None or row.key == ALL:
            return
        self.build_menu(row).exec(self.viewport().mapToGlobal(position))

    def build_menu(self, row: ConsumerRow) -> QMenu:
        menu = QMenu(self)
        menu.addAction(f"Show only {row.name}", lambda: self.select_key(row.key))
        if row.group:
            group_term = f"consumer:{quote_value(row.group)}"
            menu.addAction(
                f"Filter by group {row.group}", lambda: self.quick_filter.emit(group_term)
            )
        menu.addAction("Errors of this consumer", lambda: self._errors_of(row))
        if row.key != ANONYMOUS:
            menu.addSeparator()
            rename = menu.addAction("Name this consumer…", lambda: self.rename_requested.emit(row))
            rename.setEnabled(self.naming_allowed)
        return menu

    def _errors_of(self, row: ConsumerRow) -> None:
        self.select_key(row.key)
        self.quick_filter.emit("status:error")
