"""The tray icon: unread count, and desktop notifications that open their ticket when clicked."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QIcon, QPainter
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from .app_icon import app_icon, app_mark


def badge_icon(unread: int) -> QIcon:
    """The app's icon with a red unread count drawn over it (the tray's and the task bar's)."""
    if not unread:
        return app_icon()
    pixmap = app_mark(64)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor("#c62828"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(30, 0, 34, 34)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(20)
    painter.setFont(font)
    painter.drawText(QRect(30, 0, 34, 34), Qt.AlignmentFlag.AlignCenter, str(unread) if unread < 100 else "99+")
    painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    ticket_requested = Signal(object)  # a ticket number (up to 2**63-1)
    notified = Signal(str)  # what was shown (also emitted where no tray exists, for tests and logs)

    def __init__(self, window: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.enabled = True
        self._last_ticket: int | None = None
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(badge_icon(0), self)
            menu = QMenu(window)
            menu.addAction("Show TOGaDesk Agent", window.showNormal)
            self.icon.setContextMenu(menu)
            self.icon.messageClicked.connect(self._clicked)
            self.icon.activated.connect(lambda _reason: window.showNormal())
            self.icon.show()
        self.set_unread(0)

    def set_unread(self, unread: int) -> None:
        if self.icon is not None:
            self.icon.setIcon(badge_icon(unread))
            self.icon.setToolTip(f"TOGaDesk Agent — {unread} unread" if unread else "TOGaDesk Agent")

    def notify(self, number: int, text: str) -> None:
        if not self.enabled:
            return
        self._last_ticket = number
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage("TOGaDesk Agent", text, QSystemTrayIcon.MessageIcon.Information, 8000)
        self.notified.emit(text)

    @Slot()
    def _clicked(self) -> None:
        if self._last_ticket is not None:
            self.ticket_requested.emit(self._last_ticket)
