"""The export dialog: destination, scope, options from the registry, progress and result."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.errors import InspectorError
from inspector.exporters.options import Destination, OptionError, OptionSpec
from inspector.exporters.registry import DESTINATIONS, FILE_FORMATS, build_exporter
from inspector.exporters.service import CredentialRejected, DeliveryError
from inspector.gui import theme
from inspector.gui.export_jobs import (
    ExportWorker,
    RunningExport,
    file_job,
    service_job,
)
from inspector.store.filters import MATCH_ALL, SqlFilter

SELECTION, FILTER, NEW = "selection", "filter", "new"
_MAX_SHOWN_ERROR = 400


@dataclass(frozen=True)
class ExportScope:
    """What the window offers to export: its selected rows and its current filter."""

    selected_ids: tuple[int, ...]
    filter: SqlFilter
    filter_count: int | None  # rows the filter shows, when known


def selected_ids(view: QAbstractItemView) -> tuple[int, ...]:
    """Row ids of the requests selected in the requests table, in id order."""
    model = view.model()
    ids = set()
    for index in view.selectionModel().selectedRows():
        row = getattr(model, "row_at", lambda _r: None)(index.row())
        if row is not None:
            ids.add(int(row.id))
    return tuple(sorted(ids))


class FormError(Exception):
    """A value typed into the form that cannot be used; names the field."""


_ACRONYMS = {"api": "API", "url": "URL", "http": "HTTP"}
# Why a run can send nothing at all, for the result line.
_SKIP_HINTS = {"readme": " ReadMe skips requests without a consumer unless Fallback group is set."}


def _label(spec: OptionSpec) -> str:
    words = [_ACRONYMS.get(word, word) for word in spec.name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


class OptionsForm(QWidget):
    """One destination's options, generated from its OptionSpecs.

    Prefilled from the `[export.NAME]` table and the environment. Secret fields stay empty:
    a value typed there wins, otherwise the configuration or the variable named in the
    placeholder is used when the export starts, so a stored secret is never put on screen.
    """

    def __init__(
        self,
        destination: Destination,
        table: Mapping[str, Any],
        environ: Mapping[str, str],
        table_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.destination = destination
        self.table_name = table_name or destination.name
        self.table = dict(table)
        self.fields: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in destination.options:
            widget = self._field(spec, environ)
            widget.setToolTip(spec.help + (f" (environment: {spec.env})" if spec.env else ""))
            widget.setObjectName(f"option_{spec.name}")
            self.fields[spec.name] = widget
            layout.addRow(_label(spec) + ":", widget)

    def _initial(self, spec: OptionSpec, environ: Mapping[str, str]) -> Any:
        value = self.table.get(spec.name)
        if isinstance(value, str) and value.startswith("env:"):
            value = environ.get(value[4:])
        if value is None and spec.env:
            value = environ.get(spec.env) or None
        return spec.default if value is None else value

    def _field(self, spec: OptionSpec, environ: Mapping[str, str]) -> QWidget:
        if spec.kind == "bool":
            box = QCheckBox(self)
            box.setChecked(bool(self._initial(spec, environ)))
            return box
        if spec.kind == "choice":
            combo = QComboBox(self)
            combo.addItems(list(spec.choices))
            combo.setCurrentText(str(self._initial(spec, environ)))
            return combo
        edit = QLineEdit(self)
        if spec.secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            sources = []
            if spec.name in self.table:
                sources.append(f"[export.{self.table_name}] {spec.name}")
            if spec.env:
                sources.append(spec.env)
            if sources:
                edit.setPlaceholderText("empty: use " + " or ".join(sources))
            return edit
        value = self._initial(spec, environ)
        if spec.kind == "list":
            items = [value] if isinstance(value, str) else list(value or ())
            edit.setText(", ".join(str(item) for item in items))
            edit.setPlaceholderText("comma-separated")
        else:
            edit.setText("" if value is None else str(value))
        return edit

    def line(self, name: str) -> QLineEdit:
        """The text field of option `name`."""
        widget = self.fields[name]
        assert isinstance(widget, QLineEdit), name
        return widget

    def given(self) -> dict[str, Any]:
        """The typed values, checked for their kind; raises FormError naming the field."""
        given: dict[str, Any] = {}
        for spec in self.destination.options:
            widget = self.fields[spec.name]
            if isinstance(widget, QCheckBox):
                given[spec.name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                given[spec.name] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                given[spec.name] = self._parse(spec, widget.text().strip())
        return given

    def _parse(self, spec: OptionSpec, text: str) -> Any:
        if not text:
            # Empty means "not given": the table, the variable or the default decides.
            return () if spec.kind == "list" else None
        if spec.kind == "list":
            return tuple(part.strip() for part in text.split(",") if part.strip())
        if spec.kind in ("int", "float"):
            try:
                return int(text) if spec.kind == "int" else float(text)
            except ValueError:
                kind = "a whole number" if spec.kind == "int" else "a number"
                raise FormError(f"{_label(spec)} must be {kind}, not {text!r}.") from None
        return text

    def table_for_secrets(self) -> dict[str, Any]:
        """The config table's secret entries only: the form is the truth for everything else."""
        secrets = {spec.name for spec in self.destination.options if spec.secret}
        kept = {key: value for key, value in self.table.items() if key in secrets}
        return {"type": self.destination.name, **kept}

    def mark(self, name: str | None) -> None:
        """Outline the field a message is about (or none)."""
        error = theme.color("error").name()
        for key, widget in self.fields.items():
            widget.setStyleSheet(f"border: 1px solid {error};" if key == name else "")


