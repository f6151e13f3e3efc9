"""An unexpected error is logged and shown with the log's path; Help > About says what runs where."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

import main
from gui import __version__, logs
from gui.app import Desk
from gui.crash import CrashReporter
from gui.settings import Secrets
from gui.views.about_dialog import AboutDialog


@pytest.fixture
def log_file(tmp_path) -> Iterator[Path]:
    path = logs.configure(tmp_path / "logs", logging.INFO)
    yield path
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logging.FileHandler)]:
        handler.close()
        root.removeHandler(handler)


@pytest.fixture
def reporter(log_file) -> Iterator[CrashReporter]:
    crashes = CrashReporter(log_file).install()
    yield crashes
    crashes.uninstall()
    if crashes.box is not None:
        crashes.box.close()


def visible_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_an_exception_in_a_slot_is_logged_with_its_traceback_and_shown_with_the_log_path(qtbot, reporter, log_file):
    def broken_slot() -> None:
        raise RuntimeError("the <b>model</b> lost its rows")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    box = visible_boxes()[0]
    assert str(log_file) in box.text()
    assert "RuntimeError: the <b>model</b> lost its rows" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText  # the error's text is never markup
    logged = log_file.read_text()
    assert "Unexpected error" in logged and "Traceback" in logged and "in broken_slot" in logged
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not visible_boxes())  # Escape closes it: the agent is not stuck with it


def test_an_error_that_repeats_while_its_dialog_is_open_shows_one_dialog(qtbot, reporter):
    for _ in range(3):
        try:
            raise ValueError("again")
        except ValueError as error:
            reporter.handle(type(error), error, error.__traceback__)
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    assert reporter.box is visible_boxes()[0]  # the repeats were logged, not queued for a dialog of their own


def test_the_log_level_comes_from_the_environment_unless_given(monkeypatch):
    monkeypatch.setenv("TOGADESK_LOG_LEVEL", "debug")
    assert main.parse_args([]).log_level == "DEBUG"
    assert main.parse_args(["--log-level", "WARNING"]).log_level == "WARNING"
    monkeypatch.setenv("TOGADESK_LOG_LEVEL", "chatty")
    assert main.parse_args([]).log_level == "INFO"


def test_requests_are_logged_with_method_route_status_and_duration_but_never_the_signature(client, log_file):
    client.get_ticket(12345678)
    logged = log_file.read_text()
    assert "GET /ticket/12345678 -> 200 in " in logged
    assert "Authorization" not in logged and client.public_key not in logged


def test_about_shows_the_version_qt_python_and_where_data_and_log_live(qtbot, tmp_path, log_file):
    desk = Desk(tmp_path / "data", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), Secrets(),
                log_file=log_file)
    qtbot.addWidget(desk.window)
    try:
        desk.window.about_action.trigger()
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog))
        qtbot.waitExposed(dialog)
        assert dialog.values["Version"].text() == __version__
        assert qVersion() in dialog.values["Qt"].text()
        assert dialog.values["Data folder"].text() == str(tmp_path / "data")
        assert dialog.values["Log file"].text() == str(log_file)
        assert "no usable OS keyring" in dialog.values["Secret keys"].text()
        dialog.copy_button.click()
        assert f"Log file: {log_file}" in QGuiApplication.clipboard().text()
        dialog.close()
    finally:
        desk.shutdown()


def raise_and_report(reporter: CrashReporter, error: Exception) -> None:
    try:
        raise error
    except Exception as raised:
        reporter.handle(type(raised), raised, raised.__traceback__)


def test_a_closed_error_dialog_does_not_come_back_for_the_same_error_but_does_for_another(qtbot, reporter):
    raise_and_report(reporter, ValueError("on every repaint"))
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    visible_boxes()[0].close()
    qtbot.waitUntil(lambda: not visible_boxes())
    raise_and_report(reporter, ValueError("on every repaint"))
    assert not visible_boxes()
    raise_and_report(reporter, KeyError("something else"))
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)


def test_a_repeating_error_logs_its_traceback_a_few_times_then_one_line(reporter, log_file):
    for _ in range(10):
        raise_and_report(reporter, ValueError("again and again"))
    logged = log_file.read_text()
    assert logged.count("Traceback") == 3
    assert "again (10 times): ValueError: again and again" in logged
