"""The app's icon, rendered from its SVG at the sizes the window, task bar and tray ask for."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..resources import APP_ICON, resource_path

SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_mark(size: int) -> QPixmap:
    """The icon as a ``size``-pixel square (rendered with QtSvg, so no image plugin is needed)."""
    renderer = _renderer()
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(app_mark(size))
    return icon


@cache
def _renderer() -> QSvgRenderer:
    renderer = QSvgRenderer(str(resource_path(APP_ICON)))
    if not renderer.isValid():
        raise ValueError(f"The app icon {APP_ICON} is not a valid SVG")
    return renderer
