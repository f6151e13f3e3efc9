"""Server text on one line: no hidden direction changes or invisible characters; notifications without markup."""

from __future__ import annotations

import pytest

from gui.api import Reply, Ticket
from gui.plain_text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, single_line
from gui.services.notifications import describe_change
from gui.store import Change, Saved, TicketRow


def test_a_right_to_left_override_is_shown_and_no_longer_reverses_the_file_name():
    assert single_line("invoice\u202eexe.fdp") == "invoice[U+202E]exe.fdp"


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                     "\u2069", "\u200e", "\u200f", "\u061c"])
def test_every_direction_control_is_shown_visibly(control):
    assert single_line(f"a{control}b") == f"a[U+{ord(control):04X}]b"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0041"])
def test_zero_width_characters_in_an_address_are_shown_visibly(invisible):
    assert single_line(f"jane{invisible}@example.com") == f"jane[U+{ord(invisible):04X}]@example.com"


def test_a_joiner_inside_an_emoji_sequence_or_a_persian_word_is_kept():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert single_line(family) == family
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", a non-joiner in the middle
    assert single_line(persian) == f"{FIRST_STRONG_ISOLATE}{persian}{POP_DIRECTIONAL_ISOLATE}"


def test_a_right_to_left_name_is_isolated_and_a_left_to_right_one_is_unchanged():
    assert single_line("שרה כהן") == f"{FIRST_STRONG_ISOLATE}שרה כהן{POP_DIRECTIONAL_ISOLATE}"
    assert single_line("Zoë Müller — 東京") == "Zoë Müller — 東京"


def test_line_breaks_tabs_and_controls_become_spaces():
    assert single_line("one\ntwo\r\nthree\tfour\x00five\u2028six") == "one two  three four five six"
    assert single_line(None) == "" and single_line("") == ""


def row(number: int, subject: str = "", status: str = "OPEN") -> TicketRow:
    return TicketRow(number, subject, "", "", status, "NORMAL", 0, "", False, "")


def test_a_notification_carries_no_markup_from_the_subject():
    ticket = Ticket(7, subject='<b>Urgent</b> <a href="http://evil.example">click</a> & <img src=x>')
    text = describe_change(Saved(Change.NEW, row(7)), ticket, "agent@example.com")
    assert text is not None and "<" not in text and ">" not in text and "&" not in text
    assert "Urgent" in text and "click" in text
    assert text.startswith("#7 was added to your list: ")


def test_a_notification_shows_hidden_characters_in_names_and_stays_one_line():
    reply = Reply("hi", "x@example.com", first_name="Ada\u202e", last_name="<i>Lovelace</i>\nIT")
    ticket = Ticket(8, replies=[reply])
    text = describe_change(Saved(Change.CHANGED, row(8), new_replies=1), ticket, "agent@example.com")
    assert text == "New reply on #8 from Ada[U+202E] \u2039i\u203aLovelace\u2039/i\u203a IT"


def test_a_very_long_subject_is_cut_in_a_notification():
    text = describe_change(Saved(Change.NEW, row(9)), Ticket(9, subject="x" * 10_000), "")
    assert text is not None and len(text) < 200 and text.endswith("…")
