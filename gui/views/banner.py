"""A non-modal message strip for the pane it belongs to: plain text, an optional Retry, a close button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

STYLES = {
    "error": "QWidget#banner { background: #fdecea; border: 1px solid #e57373; } QLabel { color: #611a15; }",
    "info": "QWidget#banner { background: #e3f2fd; border: 1px solid #64b5f6; } QLabel { color: #0d3c61; }",
}
DARK_STYLES = {  # the same meaning on a dark palette: dark tints, light text
    "error": "QWidget#banner { background: #4a1c1a; border: 1px solid #e57373; } QLabel { color: #ffd7d3; }",
    "info": "QWidget#banner { background: #10304a; border: 1px solid #64b5f6; } QLabel { color: #d6ecff; }",
}


def banner_style(kind: str) -> str:
    """The banner's colours for the palette in use (a light pink strip on a dark window glares)."""
    dark = QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    styles = DARK_STYLES if dark else STYLES
    return styles.get(kind, styles["error"])


ERROR_COLOUR = "#c62828"


def error_label() -> QLabel:
    """The red, plain-text reason shown next to a form field or under a form; hidden until needed."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.setWordWrap(True)
    label.hide()
    return label


class Banner(QWidget):
    retried = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # server text is never markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Message")
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setToolTip("Try the same request again")
        self.retry_button.setAccessibleName("Retry")
        self.retry_button.clicked.connect(self._retry)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss this message")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(close)
        self._retry_action: Callable[[], None] | None = None
        self.hide()

    def show_message(self, text: str, *, kind: str = "error", retry: Callable[[], None] | None = None,
                     action_text: str = "&Retry") -> None:
        """Shows ``text``; an action button (Retry) only when ``retry`` is given (safe to repeat)."""
        self.setStyleSheet(banner_style(kind))
        self.label.setText(text)
        self._retry_action = retry
        self.retry_button.setText(action_text)
        self.retry_button.setAccessibleName(action_text.replace("&", ""))
        self.retry_button.setVisible(retry is not None)
        self.show()

    def text(self) -> str:
        return self.label.text()

    @Slot()
    def _retry(self) -> None:
        action = self._retry_action
        self.hide()
        self.retried.emit()
        if action is not None:
            action()
