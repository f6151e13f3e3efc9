"""A message too long for the thread, shown whole as plain text on request ("Show the whole message").

Megabytes of text are fed to the viewer a slice at a time between events, so the window keeps
answering while it fills; a word longer than a display line is broken for display only (Qt lays
out one unbroken line of a million characters for about a minute). Copy all copies the message
exactly as the server sent it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ..plain_text import single_line

SLICE_CHARS = 64 * 1024  # fed per event-loop turn: a few milliseconds of layout each
LINE_CHARS = 2_000  # a longer unbroken run is broken here for display


def display_lines(text: str) -> list[str]:
    """The text as display lines: its own lines, and runs longer than LINE_CHARS cut into pieces."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        while len(line) > LINE_CHARS:  # at a space near the end of the piece if there is one, else anywhere
            space = line.rfind(" ", LINE_CHARS - 200, LINE_CHARS)
            cut = space + 1 if space > 0 else LINE_CHARS
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


class WholeMessage(QDialog):
    def __init__(self, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(single_line(title[:120]))
        self.resize(800, 560)
        self._text = text
        self._lines = display_lines(text)
        self._next = 0
        self.status = QLabel(f"{len(text):,} characters")
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setAccessibleName("The whole message")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy all", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_all)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self._feeder = QTimer(self)
        self._feeder.setInterval(0)
        self._feeder.timeout.connect(self._feed)
        self._feeder.start()

    @property
    def filled(self) -> bool:
        return self._next >= len(self._lines)

    @Slot()
    def _feed(self) -> None:
        taken, size = self._next, 0
        while taken < len(self._lines) and size < SLICE_CHARS:
            size += len(self._lines[taken]) + 1
            taken += 1
        self.view.appendPlainText("\n".join(self._lines[self._next:taken]))
        self._next = taken
        if self.filled:
            self._feeder.stop()
            self.view.moveCursor(self.view.textCursor().MoveOperation.Start)

    @Slot()
    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self._text)
