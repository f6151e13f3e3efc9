"""A non-modal message strip for the pane it belongs to: plain text, an optional Retry, a close button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from .. import theme

STYLES = {
    "error": "QWidget#banner { background: #fdecea; border: 1px solid #e57373; } QLabel { color: #611a15; }",
    "info": "QWidget#banner { background: #e3f2fd; border: 1px solid #64b5f6; } QLabel { color: #0d3c61; }",
}
DARK_STYLES = {  # the same meaning on a dark palette: dark tints, light text
    "error": "QWidget#banner { background: #4a1c1a; border: 1px solid #e57373; } QLabel { color: #ffd7d3; }",
    "info": "QWidget#banner { background: #10304a; border: 1px solid #64b5f6; } QLabel { color: #d6ecff; }",
}


TONES = {  # a meaning's text colour: (on a light window, on a dark one)
    "error": ("#c62828", "#ff8a80"),
    "warning": ("#e65100", "#ffb74d"),
    "success": ("#2e7d32", "#81c784"),
}
ERROR_COLOUR = TONES["error"][0]


def banner_style(kind: str) -> str:
    """The banner's colours for the palette in use (a light pink strip on a dark window glares)."""
    styles = DARK_STYLES if theme.is_dark() else STYLES
    return styles.get(kind, styles["error"])


def tone_style(tone: str) -> str:
    """The style sheet for text in ``tone`` on the palette in use; "" (the palette's own text) for no tone."""
    if tone not in TONES:
        return ""
    return f"color: {TONES[tone][theme.is_dark()]};"


class ToneLabel(QLabel):
    """Plain text in a meaning's colour (error, warning, success) that stays readable when the palette changes."""

    def __init__(self, tone: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._tone = ""
        self.set_tone(tone)
        theme.palette_changes().connect(self._restyle)

    def tone(self) -> str:
        return self._tone

    def sizeHint(self) -> QSize:
        """Wrapped, the height a layout asks of it for its real width: a form row never keeps the taller
        guess QLabel makes for a narrow one (a gap under the text)."""
        hint = super().sizeHint()
        if self.wordWrap() and self.text():
            hint.setHeight(self.fontMetrics().height())
        return hint

    def set_tone(self, tone: str) -> None:
        self._tone = tone
        self._restyle()

    @Slot()
    def _restyle(self) -> None:
        style = tone_style(self._tone)
        if self.styleSheet() != style:
            self.setStyleSheet(style)


def error_label() -> ToneLabel:
    """The red, plain-text reason shown next to a form field or under a form; hidden until needed."""
    label = ToneLabel("error")
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
        self._kind = "error"
        theme.palette_changes().connect(self._restyle)
        self.hide()

    def show_message(self, text: str, *, kind: str = "error", retry: Callable[[], None] | None = None,
                     action_text: str = "&Retry") -> None:
        """Shows ``text``; an action button (Retry) only when ``retry`` is given (safe to repeat)."""
        self._kind = kind
        self._restyle()
        self.label.setText(text)
        self._retry_action = retry
        self.retry_button.setText(action_text)
        self.retry_button.setAccessibleName(action_text.replace("&", ""))
        self.retry_button.setVisible(retry is not None)
        self.show()

    def text(self) -> str:
        return self.label.text()

    def kind(self) -> str:
        return self._kind

    @Slot()
    def _restyle(self) -> None:
        """The colours of this kind on the palette in use: again whenever the application palette changes."""
        style = banner_style(self._kind)
        if self.styleSheet() != style:
            self.setStyleSheet(style)

    @Slot()
    def _retry(self) -> None:
        action = self._retry_action
        self.hide()
        self.retried.emit()
        if action is not None:
            action()
