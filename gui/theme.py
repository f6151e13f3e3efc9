"""Light, Dark or System: the agent's choice of appearance, kept in QSettings and applied at once.

Qt 6.8+ can ask the platform theme for a colour scheme (``QStyleHints.setColorScheme``); Windows 11
and recent desktops honour it. Where the platform cannot (offscreen, xcb under Xvfb, older desktops,
styles that ignore palettes), the look is made here: the Fusion style with a full light or dark
palette. Widgets that pick colours from the palette re-read it when it changes (QEvent
ApplicationPaletteChange), so nothing needs a restart.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSettings, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

SYSTEM, LIGHT, DARK = "system", "light", "dark"
CHOICES = {SYSTEM: "System (as the desktop)", LIGHT: "Light", DARK: "Dark"}
SETTINGS_KEY = "appearance/theme"
_SCHEMES = {LIGHT: Qt.ColorScheme.Light, DARK: Qt.ColorScheme.Dark}

Role, Group = QPalette.ColorRole, QPalette.ColorGroup


def load(settings: QSettings) -> str:
    """The stored choice; System when none (or an unknown word) is stored."""
    value = str(settings.value(SETTINGS_KEY, SYSTEM) or SYSTEM)
    return value if value in CHOICES else SYSTEM


def save(settings: QSettings, choice: str) -> None:
    settings.setValue(SETTINGS_KEY, choice if choice in CHOICES else SYSTEM)
    settings.sync()


def is_dark(colours: QPalette | None = None) -> bool:
    """Whether a palette (the application's by default) is a dark one: its window is darker than mid-grey."""
    colours = colours if colours is not None else QGuiApplication.palette()
    return colours.color(Role.Window).lightness() < 128


def palette(dark: bool) -> QPalette:
    """A complete palette for the Fusion style: every role, and greyed text for disabled widgets."""
    light_colours = {
        Role.Window: "#efefef", Role.WindowText: "#000000", Role.Base: "#ffffff", Role.AlternateBase: "#f7f7f7",
        Role.Text: "#000000", Role.Button: "#efefef", Role.ButtonText: "#000000", Role.BrightText: "#ffffff",
        Role.Light: "#ffffff", Role.Midlight: "#cacaca", Role.Mid: "#b8b8b8", Role.Dark: "#9f9f9f",
        Role.Shadow: "#767676", Role.Highlight: "#308cc6", Role.HighlightedText: "#ffffff", Role.Accent: "#308cc6",
        Role.ToolTipBase: "#ffffdc", Role.ToolTipText: "#000000", Role.Link: "#0b57d0", Role.LinkVisited: "#6a1b9a",
        Role.PlaceholderText: "#767676",
    }
    dark_colours = {
        Role.Window: "#2d2d2d", Role.WindowText: "#e6e6e6", Role.Base: "#1f1f1f", Role.AlternateBase: "#282828",
        Role.Text: "#e6e6e6", Role.Button: "#383838", Role.ButtonText: "#e6e6e6", Role.BrightText: "#ffffff",
        Role.Light: "#474747", Role.Midlight: "#3a3a3a", Role.Mid: "#232323", Role.Dark: "#1e1e1e",
        Role.Shadow: "#101010", Role.Highlight: "#2f78c4", Role.HighlightedText: "#ffffff", Role.Accent: "#2f78c4",
        Role.ToolTipBase: "#3c3c3c", Role.ToolTipText: "#e6e6e6", Role.Link: "#8ab4f8", Role.LinkVisited: "#c58af9",
        Role.PlaceholderText: "#9a9a9a",
    }
    result = QPalette()
    for role, colour in (dark_colours if dark else light_colours).items():
        result.setColor(role, QColor(colour))
    disabled_text = QColor("#7f7f7f" if dark else "#a0a0a0")
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.PlaceholderText):
        result.setColor(Group.Disabled, role, disabled_text)
    result.setColor(Group.Disabled, Role.Base, QColor("#2d2d2d" if dark else "#efefef"))
    result.setColor(Group.Disabled, Role.Highlight, QColor("#5a5a5a" if dark else "#919191"))
    return result


class _Applied:
    """What this module changed on the application, so System can give the platform its look back."""

    choice = SYSTEM
    original_style = ""  # the style the application started with; "" until the first change
    own_palette = False  # the application palette is ours, not the platform's
    following = False  # connected to the platform's colorSchemeChanged


def apply(choice: str, app: QApplication | None = None) -> None:
    """Shows the application in ``choice`` now: the platform's scheme where it can, else our Fusion palette."""
    app = app or QApplication.instance()
    choice = choice if choice in CHOICES else SYSTEM
    hints = app.styleHints()
    if not _Applied.following:
        hints.colorSchemeChanged.connect(_platform_changed)
        _Applied.following = True
    previous, _Applied.choice = _Applied.choice, choice
    if choice == SYSTEM and previous == SYSTEM and not _Applied.own_palette:
        _follow_platform(app)  # nothing of ours to undo: the platform's look (or a palette set by others) stays
        return
    _give_back(app)
    if choice == SYSTEM:
        hints.unsetColorScheme()
        _follow_platform(app)
        return
    hints.setColorScheme(_SCHEMES[choice])  # a request: the platform may honour it, or not
    if is_dark(app.palette()) != (choice == DARK):
        _own_palette(app, dark=choice == DARK)


def current() -> str:
    """The choice last applied in this process."""
    return _Applied.choice


def _give_back(app: QApplication) -> None:
    """Undoes our palette and style, so the platform's own answer to a request can be seen."""
    if not _Applied.own_palette:
        return
    if app.style().name().lower() != _Applied.original_style.lower():
        app.setStyle(_Applied.original_style)
    app.setPalette(QPalette())  # a palette with nothing set: the platform's and style's own again
    _Applied.own_palette = False


def _own_palette(app: QApplication, *, dark: bool) -> None:
    if not _Applied.original_style:
        _Applied.original_style = app.style().name()
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # native styles (windowsvista, macOS) ignore a palette; Fusion paints with it
    app.setPalette(palette(dark))
    _Applied.own_palette = True


def _follow_platform(app: QApplication) -> None:
    """System: a platform that says "dark" but paints light (no dark palette in its theme) gets ours."""
    if app.styleHints().colorScheme() == Qt.ColorScheme.Dark and not is_dark(app.palette()):
        _own_palette(app, dark=True)


def _platform_changed(_scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    if app is None or _Applied.choice != SYSTEM:
        return
    _give_back(app)
    _follow_platform(app)


class PaletteWatcher(QWidget):
    """Says when the application palette changed, whoever changed it (this module, the platform, a test).

    Qt tells every top-level widget (this one is never shown) but not a widget with its own style sheet,
    which is what banners and coloured labels are: they connect to ``changed`` and restyle themselves.
    """

    changed = Signal()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self.changed.emit()
        return super().event(event)


_watcher: list[PaletteWatcher] = []


def palette_changes() -> SignalInstance:
    """The signal emitted after every change of the application palette (connect a bound @Slot to it)."""
    if not _watcher:
        _watcher.append(PaletteWatcher())
    return _watcher[0].changed