class ExportDialog(QDialog):
    """File > Export…: one run at a time; Cancel stops it after the current request."""

    def __init__(
        self,
        db_path: Path,
        scope: ExportScope,
        exports: Mapping[str, Mapping[str, Any]],
        parent: QWidget | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setObjectName("exportDialog")
        self.db_path = db_path
        self.scope = scope
        # Where a live count of the filter's rows comes from, if the window gives one.
        self.filter_count_source: Callable[[], int | None] | None = None
        self.running = RunningExport()
        environ = os.environ if environ is None else environ
        layout = QVBoxLayout(self)

        self.destination = QComboBox(self)
        self.forms = QStackedWidget(self)
        self.option_forms: dict[str, OptionsForm] = {}
        for name, destination in DESTINATIONS.items():
            self._add_service(name, destination.title, exports.get(name, {}), environ)
        for name, table in exports.items():
            kind = str(table.get("type", name))
            if name not in DESTINATIONS and kind in DESTINATIONS:
                self._add_service(name, f"{name} ({DESTINATIONS[kind].title})", table, environ)
        for name, file_format in FILE_FORMATS.items():
            self.destination.addItem(file_format.title, name)
        self.summary = QLabel(self)
        self.summary.setObjectName("muted")
        top = QFormLayout()
        top.addRow("Destination:", self.destination)
        top.addRow("", self.summary)
        layout.addLayout(top)

        layout.addWidget(self._scope_box())
        self.options_box = QGroupBox("Options", self)
        QVBoxLayout(self.options_box).addWidget(self.forms)
        layout.addWidget(self.options_box)
        self.file_box = QGroupBox("Output file", self)
        file_row = QHBoxLayout(self.file_box)
        self.output = QLineEdit(self)
        self.output.setPlaceholderText("Choose where to write the file")
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self.choose_output)
        file_row.addWidget(self.output, 1)
        file_row.addWidget(choose)
        layout.addWidget(self.file_box)

        self.error = QLabel(self)
        self.error.setObjectName("exportError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.color('error').name()};")
        self.error.hide()
        layout.addWidget(self.error)
        self.progress = QProgressBar(self)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton("Start", self)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close", self)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.destination.currentIndexChanged.connect(self._destination_changed)
        self.setMinimumWidth(560)
        self._destination_changed()

    def _add_service(
        self, name: str, title: str, table: Mapping[str, Any], environ: Mapping[str, str]
    ) -> None:
        """One entry per service, and one per `[export.NAME]` table of another name."""
        kind = str(table.get("type", name))
        options = {key: value for key, value in table.items() if key != "type"}
        form = OptionsForm(DESTINATIONS[kind], options, environ, name, self)
        self.destination.addItem(title, name)
        self.option_forms[name] = form
        self.forms.addWidget(form)

    def _scope_box(self) -> QGroupBox:
        box = QGroupBox("What to export", self)
        column = QVBoxLayout(box)
        count = len(self.scope.selected_ids)
        self.scope_selection = QRadioButton(f"The selected requests ({count})", box)
        self.scope_filter = QRadioButton(box)
        self.set_filter_count(self.scope.filter_count)
        self.scope_new = QRadioButton("Everything new since the last export (services)", box)
        self.scopes = QButtonGroup(box)
        for button in (self.scope_selection, self.scope_filter, self.scope_new):
            self.scopes.addButton(button)
            column.addWidget(button)
        self.scope_selection.setEnabled(count > 0)
        (self.scope_selection if count else self.scope_filter).setChecked(True)
        return box

    def refresh_filter_count(self) -> None:
        if self.filter_count_source is not None:
            self.set_filter_count(self.filter_count_source())

    def set_filter_count(self, shown: int | None) -> None:
        """The filter's row count as the window's table counts it (it grows while capturing)."""
        words = "Every request" if self.scope.filter.is_empty else "The current filter"
        self.scope_filter.setText(f"{words} ({shown:,} shown)" if shown is not None else words)

    # --- State -------------------------------------------------------------------------------

    @property
    def destination_name(self) -> str:
        return str(self.destination.currentData())

    def is_file(self) -> bool:
        return self.destination_name in FILE_FORMATS

    def scope_name(self) -> str:
        if self.scope_selection.isChecked():
            return SELECTION
        return NEW if self.scope_new.isChecked() else FILTER

    def set_scope(self, scope: str) -> None:
        {SELECTION: self.scope_selection, FILTER: self.scope_filter, NEW: self.scope_new}[
            scope
        ].setChecked(True)

    def set_destination(self, name: str) -> None:
        self.destination.setCurrentIndex(self.destination.findData(name))

    def _destination_changed(self) -> None:
        name = self.destination_name
        file = self.is_file()
        self.options_box.setVisible(not file)
        self.file_box.setVisible(file)
        if not file:
            self.forms.setCurrentWidget(self.option_forms[name])
            self.summary.setText(self.option_forms[name].destination.summary)
        else:
            self.summary.setText(f"Write the exchanges to a {FILE_FORMATS[name].title}.")
        self.scope_new.setEnabled(not file)
        if file and self.scope_new.isChecked():
            self.scope_filter.setChecked(True)
        self._show_error("", None)
        self.adjustSize()

    def choose_output(self) -> None:
        kind = self.destination_name
        pattern = "HAR files (*.har)" if kind == "har" else "NDJSON files (*.ndjson *.jsonl)"
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.output.text() or f"export.{kind}", pattern
        )
        if name:
            self.output.setText(name)

    def _show_error(self, message: str, field: str | None) -> None:
        self.error.setText(message[:_MAX_SHOWN_ERROR])
        self.error.setVisible(bool(message))
        if not self.is_file():
            self.option_forms[self.destination_name].mark(field)

    def _selection(self) -> SqlFilter:
        if self.scope_name() == SELECTION:
            ids = self.scope.selected_ids
            return SqlFilter(f"e.id IN ({', '.join('?' * len(ids))})", tuple(ids))
        if self.scope_name() == FILTER:
            return self.scope.filter
        return MATCH_ALL

    # --- Running -----------------------------------------------------------------------------

    @property
    def worker(self) -> ExportWorker | None:
        return self.running.worker

    def _job(self) -> Callable[[ExportWorker], tuple[str, bool]] | None:
        """The job to run, or None after showing why the form cannot be used."""
        selection = self._selection()
        if self.is_file():
            text = self.output.text().strip()
            if not text:
                self._show_error("Choose the output file first.", None)
                return None
            output = Path(text).expanduser()
            if not output.parent.is_dir():
                self._show_error(f"The folder {output.parent} does not exist.", None)
                return None
            return file_job(self.db_path, self.destination_name, output, selection)
        form = self.option_forms[self.destination_name]
        try:
            exporter = build_exporter(self.destination_name, form.given(), form.table_for_secrets())
        except FormError as exc:
            field = next((n for n in form.fields if str(exc).startswith(_label_of(form, n))), None)
            self._show_error(str(exc), field)
            return None
        except OptionError as exc:
            self._show_error(exc.in_form(lambda name: _label_of(form, name)), exc.option)
            return None
        except InspectorError as exc:
            self._show_error(str(exc), None)
            return None
        hint = _SKIP_HINTS.get(form.destination.name, "")
        return service_job(self.db_path, exporter, selection, self.scope_name() != NEW, hint,
                           functools.partial(_stopped_words, form))  # fmt: skip

    def start(self) -> None:
        if self.worker is not None:
            return
        job = self._job()
        if job is None:
            return
        self._show_error("", None)
        self.result_label.setText("Exporting…")
        self.result_label.setStyleSheet("")
        self.progress.setRange(0, 0)  # busy until the total is known
        self.progress.setValue(0)
        worker = ExportWorker(job)
        worker.total_known.connect(self._total_known)
        worker.progressed.connect(self._progressed)
        worker.done.connect(self._done)
        self.running.worker = worker
        self._set_running(True)
        worker.start()

    def _progressed(self, rows: int) -> None:
        self.progress.setValue(self.progress.value() + rows)

    def _total_known(self, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)

    def _done(self, message: str, ok: bool) -> None:
        worker, self.running.worker = self.running.worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self.progress.setValue(self.progress.maximum() if ok else self.progress.value())
        color = theme.color("fg_2xx" if ok else "error").name()
        self.result_label.setStyleSheet(f"color: {color};")
        self.result_label.setText(message[:_MAX_SHOWN_ERROR])
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setText("Cancel" if running else "Close")
        for widget in (self.destination, self.options_box, self.file_box):
            widget.setEnabled(not running)
        for button in self.scopes.buttons():
            button.setEnabled(not running and (button is not self.scope_selection
                                               or bool(self.scope.selected_ids)))  # fmt: skip
        if not running:
            self.scope_new.setEnabled(not self.is_file())

    def cancel_or_close(self) -> None:
        if self.worker is not None:
            self.result_label.setText("Cancelling after the current request…")
            self.worker.stop()
        else:
            self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing mid-run stops the run; the thread must end before its dialog goes away.
        self.running.stop_and_wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.worker is not None:
            self.cancel_or_close()
            return
        super().reject()


def _stopped_words(form: OptionsForm, error: DeliveryError) -> str:
    """Why a destination stopped, naming the form's fields where the command line names flags."""
    if not isinstance(error, CredentialRejected) or not error.options:
        return str(error)
    specs = {spec.name: spec for spec in form.destination.options}
    checks = []
    for name in error.options:
        field = f"the {_label(specs[name])} field"
        checks.append(f"{specs[name].env} (or {field})" if specs[name].env else field)
    return (f"{error.title} refused the credential (HTTP {error.status}: {error.said}). "
            f"Check {', or '.join(checks)}.")  # fmt: skip


def _label_of(form: OptionsForm, name: str) -> str:
    return next(_label(s) for s in form.destination.options if s.name == name)
