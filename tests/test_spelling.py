"""Spelling in what the agent writes (issue 18): underlines, suggestions, the agent's own words."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit

from gui.spelling import LONGEST_WORD, Speller, available_languages, language_for_locale, words_in
from gui.views.spell_check import SpellCheck


@pytest.fixture(scope="module")
def english() -> Speller:
    return Speller.load("en")


def _flagged(speller: Speller, text: str) -> list[str]:
    return [text[start:start + length] for start, length in speller.misspelled(text)]


def test_misspelled_words_are_found_and_correct_ones_are_not(english):
    assert _flagged(english, "Thank you for your pateince, the printer is fixd.") == ["pateince", "fixd"]


def test_links_addresses_numbers_and_placeholders_are_not_checked(english):
    text = ("See https://exmple.com/pth?q=zzqq or write to jne.doe@exmple.com about order 12345678, "
            "ticket #A1B2C3 and {frist_name}.")
    assert _flagged(english, text) == []


def test_contractions_and_possessives_are_words(english):
    assert _flagged(english, "The customer's laptop isn't booting; it\u2019s the agent\u2019s turn.") == []


def test_a_100_kb_word_is_neither_checked_nor_slow(english):
    text = "x" * 100_000 + " speling"
    started = time.perf_counter()
    assert _flagged(english, text) == ["speling"]
    assert english.suggestions("x" * (LONGEST_WORD + 1)) == []
    assert time.perf_counter() - started < 1.0  # a guard against a hang, not a benchmark


def test_suggestions_come_most_likely_first_in_the_words_case(english):
    assert english.suggestions("pateince")[0] == "patience"
    assert english.suggestions("Recieve")[0] == "Receive"
    assert english.suggestions("WROLD")[0] == "WORLD"


def test_a_word_added_to_my_dictionary_is_known_now_and_after_a_restart(tmp_path):
    personal = tmp_path / "dictionary.txt"
    speller = Speller.load("en", personal)
    assert _flagged(speller, "Restart TOGaDesk") == ["TOGaDesk"]
    speller.add("TOGaDesk")
    assert _flagged(speller, "Restart TOGaDesk") == []
    assert _flagged(Speller.load("en", personal), "Restart togadesk") == []


def test_an_unreadable_personal_dictionary_is_ignored_not_fatal(tmp_path):
    personal = tmp_path / "dictionary.txt"
    personal.write_bytes(b"\xff\xfe\x00 not utf-8")
    assert _flagged(Speller.load("en", personal), "hello wrold") == ["wrold"]


def test_the_language_follows_the_system_locale_when_there_is_a_dictionary_for_it():
    assert "en" in available_languages() and available_languages()[0] == "en"
    assert language_for_locale("de_DE") == "de"
    assert language_for_locale("pt-BR") == "pt"
    assert language_for_locale("ja_JP") == "en"  # no Japanese dictionary: English
    assert language_for_locale("C", available=[]) == ""


def test_words_in_gives_offsets_into_the_text():
    assert list(words_in("Hi  there, Zoë!")) == [(0, "Hi"), (4, "there"), (11, "Zoë")]


def _underlined(edit: QPlainTextEdit) -> list[str]:
    block = edit.document().firstBlock()
    return [block.text()[f.start:f.start + f.length] for f in block.layout().formats()
            if f.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline]


def test_the_text_box_underlines_as_the_agent_types_once_the_speller_is_set(qtbot, english):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    spelling = SpellCheck(edit)
    qtbot.keyClicks(edit, "Plese restart")
    assert _underlined(edit) == []  # no dictionary yet: nothing is underlined, typing works
    spelling.set_speller(english)
    assert _underlined(edit) == ["Plese"]
    qtbot.keyClicks(edit, " teh router")
    assert _underlined(edit) == ["Plese", "teh"]
    spelling.set_speller(None)
    assert _underlined(edit) == []


def test_right_click_offers_suggestions_that_replace_the_word_and_add_to_my_dictionary(qtbot, tmp_path):
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    spelling = SpellCheck(edit)
    spelling.set_speller(Speller.load("en", tmp_path / "dictionary.txt"))
    edit.setPlainText("Thanks for your pateince and Zorbex.")
    menu = spelling.menu_for(edit.toPlainText().index("pateince") + 2)
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "patience" and "Add \u201cpateince\u201d to my dictionary" in texts
    menu.actions()[0].trigger()
    assert edit.toPlainText() == "Thanks for your patience and Zorbex."
    edit.undo()  # one undo step brings the typed word back
    assert edit.toPlainText() == "Thanks for your pateince and Zorbex."
    menu = spelling.menu_for(edit.toPlainText().index("Zorbex"))
    next(a for a in menu.actions() if a.text().startswith("Add")).trigger()
    assert _underlined(edit) == ["pateince"]
    correct = spelling.menu_for(edit.toPlainText().index("Thanks"))
    assert not any(a.text().startswith("Add") for a in correct.actions())  # a known word: the usual menu only


def test_suggestions_for_a_long_word_come_back_at_once_one_edit_away(english):
    started = time.perf_counter()
    assert english.suggestions("intermitent") == ["intermittent"]
    english.suggestions("internationalizationnn" + "x" * 15)  # 37 letters: two edits away took seconds
    assert time.perf_counter() - started < 0.5  # a guard against the UI freezing, not a benchmark
    assert english.suggestions("pateince")[0] == "patience"  # a short word is still looked up two edits away
