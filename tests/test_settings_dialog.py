"""The Settings dialog's layout and keys: rows that come and go never clip a note nor leave a gap; Alt+S saves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.settings import CUSTOM, SANDBOX, Profile, load_profile
from gui.tasks import TaskRunner
from gui.views.settings_dialog import SettingsDialog
from tests import test_settings
from tests.test_settings import WAIT, open_settings

desk_factory = test_settings.desk_factory  # the same Desk as the settings tests, on its own settings file


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown(5000)


def shown_dialog(qtbot, runner: TaskRunner, environment: str = SANDBOX) -> SettingsDialog:
    dialog = SettingsDialog(runner, Profile(environment=environment, email_address="kim@togadesk.example"), "",
                            keyring_usable=False, keyring_name="none")  # the long note: three lines at this width
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def note_fits(dialog: SettingsDialog) -> bool:
    note = dialog.keyring_note
    return note.isVisible() and note.heightForWidth(note.width()) <= note.height()


def test_switching_to_custom_shows_the_whole_keyring_note_and_back_leaves_no_gap(qtbot, runner):
    dialog = shown_dialog(qtbot, runner)
    before = dialog.height()
    dialog.environment.setCurrentIndex(dialog.environment.findData(CUSTOM))
    qtbot.waitUntil(lambda: note_fits(dialog), timeout=WAIT)
    assert dialog.keyring_note.heightForWidth(dialog.keyring_note.width()) > dialog.fontMetrics().height() * 2
    assert dialog.height() > before
    assert dialog.form_area.verticalScrollBar().maximum() == 0  # the whole form, nothing to scroll on this screen
    dialog.environment.setCurrentIndex(dialog.environment.findData(SANDBOX))
    qtbot.waitUntil(lambda: dialog.height() == before, timeout=WAIT)


def test_a_dialog_opened_on_custom_shows_the_whole_note_at_once(qtbot, runner):
    dialog = shown_dialog(qtbot, runner, CUSTOM)
    assert note_fits(dialog)
    note = dialog.keyring_note
    assert note.height() == note.heightForWidth(note.width())  # and no empty lines under it


def test_the_dialog_never_grows_past_the_screen_its_form_scrolls_instead(qtbot, runner):
    dialog = shown_dialog(qtbot, runner, CUSTOM)
    room = dialog.screen().availableGeometry()
    dialog.move(dialog.x(), room.bottom() - 200)  # opened low on the screen
    dialog.error.setText("A reason these settings cannot be saved. " * 60)  # taller than any screen leaves room for
    dialog.error.show()
    dialog.fit()
    assert room.contains(dialog.frameGeometry())
    assert dialog.form_area.verticalScrollBar().maximum() > 0  # the rows that do not fit are a scroll away
    dialog.form_area.ensureWidgetVisible(dialog.team_password)
    assert dialog.team_password.visibleRegion().boundingRect().height() == dialog.team_password.height()


def test_the_keyboard_starts_on_the_environment_and_tab_walks_the_fields(qtbot, runner):
    dialog = shown_dialog(qtbot, runner, CUSTOM)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    assert QApplication.focusWidget() is dialog.environment
    qtbot.keyClick(dialog.environment, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.custom_url


def test_save_has_a_mnemonic_and_alt_s_saves(qtbot, desk_factory, tmp_path):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    assert dialog.save_button.text() == "&Save"
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    dialog.email.setFocus()
    dialog.email.setText("kim@togadesk.example")
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        qtbot.keyClick(dialog.email, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    saved = load_profile(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert saved.email_address == "kim@togadesk.example"


def test_the_reasons_under_the_form_are_shown_whole(qtbot, runner):
    dialog = shown_dialog(qtbot, runner, CUSTOM)
    before = dialog.height()
    dialog.email.clear()
    dialog.save_button.click()  # three reasons, two lines or more at this width
    error = dialog.error
    qtbot.waitUntil(lambda: error.isVisible() and error.heightForWidth(error.width()) <= error.height(),
                    timeout=WAIT)
    assert dialog.height() > before and dialog.isVisible()


def test_a_secret_longer_than_windows_credential_manager_keeps_is_refused_in_words(qtbot, runner):
    dialog = shown_dialog(qtbot, runner, CUSTOM)
    dialog.custom_url.setText("https://toga.example")
    dialog.public_key.setText("public")
    dialog.secret_key.setText("s" * 1281)  # 2,562 bytes in UTF-16
    with qtbot.assertNotEmitted(dialog.applied):
        dialog.save_button.click()
    assert "longer than the 1,280 characters" in dialog.error.text() and dialog.isVisible()
    dialog.secret_key.setText("s" * 1280)
    with qtbot.waitSignal(dialog.applied):
        dialog.save_button.click()


def test_saving_settings_that_changed_nothing_the_server_needs_keeps_the_connection(qtbot, desk_factory):
    desk = desk_factory(demo=True)
    connection = desk.connection
    assert connection is not None
    dialog = open_settings(qtbot, desk)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))  # appearance only
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.save_button.click()
    try:
        assert desk.connection is connection  # nothing reconnected: a reply on its way goes on
    finally:
        theme.apply(theme.SYSTEM)
