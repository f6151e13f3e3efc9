"""Spelling in the desk's own text boxes: the reply box and the New ticket message (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit

from gui.settings import SPELLING_OFF
from tests import test_settings
from tests.test_settings import open_settings
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

desk_factory = test_settings.desk_factory  # a whole Desk (the app object) on a settings file of its own


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def _underlined(edit: QPlainTextEdit) -> list[str]:
    block = edit.document().firstBlock()
    return [block.text()[f.start:f.start + f.length] for f in block.layout().formats()
            if f.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline]


def test_the_reply_box_underlines_misspellings_once_the_dictionary_has_loaded(desk, tmp_path):
    window = desk.window
    window.use_spelling("en", tmp_path / "my-dictionary.txt")
    desk.qtbot.waitUntil(lambda: window.speller is not None, timeout=WAIT)
    desk.open(SPEC_TICKET)
    composer = window.detail.composer
    desk.qtbot.keyClicks(composer, "Thanks for your pateince")
    assert _underlined(composer) == ["pateince"]
    assert composer.toPlainText() == "Thanks for your pateince"  # the text itself is never changed


def test_the_new_ticket_message_is_checked_too(desk, tmp_path):
    window = desk.window
    window.use_spelling("en", tmp_path / "my-dictionary.txt")
    desk.qtbot.waitUntil(lambda: window.speller is not None, timeout=WAIT)
    window.new_ticket()
    message = window.new_ticket_dialog.message
    desk.qtbot.keyClicks(message, "The printr is offline")
    assert _underlined(message) == ["printr"]
    window.new_ticket_dialog.reject()


def test_spelling_off_underlines_nothing(desk, tmp_path):
    window = desk.window
    window.use_spelling("en", tmp_path / "my-dictionary.txt")
    desk.qtbot.waitUntil(lambda: window.speller is not None, timeout=WAIT)
    window.use_spelling("", None)
    desk.open(SPEC_TICKET)
    desk.qtbot.keyClicks(window.detail.composer, "Thanks for your pateince")
    assert window.speller is None and _underlined(window.detail.composer) == []


def test_a_language_without_a_dictionary_turns_spelling_off_and_says_so(desk, tmp_path):
    window = desk.window
    window.use_spelling("no-such-language", tmp_path / "my-dictionary.txt")
    desk.qtbot.waitUntil(lambda: "Spelling is off" in window.statusBar().currentMessage(), timeout=WAIT)
    assert window.speller is None
    desk.open(SPEC_TICKET)
    desk.qtbot.keyClicks(window.detail.composer, "Still typing")
    assert window.detail.composer.toPlainText() == "Still typing"


def test_spelling_is_chosen_in_settings_off_stays_off_after_a_restart(qtbot, desk_factory, tmp_path):
    first = desk_factory()
    qtbot.waitUntil(lambda: first.window.speller is not None, timeout=WAIT)  # the system's language, by default
    dialog = open_settings(qtbot, first)
    dialog.email.setText("kim@togadesk.example")  # a profile Settings accepts
    dialog.spelling.setCurrentIndex(dialog.spelling.findData(SPELLING_OFF))
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: first.window.speller is None, timeout=WAIT)
    first.shutdown()
    again = desk_factory()
    qtbot.waitUntil(lambda: again.window.spelling_asked, timeout=WAIT)
    assert again.window.speller is None and again.window.spelling_language == ""


def test_a_language_chosen_in_settings_is_the_dictionary_used(qtbot, desk_factory):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.email.setText("kim@togadesk.example")
    dialog.spelling.setCurrentIndex(dialog.spelling.findData("de"))
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: desk.window.speller is not None and desk.window.speller.language == "de", timeout=WAIT)
    assert desk.window.speller.misspelled("Vielen Dank für Ihre Gedult") == [(21, 6)]
