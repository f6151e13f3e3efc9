"""Canned replies > Manage: the agent's own and the team's, edited, imported and exported.

Every read and write goes through the task bridge (the team's library is a network call);
what the agent typed stays in the form through any refusal until it is saved or discarded.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Status
from ..canned import NAME_CHARS, PERSONAL, PLACEHOLDERS, TEAM, Template, unknown_placeholders
from ..services.canned_replies import CannedReplies, Library
from ..spelling import Speller
from ..tasks import TaskRunner
from .banner import Banner
from .spell_check import SpellCheck


class CannedLibrary(QDialog):
    changed = Signal()  # something was saved, deleted or imported

    def __init__(self, runner: TaskRunner, service: CannedReplies, speller: Speller | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Canned replies")
        self._runner = runner
        self._service = service
        self._templates: list[Template] = []
        self._editing: Template | None = None  # the stored template the form shows (None: a new one)
        self._busy = False
        self._in_team = False
        self._closing_anyway = False

        self.banner = Banner()
        self.list = QListWidget()
        self.list.setAccessibleName("Canned replies")
        self.new_button = QPushButton("Ne&w")
        self.delete_button = QPushButton("De&lete")
        self.import_button = QPushButton("I&mport…")
        self.import_button.setToolTip("Add the canned replies of a file exported by TOGaDesk Agent to yours")
        self.export_button = QPushButton("Ex&port…")
        self.export_button.setToolTip("Write every canned reply listed here to a file, to share or keep")
        self.name = QLineEdit()
        self.name.setMaxLength(NAME_CHARS)
        self.name.setAccessibleName("Name")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Text")
        self.text.setTabChangesFocus(True)
        self.spelling = SpellCheck(self.text)
        self.spelling.set_speller(speller)
        self.status = QComboBox()
        self.status.setAccessibleName("Status on send")
        self.status.addItem("Leave the status as it is", "")
        for status in Status:
            self.status.addItem(f"Set {status.value.replace('_', ' ').title()}", status.value)
        self.shared = QCheckBox("Share with the t&eam")
        self.shared.setToolTip("Team canned replies are in the team database: every agent of the team can use "
                               "and edit them")
        self.placeholders = QLabel("Placeholders: " + ", ".join("{" + name + "}" for name in PLACEHOLDERS))
        self.placeholders.setWordWrap(True)
        self.placeholders.setToolTip("\n".join(f"{{{name}}}: {what}" for name, what in PLACEHOLDERS.items()))
        self.unknown = QLabel()
        self.unknown.setWordWrap(True)
        self.unknown.setTextFormat(Qt.TextFormat.PlainText)
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save this canned reply (Ctrl+S)")
        self.discard_button = QPushButton("Disca&rd changes")
        close = QPushButton("Close")

        side = QVBoxLayout()
        side.addWidget(self.list, 1)
        row = QHBoxLayout()
        for button in (self.new_button, self.delete_button):
            row.addWidget(button)
        side.addLayout(row)
        row = QHBoxLayout()
        for button in (self.import_button, self.export_button):
            row.addWidget(button)
        side.addLayout(row)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Text:", self.text)
        form.addRow("", self.placeholders)
        form.addRow("", self.unknown)
        form.addRow("Status &on send:", self.status)
        form.addRow("", self.shared)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.discard_button, self.save_button, close):
            actions.addWidget(button)
        editor = QVBoxLayout()
        editor.addLayout(form, 1)
        editor.addLayout(actions)
        body = QHBoxLayout()
        body.addLayout(side, 1)
        body.addLayout(editor, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self.resize(820, 520)

        self.new_button.clicked.connect(self.new)
        self.delete_button.clicked.connect(self.delete)
        self.import_button.clicked.connect(self._ask_import)
        self.export_button.clicked.connect(self._ask_export)
        self.save_button.clicked.connect(self.save)
        self.discard_button.clicked.connect(self.discard)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self.list.currentRowChanged.connect(self._row_chosen)
        for signal in (self.name.textChanged, self.text.textChanged, self.status.currentIndexChanged,
                       self.shared.toggled):
            signal.connect(self._form_changed)
        self._show(None)
        self.reload()

    # ------------------------------------------------------------ reading

    def reload(self) -> None:
        self._set_busy(True)
        self._runner.submit(self._service.read, on_done=self._read, on_error=self._failed)

    @Slot(object)
    def _read(self, library: Library) -> None:
        self._set_busy(False)
        self._templates = library.templates
        self._in_team = library.in_team
        self.shared.setEnabled(library.in_team)
        if library.problem:
            self.banner.show_message(library.problem, kind="info")
        self.list.blockSignals(True)
        self.list.clear()
        for template in self._templates:
            item = QListWidgetItem(template.name + ("  \u00b7  team" if template.scope == TEAM else ""))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self._editing is not None:
            self._select(self._editing)
        elif not self.is_dirty() and self._templates:
            self.list.setCurrentRow(0)
        self._update_buttons()

    def names(self) -> list[str]:
        return [t.name for t in self._templates]

    # ------------------------------------------------------------ the form

    def is_dirty(self) -> bool:
        """The form differs from what is stored (or holds a new reply's text)."""
        return self._form() != self._stored_form()

    def _form(self) -> tuple[str, str, str, bool]:
        return (self.name.text(), self.text.toPlainText(), self.status.currentData() or "", self.shared.isChecked())

    def _stored_form(self) -> tuple[str, str, str, bool]:
        t = self._editing
        return ("", "", "", False) if t is None else (t.name, t.text, t.status, t.scope == TEAM)

    def _show(self, template: Template | None) -> None:
        self._editing = template
        widgets = (self.name, self.text, self.status, self.shared)
        for widget in widgets:
            widget.blockSignals(True)
        self.name.setText(template.name if template else "")
        self.text.setPlainText(template.text if template else "")
        index = self.status.findData(template.status if template else "")
        self.status.setCurrentIndex(max(0, index))
        self.shared.setChecked(template is not None and template.scope == TEAM)
        for widget in widgets:
            widget.blockSignals(False)
        self._form_changed()

    @Slot()
    def _form_changed(self) -> None:
        unknown = unknown_placeholders(self.text.toPlainText())
        self.unknown.setText(f"Not a placeholder this desk fills (it stays as typed): {', '.join(unknown)}"
                             if unknown else "")
        self.unknown.setVisible(bool(unknown))
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(not self._busy and dirty)
        self.discard_button.setEnabled(not self._busy and dirty)
        self.delete_button.setEnabled(not self._busy and self._editing is not None)
        for button in (self.new_button, self.import_button, self.export_button):
            button.setEnabled(not self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    @Slot(int)
    def _row_chosen(self, row: int) -> None:
        if not 0 <= row < len(self._templates):
            return
        if self.is_dirty():  # never lose what was typed: the agent decides
            self._select(self._editing)
            self.banner.show_message("Save or discard the changes in the form first.", kind="info",
                                     action_text="Discard t&hem", retry=lambda: self._discard_then(row))
            return
        self.banner.hide()
        self._show(self._templates[row])

    def _discard_then(self, row: int) -> None:
        self._show(self._editing)
        self.list.setCurrentRow(row)
        self._row_chosen(row)

    def _select(self, template: Template | None) -> None:
        self.list.blockSignals(True)
        rows = [i for i, t in enumerate(self._templates)
                if template is not None and (t.scope, t.id) == (template.scope, template.id)]
        self.list.setCurrentRow(rows[0] if rows else -1)
        self.list.blockSignals(False)

    def reject(self) -> None:
        """Esc, Close or the window's ✕: never with unsaved text, unless the agent says to drop it."""
        if self.is_dirty() and not self._closing_anyway:
            self.banner.show_message("This canned reply has changes that are not saved: Save them (Ctrl+S), or "
                                     "close without them.", kind="info", action_text="&Close without saving",
                                     retry=self._close_anyway)
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_dirty() and not self._closing_anyway:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def _close_anyway(self) -> None:
        self._closing_anyway = True
        self.reject()

    # ------------------------------------------------------------ actions

    @Slot()
    def new(self) -> None:
        if self.is_dirty():
            self.banner.show_message("Save or discard the changes in the form first.", kind="info")
            return
        self._select(None)
        self._show(None)
        self.name.setFocus()

    @Slot()
    def discard(self) -> None:
        self.banner.hide()
        self._show(self._editing)

    @Slot()
    def save(self) -> None:
        if self._busy or not self.is_dirty():
            return
        name, text, status, shared = self._form()
        previous = self._editing
        template = Template(name, text, status, TEAM if shared else PERSONAL, previous.id if previous else 0)
        if previous is not None and previous.scope != template.scope:
            template = Template(name, text, status, template.scope, 0)
        self.banner.hide()
        self._set_busy(True)
        self._runner.submit(self._service.save, template, previous, on_done=self._saved, on_error=self._failed)

    @Slot(object)
    def _saved(self, template: Template) -> None:
        self._set_busy(False)
        self._show(template)
        self.changed.emit()
        self.reload()

    @Slot()
    def delete(self) -> None:
        if self._editing is None or self._busy:
            return
        doomed = self._editing
        self.banner.show_message(f"Delete \u201c{doomed.name}\u201d" + (" for the whole team" if doomed.scope == TEAM
                                 else "") + "?", kind="info", action_text="Delete &it",
                                 retry=lambda: self._delete(doomed))

    def _delete(self, template: Template) -> None:
        self._set_busy(True)
        self._runner.submit(self._service.delete, template, on_done=self._deleted, on_error=self._failed)

    @Slot(object)
    def _deleted(self, _result: object) -> None:
        self._set_busy(False)
        self._show(None)
        self.changed.emit()
        self.reload()

    @Slot()
    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import canned replies", "", "Canned replies (*.json);;All (*)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        self._set_busy(True)
        self._runner.submit(self._service.import_file, path, on_done=self._imported, on_error=self._failed)

    @Slot(object)
    def _imported(self, templates: list[Template]) -> None:
        self._set_busy(False)
        self.banner.show_message(f"Imported {len(templates)} canned repl{'y' if len(templates) == 1 else 'ies'} "
                                 "as yours (one with a name you had replaces yours).", kind="info")
        self.changed.emit()
        self.reload()

    @Slot()
    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export canned replies", "canned-replies.json",
                                              "Canned replies (*.json)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self._set_busy(True)
        self._runner.submit(self._service.export_file, path, list(self._templates), on_done=self._exported,
                            on_error=self._failed)

    @Slot(object)
    def _exported(self, _result: object) -> None:
        self._set_busy(False)
        count = len(self._templates)
        self.banner.show_message(f"Exported {count} canned repl{'y' if count == 1 else 'ies'}.", kind="info")

    @Slot(object)
    def _failed(self, error: ApiError) -> None:
        self._set_busy(False)
        self.banner.show_message(error.message)  # the form keeps what the agent typed
