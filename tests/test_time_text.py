"""One way to write a moment for people: local time to the minute (seconds in the journal), never raw ISO UTC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gui.time_text import local_time, relative, when
from tests import test_orders
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

new_york = test_orders.new_york  # the desk's clock in New York: local time and UTC differ in their digits


def test_a_utc_moment_is_written_in_local_time_to_the_minute(new_york):
    assert local_time("2026-01-15T17:04:59+00:00") == "2026-01-15 12:04"
    assert local_time("2026-07-15T17:04:59Z") == "2026-07-15 13:04"  # summer time
    assert local_time("2026-01-15T17:04:59") == "2026-01-15 12:04"  # naive means UTC
    assert local_time("2026-01-15T17:04:59.123456+00:00", precise=True) == "2026-01-15 12:04:59"


def test_text_that_is_not_a_time_is_shown_as_it_came_and_nothing_is_shown_for_none():
    assert local_time("yesterday, probably") == "yesterday, probably"
    assert local_time(None) == local_time("") == ""
    assert when(None) == "time unknown"


def test_when_adds_how_long_ago():
    moment = datetime.now(UTC) - timedelta(hours=3, minutes=5)
    assert when(moment) == f"{local_time(moment)} (3 h ago)"
    assert relative(moment + timedelta(hours=4)) == "in the future"


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def test_the_journal_shows_when_each_thing_was_sent_in_local_time_with_seconds(desk, new_york):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("On it.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    started = desk.store.journal(desk.repository.env)[0].started_at  # as stored: UTC, ISO 8601
    desk.window.journal_action.trigger()
    shown = desk.window.journal_dialog.table.item(0, 0).text()
    assert shown == datetime.fromisoformat(started).astimezone(new_york).strftime("%Y-%m-%d %H:%M:%S")
    assert not re.search(r"\dT\d|\+00:00", shown)
    assert desk.window.journal_dialog.table.item(0, 1).text() == f"Reply to #{SPEC_TICKET}: On it."
    desk.window.journal_dialog.close()
