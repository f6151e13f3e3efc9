"""The reply box and what is said around it: its character count, and the phases of a send in words.

Nothing here changes size when its words change: the count sits in the box's own corner, and the
send's words sit in room kept for them, so the panes beside never move while a reply is sent.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QSizePolicy, QWidget

from ..plain_text import single_line
from ..services.tickets import CHECKING, CONFIRMING, EARLIER, LOOKING, POSTING, SETTING_STATUS

COUNT_FROM = 1_000  # characters: a reply this long shows its count (the vendor's API sets no maximum)
SHOWN_LINES = 5  # the reply box's first height, in lines; the agent drags the handle above it for more
LEAST_LINES = 2  # the splitter never squeezes it below this
PREVIEW_CHARS = 80  # of the reply on its way, beside the words

PHASE_WORDS = {
    "": "Waiting to send…",  # queued behind an earlier write to the same ticket
    CHECKING: "Checking for new replies…",
    EARLIER: "Checking an earlier send…",
    POSTING: "Sending…",
    LOOKING: "Checking it arrived…",
    SETTING_STATUS: "Setting the status…",
    CONFIRMING: "Confirming…",
}


def count_words(count: int) -> str:
    return f"{count:,} characters"


class ReplyBox(QPlainTextEdit):
    """The reply box: about five lines at first, never fewer than two, with its count in the corner once long."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._count_shown = -1
        self.count_label = QLabel(self)  # in a strip kept below the text (viewport margins), never over it
        self.count_label.setAccessibleName("Characters in the reply")
        self.count_label.setToolTip(f"Shown from {COUNT_FROM:,} characters; the vendor's API sets no maximum "
                                    "for a reply")
        self.count_label.setAutoFillBackground(True)  # over the text's corner: readable whatever is below
        self.count_label.setContentsMargins(6, 1, 6, 1)
        self.count_label.hide()
        self.textChanged.connect(self.update_count)

    def _lines(self, lines: int) -> int:
        frame = self.frameWidth() * 2 + int(self.document().documentMargin() * 2) + self.contentsMargins().top() \
            + self.contentsMargins().bottom()
        return self.fontMetrics().lineSpacing() * lines + frame

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._lines(SHOWN_LINES))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._lines(LEAST_LINES))

    def update_count(self) -> None:
        """At every change, so it costs a length (the document keeps it) and a label only once long."""
        count = self.document().characterCount() - 1  # the document counts one paragraph end past the text
        if count < COUNT_FROM:
            if self._count_shown >= 0:
                self._count_shown = -1
                self.count_label.hide()
                self.setViewportMargins(0, 0, 0, 0)
            return
        if count == self._count_shown:
            return
        first = self._count_shown < 0
        self._count_shown = count
        self.count_label.setText(count_words(count))
        self.count_label.adjustSize()
        if first:
            self.count_label.show()
            self.setViewportMargins(0, 0, 0, self.count_label.height())
        self._place_count()

    def _place_count(self) -> None:
        view = self.viewport().geometry()
        self.count_label.move(view.right() + 1 - self.count_label.width(), view.bottom() + 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._count_shown >= 0:
            self._place_count()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._count_shown >= 0:
            self.count_label.adjustSize()
            self.setViewportMargins(0, 0, 0, self.count_label.height())
            self._place_count()


class BusyWords(QWidget):
    """A busy bar and what is going on, in room kept for the longest of ``texts``: saying something, or
    nothing, never changes its size (the panes beside do not move)."""

    def __init__(self, texts: Iterable[str], accessible: str, *, bar_width: int = 40, parent: QWidget | None = None):
        super().__init__(parent)
        self._texts = list(texts)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(bar_width)
        self.bar.setAccessibleName(accessible)
        policy = self.bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.bar.setSizePolicy(policy)
        self.words = QLabel()
        self.words.setTextFormat(Qt.TextFormat.PlainText)
        self.words.setAccessibleName(accessible)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.words)
        self._fit()
        self.say("")

    def _fit(self) -> None:
        widest = max((self.words.fontMetrics().horizontalAdvance(t) for t in self._texts), default=0)
        self.words.setFixedWidth(widest + 4)

    def say(self, text: str) -> None:
        """``text`` beside a running bar; '' shows nothing (the room stays)."""
        self.words.setText(text)
        self.bar.setVisible(bool(text))

    @property
    def text(self) -> str:
        return self.words.text()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()


class ElidedLabel(QLabel):
    """One line of plain text cut with "…" to the room it is given; it never asks for more (nothing moves)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width(), 0)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


class SendProgress(QWidget):
    """While a reply is on its way: a busy bar, the phase in words, then the start of the text being sent, on
    one line cut to the room it has (its size never depends on the words)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(40)
        self.bar.setAccessibleName("Sending the reply")
        self.line = ElidedLabel()
        self.line.setAccessibleName("How the send is going")
        self.phase_words = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.line, 1)

    def show_send(self, phase: str, text: str) -> None:
        self.phase_words = PHASE_WORDS.get(phase, PHASE_WORDS[POSTING])
        shown = single_line(text[:PREVIEW_CHARS * 2])[:PREVIEW_CHARS]
        quoted = f"  “{shown}{'…' if len(text) > len(shown) else ''}”" if text else ""
        self.line.set_full_text(self.phase_words + quoted)
        self.line.setToolTip("<p>" + html.escape(text[:2000]).replace("\n", "<br>") + "</p>" if text else "")

    def clear(self) -> None:
        self.phase_words = ""
        self.line.set_full_text("")
        self.line.setToolTip("")
