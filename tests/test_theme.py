"""Light, Dark or System: chosen in Settings, shown at once, kept across a restart; colours follow a live change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.models.ticket_table import STATUS, STATUS_COLOURS, UNKNOWN_STATUS_COLOUR
from gui.views.banner import DARK_STYLES, STYLES, TONES
from tests import test_settings
from tests.test_settings import WAIT, open_settings

desk_factory = test_settings.desk_factory  # the same Desk as the settings tests, on its own settings file

Role, Group = QPalette.ColorRole, QPalette.ColorGroup


@pytest.fixture(autouse=True)
def platform_look(qapp) -> Iterator[QPalette]:
    """The platform's own palette; whatever a test chose, the next one starts from it again."""
    style = qapp.style().name()
    original = QPalette(qapp.palette())
    yield original
    theme.apply(theme.SYSTEM)
    assert qapp.style().name() == style
    assert qapp.palette().color(Role.Window) == original.color(Role.Window)


def choose(dialog, choice: str) -> None:
    dialog.theme.setCurrentIndex(dialog.theme.findData(choice))


def stored(tmp_path) -> str:
    return theme.load(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def test_choosing_dark_in_settings_turns_the_app_dark_at_once_and_banners_restyle(qtbot, desk_factory, tmp_path):
    desk = desk_factory()
    assert not theme.is_dark()
    desk.window.notify("The server is slow today.", kind="info")
    banner = desk.window.welcome.banner
    assert banner.styleSheet() == STYLES["info"]
    dialog = open_settings(qtbot, desk)
    dialog.email.clear()
    dialog.save_button.click()  # a reason under the form, in the error colour
    assert dialog.error.styleSheet() == f"color: {TONES['error'][0]};"
    choose(dialog, theme.DARK)
    assert QApplication.palette().color(Role.Window).lightness() < 80
    # Qt posts the news of a palette change: the banner restyles itself when it arrives
    qtbot.waitUntil(lambda: banner.styleSheet() == DARK_STYLES["info"], timeout=WAIT)  # without being shown again
    assert dialog.error.styleSheet() == f"color: {TONES['error'][1]};"
    assert dialog.keyring_note.styleSheet() == f"color: {TONES['warning'][1]};"  # no keyring in tests
    dialog.email.setText("kim@togadesk.example")
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.save_button.click()
    assert stored(tmp_path) == theme.DARK and theme.is_dark()


def test_cancel_brings_back_the_saved_appearance(qtbot, desk_factory, tmp_path):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    choose(dialog, theme.DARK)
    assert theme.is_dark()
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.reject()
    assert not theme.is_dark() and stored(tmp_path) == theme.SYSTEM


def test_the_appearance_survives_a_restart(qtbot, desk_factory, tmp_path):
    first = desk_factory()
    dialog = open_settings(qtbot, first)
    dialog.email.setText("kim@togadesk.example")
    choose(dialog, theme.DARK)
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.save_button.click()
    first.shutdown()
    theme.apply(theme.SYSTEM)  # as a new process starts: the platform's look until the desk reads its settings
    assert not theme.is_dark()
    second = desk_factory()
    assert theme.is_dark() and second.window.palette().color(Role.Window).lightness() < 80
    assert open_settings(qtbot, second).theme_choice() == theme.DARK


def test_light_and_system_after_dark(qtbot, desk_factory, platform_look):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    choose(dialog, theme.DARK)
    choose(dialog, theme.LIGHT)
    assert QApplication.palette().color(Role.Window).lightness() > 200
    choose(dialog, theme.DARK)
    choose(dialog, theme.SYSTEM)  # the platform's own palette and colour scheme, nothing of ours left
    assert QApplication.palette().color(Role.Window) == platform_look.color(Role.Window)
    assert QApplication.styleHints().colorScheme() == Qt.ColorScheme.Unknown  # offscreen has no scheme of its own
    dialog.reject()


def test_system_leaves_a_palette_it_did_not_set_alone(qapp):
    custom = QPalette(qapp.palette())
    custom.setColor(Role.Window, Qt.GlobalColor.darkCyan)
    qapp.setPalette(custom)
    try:
        theme.apply(theme.SYSTEM)
        assert qapp.palette().color(Role.Window) == custom.color(Role.Window)
    finally:
        qapp.setPalette(QPalette())


def test_the_ticket_lists_status_colours_follow_a_live_change(qtbot, desk_factory):
    desk = desk_factory()
    desk.explore()
    model = desk.window.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=WAIT)
    index = model.index(0, STATUS)
    light = model.data(index, Qt.ItemDataRole.ForegroundRole).name()
    theme.apply(theme.DARK)
    dark = model.data(index, Qt.ItemDataRole.ForegroundRole).name()
    assert light != dark and (light, dark) in set(STATUS_COLOURS.values()) | {UNKNOWN_STATUS_COLOUR}


@pytest.mark.parametrize("dark", [False, True])
def test_each_palette_is_complete_and_greys_disabled_text(dark):
    colours = theme.palette(dark)
    assert theme.is_dark(colours) is dark
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        assert colours.color(Group.Disabled, role) != colours.color(Group.Active, role)
    text, base = colours.color(Role.Text).lightness(), colours.color(Role.Base).lightness()
    assert abs(text - base) > 180
    link = colours.color(Role.Link).lightness()
    assert abs(link - base) > 60  # a link stays readable (the default blue is not, on a dark base)


def test_an_unknown_stored_word_means_system(tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(theme.SETTINGS_KEY, "solarized")
    assert theme.load(settings) == theme.SYSTEM


def _link_colours(browser) -> set[str]:
    colours = set()
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid() and fragment.charFormat().isAnchor():
                colours.add(fragment.charFormat().foreground().color().name())
            it += 1
        block = block.next()
    return colours


def test_the_open_threads_links_follow_a_live_switch_to_dark(qtbot, sandbox, tmp_path):
    from tests.test_workspace import SPEC_TICKET, Desk

    desk = Desk(qtbot, sandbox, tmp_path)
    try:
        theme.apply(theme.LIGHT)
        desk.open(SPEC_TICKET)
        thread = desk.window.detail.thread
        light = _link_colours(thread)
        assert light  # the spec ticket's thread has e-mail links
        theme.apply(theme.DARK)
        qtbot.waitUntil(lambda: _link_colours(thread) and _link_colours(thread) != light, timeout=WAIT)
        assert _link_colours(thread) == {QApplication.palette().color(Role.Link).name()}
    finally:
        desk.close()
