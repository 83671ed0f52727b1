"""What every table of the app answers alike: how many rows and columns there are, and the
header: titles, numbers right-aligned under right-aligned titles, tooltips. A model names its
`headers`, says how many rows it holds, and answers `data` itself."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class TableModel(QAbstractTableModel):
    headers: Sequence[str] = ()
    right_aligned: Collection[int] = ()  # columns of numbers, header and cells alike
    header_tips: ClassVar[Mapping[int, str]] = {}

    def row_count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.right_aligned:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips.get(section)
        return None
