"""Canned replies: placeholders, the picker's matching, the exchange file (issue 18)."""

from __future__ import annotations

import json

import pytest

from gui.api import Status, Ticket
from gui.canned import (
    FILE_BYTES,
    TEXT_CHARS,
    Template,
    TemplateError,
    export_text,
    fill,
    import_text,
    matching,
    unknown_placeholders,
)
from gui.services.tickets import Agent

TICKET = Ticket(ticket_number=12345678, subject="Printer offline", message="It blinks", status=Status.AWAITING_USER,
                first_name="Ann", last_name="Lee", email_address="ann.lee@example.com")
AGENT = Agent("Jane", "Doe", "jane@desk.example")


def test_placeholders_are_filled_from_the_ticket_and_the_agent():
    text = "Hi {first_name}, about #{ticket_number} ({subject}, {status}): {agent_name} <{agent_email}>"
    assert fill(text, TICKET, AGENT) == ("Hi Ann, about #12345678 (Printer offline, Awaiting User): "
                                         "Jane Doe <jane@desk.example>")


def test_an_unknown_placeholder_stays_visible_as_typed():
    assert fill("Hi {frist_name}, {first_name}", TICKET, AGENT) == "Hi {frist_name}, Ann"
    assert unknown_placeholders("Hi {frist_name} {first_name} {Name}") == ["{frist_name}"]


def test_a_placeholder_the_ticket_lacks_becomes_empty_and_server_text_is_inserted_as_is():
    ticket = Ticket(ticket_number=1, subject="{agent_email} <script>", first_name=None)
    assert fill("Hi {first_name}! Re: {subject}", ticket, AGENT) == "Hi ! Re: {agent_email} <script>"


def test_the_picker_matches_every_word_in_the_name_or_text_names_first():
    library = [Template("Printer reset", "Unplug it for 30 s."), Template("Refund", "We refund the printer."),
               Template("Greeting", "Hello {first_name}")]
    assert [t.name for t in matching("print", library)] == ["Printer reset", "Refund"]
    assert [t.name for t in matching("refund printer", library)] == ["Refund"]
    assert [t.name for t in matching("", library)] == ["Greeting", "Printer reset", "Refund"]


def test_export_then_import_gives_the_same_replies():
    library = [Template("Close", "Closing this, {first_name}.", "CLOSED"), Template("Ask", "Can you tell me…? 😀")]
    back = import_text(export_text(library).encode("utf-8"))
    assert [(t.name, t.text, t.status) for t in back] == [(t.name, t.text, t.status) for t in library]


@pytest.mark.parametrize("data", [
    b"\xff\xfe not text", b"{not json", b"[]", json.dumps({"format": "other", "replies": []}).encode(),
    json.dumps({"format": "togadesk-canned-replies", "replies": [{"name": 3, "text": "x"}]}).encode(),
    json.dumps({"format": "togadesk-canned-replies", "replies": [{"name": "x", "text": " "}]}).encode(),
    json.dumps({"format": "togadesk-canned-replies", "replies": [{"name": "x", "text": "y" * (TEXT_CHARS + 1)}]})
    .encode(), b"[" * 100_000, b" " * (FILE_BYTES + 1),
])
def test_a_file_that_is_not_canned_replies_is_refused_in_words(data):
    with pytest.raises(TemplateError) as refused:
        import_text(data)
    assert "Traceback" not in str(refused.value) and len(str(refused.value)) < 300


def test_a_template_needs_a_name_and_a_text():
    with pytest.raises(TemplateError, match="needs a name"):
        Template("  ", "text").checked()
    assert Template("  Two   words ", "text").checked().name == "Two words"
