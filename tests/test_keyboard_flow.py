"""The agent's keyboard paths: no key beyond the ones an agent expects (issue 17)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.views.main_window import PLAIN_KEYS, shortcut_rows
from tests import test_workspace
from tests.test_workspace import SPEC_TICKET, WAIT, shown_numbers

desk = test_workspace.active_desk  # a desk whose window is active: keys and focus act as for the agent


def test_a_ticket_opened_by_number_puts_the_cursor_in_its_reply_box(desk):
    desk.open(SPEC_TICKET)  # Ctrl+L, the number, Return
    composer = desk.window.detail.composer
    desk.qtbot.waitUntil(composer.hasFocus, timeout=WAIT)
    desk.qtbot.keyClicks(composer, "On it.")
    assert composer.toPlainText() == "On it."


def test_return_in_the_list_opens_the_ticket_and_goes_to_its_reply_box_and_esc_comes_back(desk, sandbox):
    desk.open(SPEC_TICKET)
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    table = desk.window.list_pane.table
    table.setFocus()
    row = shown_numbers(desk.window).index(SPEC_TICKET)
    table.setCurrentIndex(desk.window.model.index(row, 1))
    desk.qtbot.waitUntil(lambda: desk.controller.current == SPEC_TICKET, timeout=WAIT)
    table.setFocus()
    desk.qtbot.keyClick(table, Qt.Key.Key_Return)
    composer = desk.window.detail.composer
    desk.qtbot.waitUntil(composer.hasFocus, timeout=WAIT)
    desk.qtbot.keyClick(composer, Qt.Key.Key_Escape)
    assert table.hasFocus()
    desk.qtbot.keyClick(table, Qt.Key.Key_R)  # R does the same as Return
    assert composer.hasFocus()


def test_tab_leaves_the_list_instead_of_walking_its_cells(desk):
    desk.open(SPEC_TICKET)
    table = desk.window.list_pane.table
    assert not table.tabKeyNavigation()
    table.setFocus()
    desk.qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus() and desk.controller.current == SPEC_TICKET


def test_esc_in_the_filter_clears_it_and_a_second_esc_goes_to_the_list(desk):
    pane = desk.window.list_pane
    pane.filter_edit.setFocus()
    desk.qtbot.keyClicks(pane.filter_edit, "printer")
    desk.qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Escape)
    assert pane.filter_edit.text() == "" and pane.filter_edit.hasFocus()
    desk.qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Escape)
    assert pane.table.hasFocus()


def test_ctrl_r_goes_to_the_reply_box_from_anywhere(desk):
    desk.open(SPEC_TICKET)
    desk.window.list_pane.filter_edit.setFocus()
    desk.window.reply_action.trigger()
    assert desk.window.detail.composer.hasFocus()


def test_a_new_ticket_is_filed_with_the_required_fields_first_and_ctrl_enter(desk, sandbox):
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=WAIT)
    email = dialog.edits["email_address"]
    email.setFocus()
    desk.qtbot.keyClicks(email, "jane@example.com")
    desk.qtbot.keyClick(email, Qt.Key.Key_Tab)
    subject = QApplication.focusWidget()
    assert subject is dialog.edits["subject"]
    desk.qtbot.keyClicks(subject, "Docking station flickers")
    desk.qtbot.keyClick(subject, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.message
    desk.qtbot.keyClicks(dialog.message, "Since Monday.")
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT) as opened:
        desk.qtbot.keyClick(dialog.message, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sandbox.store.ticket(opened.args[0])["subject"] == "Docking station flickers"


def test_the_shortcut_sheet_lists_every_shortcut_of_the_window(desk):
    desk.window.shortcuts_action.trigger()
    table = desk.window.shortcut_sheet.table
    listed = {table.item(r, 0).text() for r in range(table.rowCount())}
    for action in desk.window.actions():
        if action.shortcuts() and action.isVisible():
            assert action.shortcut().toString() in " ".join(listed), action.text()
    assert {keys for keys, _ in PLAIN_KEYS} <= listed
    assert len(shortcut_rows(desk.window)) == table.rowCount()


def test_alt_t_means_the_ticket_menu_only():
    from gui.views import main_window

    with open(main_window.__file__, encoding="utf-8") as file:
        source = file.read()
    assert '"&Tickets"' not in source and '"&Ticket"' in source


def test_the_readme_key_table_names_every_shortcut_of_the_window(desk):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("| Keys | Action |")
    table = readme[start:readme.index("\n\n", start)]
    for action in desk.window.actions() + desk.window.detail.actions():
        keys = [key.toString() for key in action.shortcuts()]
        if keys and action.text():
            assert any(key in table for key in keys), f"{action.text()} ({keys}) is not in the README's key table"
    for keys, _ in PLAIN_KEYS:
        assert keys.split(" / ")[0].split(" or ")[0] in table, keys


def test_a_first_run_window_fits_the_screen_and_a_saved_one_from_a_bigger_screen_comes_back_on_it(qtbot, tmp_path):
    from PySide6.QtCore import QByteArray, QSettings

    from gui.controller import TicketController
    from gui.services.tickets import Agent
    from gui.tasks import TaskRunner
    from gui.views.main_window import MainWindow

    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    runner = TaskRunner()
    try:
        window = MainWindow(TicketController(runner), "Sandbox", Agent(), settings=settings)
        qtbot.addWidget(window)
        room = window.screen().availableGeometry()
        assert window.width() <= room.width() and window.height() <= room.height()
        assert room.contains(window.geometry().center())
        window.setGeometry(5000, 4000, 2400, 1500)  # as saved on a bigger screen that is gone now
        settings.setValue("window/geometry", window.saveGeometry())
        assert isinstance(settings.value("window/geometry"), QByteArray)
        again = MainWindow(TicketController(runner), "Sandbox", Agent(), settings=settings)
        qtbot.addWidget(again)
        assert again.width() <= room.width() and again.height() <= room.height()
        assert room.intersects(again.frameGeometry())
    finally:
        assert runner.shutdown(5000)
