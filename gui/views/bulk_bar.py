"""The progress line of a change to several tickets, in the status bar: "Setting status to Closed: 3 of 20…" and
Cancel. It lives in the status bar's own row (no taller than the row's text), so showing it never moves the
panes; the summary at the end goes to the list's banner with the window's other messages."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget


class BulkBar(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName("Change to several tickets")
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setToolTip("Leave the tickets not sent yet as they are (the one on its way still answers)")
        self.cancel_button.setAccessibleName("Cancel the rest")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        height = self.fontMetrics().height() + 4  # the status bar's text row: the bar never makes it taller
        self.cancel_button.setMaximumHeight(height)
        self.setMaximumHeight(height)
        self.hide()

    @Slot(str)
    def show_progress(self, text: str) -> None:
        """'' hides the line (nothing is running); a new change's first line offers Cancel again."""
        if text and self.isHidden():
            self.cancel_button.setEnabled(True)
        self.label.setText(text)
        self.setVisible(bool(text))

    @Slot()
    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_requested.emit()
