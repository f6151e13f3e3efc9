"""Insert canned reply (Ctrl+Shift+I in the ticket pane): type to narrow, Up/Down to choose, Return inserts.

The preview shows the text as it will be inserted, placeholders filled for the open ticket, so the
agent reads what the customer will read before it is in the reply box.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..canned import TEAM, Template, matching, unknown_placeholders
from .banner import Banner

PREVIEW_CHARS = 5_000


class CannedPicker(QDialog):
    chosen = Signal(object)  # the Template to insert
    manage_requested = Signal()  # "Manage…": the library editor

    def __init__(self, templates: list[Template], filled: Callable[[Template], str], problem: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Insert canned reply")
        self._templates = templates
        self._filled = filled
        self._shown: list[Template] = []
        self.banner = Banner()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Type to find a canned reply by name or text")
        self.query.setAccessibleName("Find a canned reply")
        self.list = QListWidget()
        self.list.setAccessibleName("Canned replies")
        self.list.setUniformItemSizes(True)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("What will be inserted")
        self.empty = QLabel("No canned replies yet: Manage… adds the first one.")
        self.empty.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.list)
        split.addWidget(self.preview)
        split.setStretchFactor(1, 2)
        buttons = QDialogButtonBox()
        self.insert_button = buttons.addButton("&Insert", QDialogButtonBox.ButtonRole.AcceptRole)
        manage = QPushButton("&Manage…")
        manage.setToolTip("Add, edit, import and export canned replies")
        buttons.addButton(manage, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._insert)
        buttons.rejected.connect(self.reject)
        manage.clicked.connect(self._manage)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.query)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.resize(720, 440)
        if problem:
            self.banner.show_message(problem, kind="info")
        self.query.textChanged.connect(self._refill)
        self.query.installEventFilter(self)
        self.list.currentRowChanged.connect(self._preview)
        self.list.itemActivated.connect(lambda _item: self._insert())
        self._refill("")
        self.query.setFocus()

    def shown_names(self) -> list[str]:
        return [t.name for t in self._shown]

    @Slot(str)
    def _refill(self, query: str) -> None:
        self._shown = matching(query, self._templates)
        self.list.clear()
        for template in self._shown:
            item = QListWidgetItem(template.name + ("  \u00b7  team" if template.scope == TEAM else ""))
            item.setToolTip("<p>" + html.escape(template.name + (" (the team's)" if template.scope == TEAM
                                                                 else " (yours)")) + "</p>")  # never interpreted
            self.list.addItem(item)
        self.empty.setVisible(not self._templates)
        self.insert_button.setEnabled(bool(self._shown))
        if self._shown:
            self.list.setCurrentRow(0)
        else:
            self.preview.clear()

    @Slot(int)
    def _preview(self, row: int) -> None:
        if not 0 <= row < len(self._shown):
            self.preview.clear()
            return
        template = self._shown[row]
        text = self._filled(template)
        unknown = unknown_placeholders(template.text)
        notes = []
        if template.status:
            notes.append(f"Sending sets the status to {template.status.replace('_', ' ').title()}.")
        if unknown:
            notes.append(f"Not filled (unknown): {', '.join(unknown)}.")
        cut = text[:PREVIEW_CHARS] + ("\n…" if len(text) > PREVIEW_CHARS else "")
        self.preview.setPlainText(cut + ("\n\n— " + " ".join(notes) if notes else ""))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.query and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.list.keyPressEvent(event)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._insert()
                return True
        return super().eventFilter(watched, event)

    @Slot()
    def _insert(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._shown):
            template = self._shown[row]
            self.accept()
            self.chosen.emit(template)

    @Slot()
    def _manage(self) -> None:
        self.reject()
        self.manage_requested.emit()
