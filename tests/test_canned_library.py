"""Canned replies > Manage, through the real widgets, the local store and a real team database (issue 18)."""

from __future__ import annotations

import contextlib
import json

import pytest
from PySide6.QtCore import Qt

from gui.canned import PERSONAL, TEAM, Template
from gui.services.canned_replies import CannedReplies
from gui.store import LocalStore
from gui.tasks import TaskRunner
from gui.team import TeamRegistry
from gui.views.canned_library import CannedLibrary

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures

WAIT = 10_000


@pytest.fixture
def store(tmp_path):
    with contextlib.closing(LocalStore(tmp_path / "desk.sqlite3")) as local:
        yield local


@pytest.fixture
def runner(qtbot):
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(WAIT)


def library(qtbot, runner, service) -> CannedLibrary:
    dialog = CannedLibrary(runner, service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.new_button.isEnabled(), timeout=WAIT)
    return dialog


def _save(qtbot, dialog: CannedLibrary) -> None:
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.new_button.isEnabled(), timeout=WAIT)


def test_a_new_canned_reply_is_saved_in_the_local_store_and_listed(qtbot, runner, store):
    dialog = library(qtbot, runner, CannedReplies(store))
    dialog.name.setText("Printer reset")
    dialog.text.setPlainText("Hi {first_name}, unplug it for 30 s.")
    dialog.status.setCurrentIndex(dialog.status.findData("AWAITING_USER"))
    assert not dialog.shared.isEnabled()  # no team: personal only
    _save(qtbot, dialog)
    assert [(t.name, t.text, t.status, t.scope) for t in store.templates()] == [
        ("Printer reset", "Hi {first_name}, unplug it for 30 s.", "AWAITING_USER", PERSONAL)]
    qtbot.waitUntil(lambda: dialog.names() == ["Printer reset"], timeout=WAIT)
    assert not dialog.is_dirty()


def test_a_refused_save_keeps_what_was_typed_and_says_why(qtbot, runner, store):
    store.save_template(Template("Greeting", "Hello"))
    dialog = library(qtbot, runner, CannedReplies(store))
    dialog.new()
    dialog.name.setText("GREETING")
    dialog.text.setPlainText("Another hello")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.banner.isVisible() and "already have" in dialog.banner.text(), timeout=WAIT)
    assert (dialog.name.text(), dialog.text.toPlainText()) == ("GREETING", "Another hello")
    assert len(store.templates()) == 1


def test_choosing_another_reply_with_unsaved_changes_asks_first(qtbot, runner, store):
    store.save_template(Template("A", "First"))
    store.save_template(Template("B", "Second"))
    dialog = library(qtbot, runner, CannedReplies(store))
    qtbot.waitUntil(lambda: dialog.names() == ["A", "B"], timeout=WAIT)
    dialog.text.setPlainText("First, edited")
    dialog.list.setCurrentRow(1)
    assert dialog.text.toPlainText() == "First, edited" and "Save or discard" in dialog.banner.text()


def test_an_unknown_placeholder_is_pointed_out_while_typing(qtbot, runner, store):
    dialog = library(qtbot, runner, CannedReplies(store))
    qtbot.keyClicks(dialog.text, "Hi {frist_name}")
    assert dialog.unknown.isVisible() and "{frist_name}" in dialog.unknown.text()


def test_export_then_import_on_another_desk_brings_the_same_replies(qtbot, runner, store, tmp_path):
    store.save_template(Template("Close", "Closing, {first_name}.", "CLOSED"))
    dialog = library(qtbot, runner, CannedReplies(store))
    qtbot.waitUntil(lambda: dialog.names() == ["Close"], timeout=WAIT)
    exported = tmp_path / "mine.json"
    dialog.export_to(exported)
    qtbot.waitUntil(lambda: "Exported 1" in dialog.banner.text(), timeout=WAIT)
    assert json.loads(exported.read_text("utf-8"))["replies"] == [
        {"name": "Close", "text": "Closing, {first_name}.", "status": "CLOSED"}]
    with contextlib.closing(LocalStore(tmp_path / "other.sqlite3")) as other_store:
        other = library(qtbot, runner, CannedReplies(other_store))
        with qtbot.waitSignal(other.changed, timeout=WAIT):
            other.import_from(exported)
        qtbot.waitUntil(lambda: other.names() == ["Close"], timeout=WAIT)
        assert other_store.templates()[0].status == "CLOSED"


def test_importing_a_file_that_is_not_canned_replies_says_so_and_stores_nothing(qtbot, runner, store, tmp_path):
    bad = tmp_path / "photo.json"
    bad.write_bytes(b"\x89PNG\r\n")
    dialog = library(qtbot, runner, CannedReplies(store))
    dialog.import_from(bad)
    qtbot.waitUntil(lambda: "not a canned-replies file" in dialog.banner.text(), timeout=WAIT)
    assert store.templates() == []


def test_a_reply_shared_with_the_team_moves_to_the_team_database(qtbot, runner, store, team_schema):
    with TeamRegistry(team_schema, agent="ann") as ann, TeamRegistry(team_schema, agent="bob") as bob:
        for template in ann.templates():
            ann.delete_template(template.id)
        store.save_template(Template("Refund", "We refund."))
        dialog = library(qtbot, runner, CannedReplies(store, ann))
        qtbot.waitUntil(lambda: dialog.names() == ["Refund"] and dialog.shared.isEnabled(), timeout=WAIT)
        dialog.shared.setChecked(True)
        _save(qtbot, dialog)
        assert store.templates() == []
        assert [(t.name, t.scope) for t in bob.templates()] == [("Refund", TEAM)]
        qtbot.waitUntil(lambda: dialog.list.count() == 1 and "team" in dialog.list.item(0).text(), timeout=WAIT)


def test_closing_with_unsaved_text_keeps_the_dialog_until_the_agent_says_to_drop_it(qtbot, runner, store):
    dialog = library(qtbot, runner, CannedReplies(store))
    dialog.name.setText("Long one")
    dialog.text.setPlainText("x" * 5000)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "not saved" in dialog.banner.text()
    assert dialog.text.toPlainText() == "x" * 5000
    dialog.close()  # the window's close button
    assert dialog.isVisible()
    dialog.banner.retry_button.click()  # "Close without saving"
    assert not dialog.isVisible() and store.templates() == []


def test_every_alt_letter_of_the_library_is_its_own(qtbot, runner, store):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    dialog = library(qtbot, runner, CannedReplies(store))
    texts = [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel) if w.isVisible()]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t and not t.endswith("&")]
    assert len(letters) == len(set(letters)), texts
