"""Presence in team mode: who has a ticket on screen and who is writing a reply, live on the other desks,
fading by itself when a desk stops; Send warns while a colleague is replying. Real PostgreSQL, real sandbox."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from gui.models.ticket_table import REPLYING_MARK, SUBJECT
from gui.team import TeamRegistry
from tests.test_team_desk import TeamDesk
from tests.test_workspace import SPEC_TICKET, WAIT

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


def test_presence_is_seen_by_others_notifies_on_a_change_not_on_a_heartbeat_and_expires(team_schema):
    env = f"https://presence-{uuid.uuid4().hex[:8]}.example"
    with TeamRegistry(team_schema, agent="ann@team.example") as ann, \
            TeamRegistry(team_schema, agent="bob@team.example") as bob:
        heard: list[int] = []
        stop, ready = threading.Event(), threading.Event()
        listener = threading.Thread(target=bob.listen, args=(lambda _id: None, stop),
                                    kwargs={"poll": 0.05, "ready": ready, "on_presence": heard.append})
        listener.start()
        try:
            assert ready.wait(WAIT)
            ann.set_presence(env, 7, "viewing", name="Ann Lee")
            ann.set_presence(env, 7, "viewing", name="Ann Lee")  # a heartbeat: nobody is told
            ann.set_presence(env, 7, "replying", name="Ann Lee")
            ann.set_presence(env, 8, "viewing", name="Ann Lee")  # moved on: #7 goes, #8 comes
            seen = bob.presence(env)
            assert [(p.number, p.who, p.state) for p in seen] == [(8, "Ann Lee", "viewing")]
            ann.set_presence(env, 8, "viewing", ttl_s=0)  # a desk that stopped renewing
            assert bob.presence(env) == []
        finally:
            stop.set()
            listener.join(WAIT)
        # came to #7, replying on #7, left #7 and came to #8; the heartbeat and the expiry said nothing
        assert heard == [7, 7, 7, 8]


@pytest.fixture
def team(qtbot, sandbox, tmp_path, team_schema, monkeypatch) -> Iterator[tuple[TeamDesk, TeamDesk]]:
    monkeypatch.setattr("gui.presence.HEARTBEAT_MS", 150)
    monkeypatch.setattr("gui.presence.TTL_S", 0.6)  # the app: a desk fades within 15 s
    alice = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "alice")
    bob = TeamDesk(qtbot, sandbox, tmp_path, team_schema, "bob")
    bob.sync.name = "Bob Rivera"
    qtbot.waitUntil(lambda: alice.sync.online and bob.sync.online, timeout=WAIT)
    alice.open(SPEC_TICKET)
    bob.open(SPEC_TICKET)
    yield alice, bob
    alice.close()
    bob.close()


def test_a_colleague_viewing_then_replying_shows_live_and_send_warns_before_sending(team, sandbox):
    alice, bob = team
    label = alice.window.detail.team_row.presence_label
    alice.qtbot.waitUntil(lambda: label.text() == "Bob Rivera is viewing", timeout=WAIT)
    bob.window.detail.composer.setPlainText("I am on it, one moment.")
    alice.qtbot.waitUntil(lambda: label.text() == "Bob Rivera is replying", timeout=WAIT)
    model = alice.window.model
    subject = model.index(model.row_of(SPEC_TICKET), SUBJECT)
    assert subject.data().startswith(REPLYING_MARK)
    assert "Bob Rivera replying now" in subject.data(Qt.ItemDataRole.ToolTipRole)

    detail = alice.window.detail
    replies = len(sandbox.store.ticket(SPEC_TICKET)["replies"])
    detail.composer.setPlainText("Hello from Alice.")
    detail.send()
    assert "Bob Rivera is writing a reply to this ticket right now" in detail.banner.text()
    assert len(sandbox.store.ticket(SPEC_TICKET)["replies"]) == replies  # nothing sent yet
    with alice.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.banner.retry_button.click()  # Send anyway
    assert len(sandbox.store.ticket(SPEC_TICKET)["replies"]) == replies + 1


def test_a_desk_that_stops_fades_from_the_others_by_itself(team):
    alice, bob = team
    label = alice.window.detail.team_row.presence_label
    alice.qtbot.waitUntil(lambda: label.text() == "Bob Rivera is viewing", timeout=WAIT)
    bob.leave()  # no goodbye is written: the row simply stops being renewed
    alice.qtbot.waitUntil(lambda: label.text() == "" and label.isHidden(), timeout=WAIT)
