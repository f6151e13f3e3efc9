"""Signature…: the text every reply sent from this environment ends with, edited by the agent."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ..settings import SIGNATURE_CHARS


class SignatureDialog(QDialog):
    saved = Signal(str)

    def __init__(self, text: str, environment: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Signature")
        note = QLabel(f"Added at the end of every reply you send in {environment} (not when the reply already "
                      "ends with it, as a canned reply may). Leave it empty for none.")
        note.setWordWrap(True)
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName("Signature")
        self.text.setPlaceholderText("— Jane Doe, Support team")
        self.text.setTabChangesFocus(True)
        self.count = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.resize(480, 260)
        self.text.textChanged.connect(self._counted)
        self._counted()

    @Slot()
    def _counted(self) -> None:
        length = len(self.text.toPlainText())
        self.count.setText(f"{length:,} of {SIGNATURE_CHARS:,} characters" if length > SIGNATURE_CHARS // 2 else "")
        self.save_button.setEnabled(length <= SIGNATURE_CHARS)

    @Slot()
    def _save(self) -> None:
        self.saved.emit(self.text.toPlainText().strip())
        self.accept()
