"""A slow server (issue 17): a send says what it is doing in words, the agent keeps typing the next reply
(never lost, never sent twice), nothing moves when the words appear, a status change says "Saving status…",
and opening a ticket asks the vendor once. Requests are counted at the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Qt, Slot

from gui.sandbox import Fault
from gui.services.tickets import REPLY_DRAFT, SENDING_DRAFT
from gui.tasks import TaskRunner
from gui.views.composer import PHASE_WORDS
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

SLOW_MS = 300  # each request waits this long at the sandbox before it is carried out


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    workstation.window.resize(1200, 800)
    workstation.open(SPEC_TICKET)
    workstation.idle()
    yield workstation
    workstation.close()


def messages_on_server(sandbox) -> list[str]:
    return [r["message"] for r in sandbox.store.ticket(SPEC_TICKET)["replies"]]


def sending(desk: Desk) -> bool:
    return desk.controller.is_sending(SPEC_TICKET)


class Phases(QObject):
    """What the pane says while a reply is on its way, each time a phase arrives."""

    def __init__(self, desk: Desk):
        super().__init__()
        self.desk = desk
        self.said: list[str] = []
        desk.controller.send_phase.connect(self.heard)

    @Slot(object, str)
    def heard(self, _number: int, _phase: str) -> None:
        self.said.append(self.desk.window.detail.send_progress.phase_words)


# ------------------------------------------------------------------ the bridge


def test_the_runner_hands_what_a_task_reports_to_the_ui_thread_before_its_result(qtbot):
    runner = TaskRunner()
    heard: list[tuple[str, bool]] = []
    ui = [QObject().thread()]

    class Sink(QObject):
        @Slot(object)
        def progress(self, value: object) -> None:
            heard.append((str(value), self.thread() is ui[0]))

        @Slot(object)
        def done(self, value: object) -> None:
            heard.append((f"done {value}", True))

    sink = Sink()

    def work(count: int, *, progress) -> int:
        for step in range(count):
            progress(f"step {step}")
        return count

    try:
        with qtbot.waitSignal(runner.busy_changed, timeout=WAIT, check_params_cb=lambda n: n == 0):
            runner.submit(work, 3, on_progress=sink.progress, on_done=sink.done)
    finally:
        assert runner.shutdown(5000)
    assert heard == [("step 0", True), ("step 1", True), ("step 2", True), ("done 3", True)]


# ------------------------------------------------------------------ sending in words, typing meanwhile


def test_a_send_says_each_phase_in_words_checking_sending_confirming(desk, sandbox):
    detail = desk.window.detail
    phases = Phases(desk)
    sandbox.faults.latency_ms = SLOW_MS
    detail.composer.setPlainText("Please hold the power button for ten seconds.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
        assert detail.reply_row.currentWidget() is detail.send_progress
        assert "“Please hold the power button" in detail.send_progress.line.full_text()
    assert phases.said == [PHASE_WORDS["checking"], PHASE_WORDS["posting"], PHASE_WORDS["confirming"]]
    assert phases.said == ["Checking for new replies…", "Sending…", "Confirming…"]
    assert detail.reply_row.currentWidget() is detail.from_label and detail.send_progress.phase_words == ""


def test_send_and_set_status_says_it_sets_the_status_too(desk, sandbox):
    detail = desk.window.detail
    phases = Phases(desk)
    detail.composer.setPlainText("Closing this now.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send(status="CLOSED")
        assert detail.saving.text == "Saving status…"  # the reply will set it: the boxes say why they wait
    assert phases.said == ["Checking for new replies…", "Sending…", "Setting the status…", "Confirming…"]
    assert detail.saving.text == ""


def test_the_agent_types_the_next_reply_while_one_is_sent_and_only_the_sent_text_leaves(desk, sandbox):
    detail = desk.window.detail
    composer = detail.composer
    composer.setFocus()
    desk.qtbot.keyClicks(composer, "First answer.")
    sandbox.faults.latency_ms = SLOW_MS
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        desk.qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert composer.toPlainText() == "" and not composer.isReadOnly()
        desk.qtbot.keyClicks(composer, "And a follow-up")  # while the first is on its way
        assert composer.toPlainText() == "And a follow-up"
        assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "And a follow-up"}
        assert desk.repository.draft(SENDING_DRAFT, SPEC_TICKET) == {"message": "First answer."}
        desk.qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # too soon
        assert "still on its way" in detail.banner.text()
    desk.idle()
    assert composer.toPlainText() == "And a follow-up"
    assert not detail.banner.isVisible()  # "still on its way" is over
    assert messages_on_server(sandbox).count("First answer.") == 1
    assert "And a follow-up" not in messages_on_server(sandbox)
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "And a follow-up"}
    assert desk.repository.draft(SENDING_DRAFT, SPEC_TICKET) is None
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        desk.qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert messages_on_server(sandbox)[-2:] == ["First answer.", "And a follow-up"]
    assert composer.toPlainText() == "" and desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) is None


def test_a_reply_refused_comes_back_in_front_of_what_was_typed_meanwhile(desk, sandbox):
    detail = desk.window.detail
    composer = detail.composer
    composer.setPlainText("The answer.")
    sandbox.faults.latency_ms = SLOW_MS
    sandbox.faults.script(Fault(500, method="POST", content_type="application/json",
                                body=b'{"success": false, "error": "Mail queue is full."}'))
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
        composer.setFocus()
        desk.qtbot.keyClicks(composer, "P.S. typed meanwhile")
    assert composer.toPlainText() == "The answer.\n\nP.S. typed meanwhile"
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "The answer.\n\nP.S. typed meanwhile"}
    assert desk.repository.draft(SENDING_DRAFT, SPEC_TICKET) is None
    assert "Mail queue is full" in detail.banner.text()
    assert "The answer." not in messages_on_server(sandbox)


def test_a_reply_held_back_by_a_colleagues_new_reply_comes_back_with_what_was_typed(desk, sandbox):
    detail = desk.window.detail
    sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2026-12-01T14:05:00+00:00", "firstName": "Jane",
                                          "emailAddress": "jane@togadesk.example",
                                          "message": "I have called the customer."})
    detail.composer.setPlainText("Mine.")
    sandbox.faults.latency_ms = SLOW_MS
    with desk.qtbot.waitSignal(detail.collision_found, timeout=WAIT):
        detail.send()
        detail.composer.setFocus()
        desk.qtbot.keyClicks(detail.composer, "More.")
    assert detail.composer.toPlainText() == "Mine.\n\nMore."
    assert "Mine." not in messages_on_server(sandbox)


def test_a_reply_sent_after_the_agent_moved_to_another_ticket_keeps_that_tickets_later_draft(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    detail = desk.window.detail
    detail.composer.setPlainText("Sent from the spec ticket.")
    sandbox.faults.latency_ms = SLOW_MS
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
        detail.composer.setPlainText("Next for the spec ticket")
        desk.controller.open(other)  # the agent moves on while it is on its way
    desk.idle()
    sandbox.faults.latency_ms = 0
    desk.open(SPEC_TICKET)
    assert detail.composer.toPlainText() == "Next for the spec ticket"


# ------------------------------------------------------------------ nothing moves


def test_nothing_moves_when_a_send_starts_or_ends(desk, sandbox):
    window, detail = desk.window, desk.window.detail
    desk.qtbot.waitUntil(lambda: window.splitter.sizes()[1] > 0)
    before = (detail.sizeHint(), detail.minimumSizeHint(), window.splitter.sizes(), detail.reply_splitter.sizes())
    sandbox.faults.latency_ms = SLOW_MS
    detail.composer.setPlainText("A reply that takes its time. " * 3)
    seen = []
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
        desk.qtbot.waitUntil(lambda: detail.send_progress.phase_words == "Sending…", timeout=WAIT)
        seen.append((detail.sizeHint(), detail.minimumSizeHint(), window.splitter.sizes(),
                     detail.reply_splitter.sizes()))
    desk.idle()
    after = (detail.sizeHint(), detail.minimumSizeHint(), window.splitter.sizes(), detail.reply_splitter.sizes())
    assert seen == [before] and after == before


def test_saving_a_status_or_priority_says_so_beside_the_boxes_and_nothing_moves(desk, sandbox):
    detail = desk.window.detail
    hints = (detail.sizeHint(), detail.minimumSizeHint())
    sandbox.faults.latency_ms = SLOW_MS
    changes = (("status", detail.status_box, "AWAITING_USER"), ("priority", detail.priority_box, "HIGH"))
    for field, box, value in changes:
        box.setCurrentIndex(box.findData(value))
        with desk.qtbot.waitSignal(detail.ticket_changed, timeout=WAIT):
            box.activated.emit(box.currentIndex())
            assert detail.saving.text == f"Saving {field}…" and detail.saving.isVisible()
            assert not detail.status_box.isEnabled() and not detail.priority_box.isEnabled()
            assert (detail.sizeHint(), detail.minimumSizeHint()) == hints
        assert detail.saving.text == "" and detail.status_box.isEnabled()
        assert sandbox.store.ticket(SPEC_TICKET)[field] == value


# ------------------------------------------------------------------ one GET to open


def gets_of(sandbox, number: int, since: int) -> int:
    return sum(1 for r in list(sandbox.recent)[since:] if r.method == "GET" and r.path == f"/ticket/{number}")


def open_while_refresh_looks(desk: Desk, number: int) -> None:
    """Opens ``number`` as Ctrl+L does; while its GET is on the way, the background refresh looks for what is
    due, as its timer does every second."""
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT, check_params_cb=lambda n: n == number):
        desk.window.open_ticket_number(str(number))
        desk.controller.live.tick()
    desk.idle()


def test_opening_a_ticket_asks_the_vendor_once_even_when_its_background_check_is_due(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    desk.idle()
    desk.controller.live.planner.track(SPEC_TICKET, "OPEN", time.monotonic(), fresh=False)  # due now
    sandbox.faults.latency_ms = SLOW_MS
    since = len(sandbox.recent)
    open_while_refresh_looks(desk, SPEC_TICKET)
    assert gets_of(sandbox, SPEC_TICKET, since) == 1


def test_opening_a_stored_ticket_and_a_new_one_each_ask_the_vendor_once(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    sandbox.faults.latency_ms = SLOW_MS
    for number in (other, SPEC_TICKET, other):  # not stored yet, then stored
        since = len(sandbox.recent)
        open_while_refresh_looks(desk, number)
        assert gets_of(sandbox, number, since) == 1, number


# ------------------------------------------------------------------ a reply an earlier run left on its way


def test_a_reply_an_earlier_run_could_not_check_is_looked_for_again_before_another_is_sent(qtbot, sandbox, tmp_path):
    from gui.store import LocalStore
    from tests.test_workspace import AGENT

    store = LocalStore(tmp_path / "desk.sqlite3")
    left = "Left on its way when the app stopped."
    store.save_draft("sandbox", SENDING_DRAFT, SPEC_TICKET, {"message": left})  # as the earlier run left it
    store.journal_open("sandbox", "reply", SPEC_TICKET, {"emailAddress": AGENT.email_address, "message": left})
    store.save_draft("sandbox", REPLY_DRAFT, SPEC_TICKET, {"message": "Typed after it."})
    sandbox.faults.script(*[Fault(None, method="GET")] * 30)  # the server cannot be read at start
    desk = Desk(qtbot, sandbox, tmp_path, store=store)
    try:
        qtbot.waitUntil(lambda: "could not be checked yet" in desk.window.list_banner.text(), timeout=WAIT)
        sandbox.faults.clear()
        desk.open(SPEC_TICKET)
        detail = desk.window.detail
        assert detail.composer.toPlainText() == "Typed after it."  # the one on its way waits for its check
        with qtbot.waitSignal(desk.controller.draft_changed, timeout=WAIT):
            detail.send()  # looked for first, never sent beside it
            assert "being looked for on the server first" in detail.banner.text()
        assert detail.composer.toPlainText() == f"{left}\n\nTyped after it."  # not there: back in front
        with qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
            detail.send()
        assert messages_on_server(sandbox).count(f"{left}\n\nTyped after it.") == 1
        assert desk.repository.draft(SENDING_DRAFT, SPEC_TICKET) is None
    finally:
        desk.close()
