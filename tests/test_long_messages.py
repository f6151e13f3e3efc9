"""Very long messages: the thread lays out at most a few pages of each, folds earlier replies by the amount of
text as well as by count, and shows a message whole, on request, in a viewer that fills a slice at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QGuiApplication

from gui.api import Reply, Ticket
from gui.views.thread_html import MESSAGE_SHOWN, render_thread
from gui.views.ticket_detail import THREAD_CHARS, _first_shown
from gui.views.whole_message import LINE_CHARS, display_lines
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

HUGE = "The log says: " + "disk error at sector 4711; " * 80_000  # about 2 MB


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def test_the_thread_lays_out_a_few_pages_of_a_huge_message_and_links_to_the_whole(qapp):
    page = render_thread(Ticket(1, subject="s", message=HUGE))
    assert len(page) < MESSAGE_SHOWN * 2
    assert 'href="message:0"' in page and "Show the whole message (2.1 MB)" in page


def test_earlier_replies_fold_by_the_amount_of_text_not_only_by_count(qapp):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    replies = [Reply("x" * 20_000, "a@b.co", replied_on=start + timedelta(minutes=i)) for i in range(20)]
    folded = _first_shown(Ticket(1, message="short", replies=replies))
    shown = 20 - folded
    assert 1 <= shown <= THREAD_CHARS // MESSAGE_SHOWN
    assert _first_shown(Ticket(1, message="short", replies=[replace(r, message="ok") for r in replies])) == 0


def test_a_word_longer_than_a_display_line_is_broken_for_display_only_and_words_are_kept_whole():
    assert [len(line) for line in display_lines("a" * (LINE_CHARS * 2 + 5) + "\nend")] == [LINE_CHARS, LINE_CHARS, 5, 3]
    words = display_lines("disk error at sector 4711; " * 200)
    assert all(line.endswith(" ") for line in words[:-1]) and "".join(words) == "disk error at sector 4711; " * 200


def test_a_huge_message_opens_at_once_and_shows_whole_on_request_copied_exactly(desk, sandbox):
    sandbox.store.update_ticket(SPEC_TICKET, {"message": HUGE})
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    desk.qtbot.waitUntil(lambda: "Show the whole message" in detail.thread.toPlainText(), timeout=WAIT)
    assert len(detail.thread.toPlainText()) < MESSAGE_SHOWN * 2
    detail._link_clicked("message:0")
    viewer = detail.whole_message
    desk.qtbot.waitUntil(lambda: viewer.filled, timeout=WAIT)
    assert viewer.view.blockCount() >= len(HUGE) // LINE_CHARS
    viewer.copy_button.click()
    assert QGuiApplication.clipboard().text() == HUGE
    viewer.close()


def test_after_sending_a_long_reply_the_thread_shows_its_end(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    detail.composer.setPlainText("\n".join(f"Step {i}: check the cable." for i in range(120)))
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    bar = detail.thread.verticalScrollBar()
    desk.qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=WAIT)


def test_replies_come_in_time_order_whether_or_not_the_server_sent_them_so():
    from gui.views.thread_html import in_time_order

    start = datetime(2026, 1, 1, tzinfo=UTC)
    ordered = [Reply(str(i), "a@b.co", replied_on=start + timedelta(minutes=i)) for i in range(5)]
    assert in_time_order(ordered) == ordered
    assert in_time_order(list(reversed(ordered))) == ordered
    undated = Reply("?", "a@b.co")
    assert in_time_order([undated, *reversed(ordered)]) == [*ordered, undated]


def test_earlier_replies_unfold_a_page_at_a_time(qapp):
    from gui.views.ticket_detail import LATEST_REPLIES, _earlier_page

    start = datetime(2026, 1, 1, tzinfo=UTC)
    replies = [Reply("ok", "a@b.co", replied_on=start + timedelta(seconds=i)) for i in range(1000)]
    ticket = Ticket(1, message="hi", replies=replies)
    folded = _first_shown(ticket)
    assert folded == 1000 - LATEST_REPLIES
    assert _earlier_page(ticket, folded) == folded - LATEST_REPLIES
    assert _earlier_page(ticket, 10) == 0
    big = Ticket(1, message="hi", replies=[replace(r, message="x" * 20_000) for r in replies])
    assert 0 < folded - _earlier_page(big, folded) <= THREAD_CHARS // MESSAGE_SHOWN + 1
