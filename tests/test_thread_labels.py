"""Who wrote each message in the thread (issue 17): the agent's own replies, colleagues' (addresses this desk
has sent as, the team's agents), the customer's (the requester's address); the original message carries
the time this desk first saw the ticket. Everything escaped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtGui import QTextDocument

from gui.api import Reply, Ticket
from gui.services.tickets import Agent
from gui.time_text import local_time
from gui.views.thread_html import render_thread
from tests.test_workspace import AGENT, SPEC_TICKET, WAIT, Desk

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures (the team test only)


def shown(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def reply(email: str, author: str, text: str, minute: int) -> Reply:
    return Reply(replied_on=datetime(2026, 12, 1, 14, minute, tzinfo=UTC), first_name=author, last_name="",
                 email_address=email, message=text)


TICKET = Ticket(ticket_number=1001, subject="Printer", message="It jams.", email_address="John.Smith@Customer.example",
                first_name="John", last_name="Smith", replies=[
                    reply("sam.agent@togadesk.example", "Sam", "Mine.", 1),
                    reply("jane@togadesk.example", "Jane", "A colleague's.", 2),
                    reply("john.smith@customer.example", "John", "The customer's.", 3),
                    reply("someone@elsewhere.example", "Pat", "Nobody we know.", 4),
                ])


def labels(text: str) -> list[str]:
    """The label of each message, in order: "John Smith <...> · customer · 2026-12-01 ..." -> "customer"."""
    return [line.split(" · ")[1] for line in text.splitlines() if " · " in line]


def test_each_reply_is_labelled_by_who_wrote_it(qapp):
    text = shown(render_thread(TICKET, "Sam.Agent@togadesk.example", agents={"jane@togadesk.example"}))
    assert labels(text) == ["opened the ticket", "you", "agent", "customer", "reply"]


def test_without_known_agents_a_colleague_is_not_called_the_customer(qapp):
    text = shown(render_thread(TICKET, "sam.agent@togadesk.example"))
    assert labels(text) == ["opened the ticket", "you", "reply", "customer", "reply"]


def test_names_and_addresses_of_any_kind_are_shown_as_text(qapp):
    hostile = Ticket(ticket_number=1002, subject="x", message="<img src=x>", email_address="a@b.example",
                     first_name="<b>Eve</b>", replies=[reply('"><i>@x.example', "<script>", "<u>no</u>", 5)])
    html = render_thread(hostile, "", agents={'"><i>@x.example'}, first_seen="<b>2026</b>")
    text = shown(html)
    assert "<b>Eve</b>" in text and "<script>" in text and "<u>no</u>" in text and "<img src=x>" in text
    assert "<b>" not in html and "<script>" not in html and "<u>" not in html and "<i>" not in html


def test_the_original_message_carries_when_this_desk_first_saw_it(qapp):
    text = shown(render_thread(TICKET, first_seen="2026-12-01T14:05:00+00:00"))
    first = next(line for line in text.splitlines() if line.strip())
    assert f"opened the ticket · first seen by this desk {local_time('2026-12-01T14:05:00+00:00')} (" in first
    assert "first seen" not in shown(render_thread(TICKET))  # not known: no time is made up


# ------------------------------------------------------------------ in the window


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def test_the_thread_shows_when_this_desk_first_saw_the_ticket(desk):
    desk.open(SPEC_TICKET)
    seen = desk.repository.first_seen(SPEC_TICKET)
    assert seen
    assert f"first seen by this desk {local_time(seen)}" in desk.window.detail.thread.toPlainText()


def test_a_reply_sent_from_this_desk_as_another_address_is_an_agents_after_a_restart(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    before = Agent("Jane", "Doe", "janedoe@testco.com")  # the spec's agent: this desk once replied as her
    outcomes: list[object] = []
    desk.controller.send_reply(detail.ticket, before, "Sent as Jane.", on_done=outcomes.append,
                               on_error=outcomes.append)
    desk.qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=WAIT)
    desk.controller.reply_ended(SPEC_TICKET, sent=True)
    with desk.qtbot.waitSignal(desk.controller.agents_changed, timeout=WAIT):
        desk.connect()  # a new start: the addresses come from the journal
    desk.open(SPEC_TICKET)
    text = detail.thread.toPlainText()
    assert labels(text)[:3] == ["opened the ticket", "agent", "customer"]  # Jane Doe, then John Smith
    assert "Jane Doe <janedoe@testco.com> · agent ·" in text


def test_in_team_mode_a_colleagues_reply_is_an_agents(qtbot, sandbox, tmp_path, team_schema):
    from tests.test_team_desk import TeamDesk

    alice = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "alice")
    bob = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "bob")
    try:
        qtbot.waitUntil(lambda: alice.sync.online and bob.sync.online, timeout=WAIT)
        bob.open(SPEC_TICKET)  # bob's desk writes to the team's log
        sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2026-12-01T14:05:00+00:00", "firstName": "Bob",
                                              "emailAddress": "bob@team.example", "message": "Called him."})
        qtbot.waitUntil(lambda: "bob@team.example" in alice.controller.agent_addresses, timeout=WAIT)
        alice.open(SPEC_TICKET)
        text = alice.window.detail.thread.toPlainText()
        assert "Bob <bob@team.example> · agent ·" in text
        assert "John Smith <johnsmith@testco.com> · customer ·" in text
        assert AGENT.email_address not in text
    finally:
        alice.close()
        bob.close()
