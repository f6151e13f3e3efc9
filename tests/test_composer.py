"""The reply box: resizable against the thread (never to nothing), its size kept across restarts, and a
character count once a reply is long (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from gui.views.composer import COUNT_FROM, LEAST_LINES
from tests.test_workspace import SPEC_TICKET, Desk


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    workstation.window.resize(1200, 800)
    workstation.open(SPEC_TICKET)
    yield workstation
    workstation.close()


def lines(widget, count: int) -> int:
    return widget.fontMetrics().lineSpacing() * count


def test_the_reply_box_grows_and_shrinks_against_the_thread_but_never_to_nothing(desk):
    detail = desk.window.detail
    splitter = detail.reply_splitter
    assert splitter.orientation() == Qt.Orientation.Vertical
    assert (splitter.widget(0), splitter.widget(1)) == (detail.thread, detail.composer)
    assert not splitter.childrenCollapsible()
    total = sum(splitter.sizes())
    splitter.setSizes([total - lines(detail.composer, 15), lines(detail.composer, 15)])
    desk.qtbot.waitUntil(lambda: detail.composer.height() >= lines(detail.composer, 14))  # far beyond five lines
    splitter.setSizes([total, 0])  # dragged to the bottom
    desk.qtbot.waitUntil(lambda: splitter.sizes()[1] > 0)
    assert detail.composer.height() >= lines(detail.composer, LEAST_LINES)
    assert detail.composer.isVisible()


def test_the_reply_box_keeps_the_size_it_was_given_across_a_restart(desk):
    detail = desk.window.detail
    splitter = detail.reply_splitter
    total = sum(splitter.sizes())
    splitter.setSizes([total - 240, 240])
    desk.qtbot.waitUntil(lambda: splitter.sizes()[1] == 240)
    desk.window.close()  # saves the layout, as quitting does
    assert desk.settings.contains("window/reply-splitter")
    desk.window = desk.new_window()
    desk.window.resize(1200, 800)
    desk.open(SPEC_TICKET)
    again = desk.window.detail.reply_splitter
    desk.qtbot.waitUntil(lambda: again.sizes()[1] == 240)


def test_a_long_reply_shows_its_character_count_and_a_short_one_does_not(desk):
    composer = desk.window.detail.composer
    count = composer.count_label
    composer.setFocus()
    desk.qtbot.keyClicks(composer, "Short reply.")
    assert not count.isVisible()
    composer.setPlainText("x" * (COUNT_FROM - 1))
    assert not count.isVisible()
    desk.qtbot.keyClicks(composer, "yz")
    assert count.isVisible() and count.text() == f"{COUNT_FROM + 1:,} characters"
    desk.qtbot.keyClick(composer, Qt.Key.Key_Return)  # a line break counts like any character
    assert count.text() == f"{COUNT_FROM + 2:,} characters"
    assert composer.rect().contains(count.geometry())  # in the box's corner, below its text, never over it
    assert not composer.viewport().geometry().intersects(count.geometry())
    composer.setPlainText("")
    assert not count.isVisible()


def test_the_count_follows_a_draft_shown_again_on_another_ticket(desk, sandbox):
    detail = desk.window.detail
    detail.composer.setPlainText("y" * 1500)
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    assert not detail.composer.count_label.isVisible()
    desk.open(SPEC_TICKET)
    assert detail.composer.count_label.text() == "1,500 characters"
    assert detail.composer.count_label.isVisible()
