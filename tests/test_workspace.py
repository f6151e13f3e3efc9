"""The agent's workspace: list, open by number, detail pane, composer, new ticket, status, drafts, collisions."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, Status, TogaClient
from gui.controller import TicketController
from gui.models.ticket_table import NUMBER, SUBJECT
from gui.sandbox import PASS, Fault
from gui.services.tickets import REPLY_DRAFT, Agent, TicketService
from gui.store import LocalStore
from gui.tasks import TaskRunner, TaskScope
from gui.tickets import TicketRepository
from gui.views.main_window import MainWindow

AGENT = Agent("Sam", "Agent", "sam.agent@togadesk.example")
SPEC_TICKET = 12345678
WAIT = 10_000
QUICK_LOOKS = (0.0, 0.05, 0.1)  # the "did the reply land?" looks, a few seconds apart in the app


class ThreadRecordingClient(TogaClient):
    """The real client, noting which thread each request ran on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.threads: list[threading.Thread] = []

    def _request(self, method, path, body=None):
        self.threads.append(threading.current_thread())
        return super()._request(method, path, body)


class Desk:
    """One workstation: its store, service, runner and main window, against the test's sandbox."""

    def __init__(self, qtbot, sandbox, tmp_path, *, store: LocalStore | None = None):
        self.qtbot = qtbot
        self.client = ThreadRecordingClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0.01)
        self.store = store or LocalStore(tmp_path / "desk.sqlite3")
        self.runner = TaskRunner()
        self.controller = TicketController(self.runner)
        self.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        self.window = self.new_window()
        self.connect()

    def connect(self, service: TicketService | None = None, label: str = "Sandbox", *, wait: bool = True) -> None:
        """(Re)connects the controller, as the app's Desk does, and waits for the stored list to be in.

        Each connection has its own ticket owner (the previous one is closed with its scope)."""
        if service is None:
            self.repository = TicketRepository(self.store, "sandbox")
            self.service = service = TicketService(self.client, self.repository, landed_looks=QUICK_LOOKS)
        with self.qtbot.waitSignal(self.controller.list_loaded, timeout=WAIT) if wait else contextlib.nullcontext():
            self.controller.connect_to(service, TaskScope(label))
            self.window.show_environment(label, AGENT)

    def new_window(self) -> MainWindow:
        window = MainWindow(self.controller, "Sandbox", AGENT, settings=self.settings)
        self.qtbot.addWidget(window)
        window.show()
        return window

    def open(self, number: int = SPEC_TICKET) -> None:
        with self.qtbot.waitSignal(self.controller.opened, timeout=WAIT,
                                   check_params_cb=lambda opened: opened == number):
            self.window.open_ticket_number(str(number))

    def idle(self) -> None:
        """Waits until no request is in flight (so scripted faults meet the request they aim at)."""
        if self.runner.in_flight:
            self.qtbot.waitUntil(lambda: self.runner.in_flight == 0, timeout=WAIT)

    def close(self) -> None:
        self.controller.connect_to(None)
        self.client.cancel()  # as quitting does: requests still waiting on a slow sandbox end at once
        assert self.runner.shutdown(5000)
        self.client.close()
        self.store.close()


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


@pytest.fixture
def active_desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    """A desk whose window is the active one, for tests of keys and focus (import it as ``desk``)."""
    workstation = Desk(qtbot, sandbox, tmp_path)
    workstation.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is workstation.window, timeout=WAIT)
    yield workstation
    workstation.close()


def shown_numbers(window: MainWindow) -> list[int]:
    model = window.model
    return [int(model.index(row, NUMBER).data()) for row in range(model.rowCount())]


def test_the_list_loads_from_the_store_before_any_network(qtbot, sandbox, tmp_path):
    store = LocalStore(tmp_path / "desk.sqlite3")
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as api:
        for number in sandbox.store.ticket_numbers()[:3]:
            store.save_snapshot("sandbox", api.get_ticket(number), seen=True)
    sandbox.stop()  # no server at all: whatever the window shows came from the store
    desk = Desk(qtbot, sandbox, tmp_path, store=store)
    try:
        assert sorted(shown_numbers(desk.window)) == sorted(store.ticket_numbers("sandbox"))
        assert len(shown_numbers(desk.window)) == 3
    finally:
        desk.close()


def test_opening_a_ticket_by_number_adds_it_to_the_list_and_shows_it(desk):
    desk.open(SPEC_TICKET)
    assert shown_numbers(desk.window) == [SPEC_TICKET]
    detail = desk.window.detail
    assert detail.ticket.ticket_number == SPEC_TICKET
    assert detail.title.text() == desk.client.get_ticket(SPEC_TICKET).subject
    assert "Have you tried powering the system off then on?" in detail.thread.toPlainText()


def test_opening_a_number_that_does_not_exist_says_so(desk):
    with desk.qtbot.waitSignal(desk.controller.open_failed, timeout=WAIT):
        desk.window.open_ticket_number("11111111")
    assert desk.window.list_banner.isVisible()
    assert "No such ticket in this environment" in desk.window.list_banner.text()
    assert shown_numbers(desk.window) == []


def test_opening_text_that_is_not_a_number_is_refused_without_a_request(desk, sandbox):
    desk.window.open_ticket_number("12ab")
    assert "positive whole number" in desk.window.list_banner.text()
    assert len(sandbox.recent) == 0


def test_filter_and_sort_work_on_the_local_list(desk, sandbox):
    for number in sandbox.store.ticket_numbers()[:12]:
        desk.open(number)
    pane = desk.window.list_pane
    pane.filter_edit.setText("BOOT")  # case-insensitive, anywhere in the subject
    pane._apply_filter()
    subjects = [desk.window.model.index(r, SUBJECT).data() for r in range(desk.window.model.rowCount())]
    assert subjects and all("boot" in s.lower() for s in subjects)
    pane.filter_edit.setText(str(SPEC_TICKET))
    pane._apply_filter()
    assert shown_numbers(desk.window) == [SPEC_TICKET]
    pane.filter_edit.clear()
    pane.status_box.setCurrentIndex(pane.status_box.findData("CLOSED"))
    closed = {n for n in sandbox.store.ticket_numbers()[:12] if sandbox.store.ticket(n)["status"] == "CLOSED"}
    assert set(shown_numbers(desk.window)) == closed
    pane.status_box.setCurrentIndex(0)
    desk.window.model.sort(NUMBER, Qt.SortOrder.AscendingOrder)
    assert shown_numbers(desk.window) == sorted(shown_numbers(desk.window))
    desk.window.model.sort(SUBJECT, Qt.SortOrder.DescendingOrder)
    subjects = [desk.window.model.index(r, SUBJECT).data().casefold() for r in range(desk.window.model.rowCount())]
    assert subjects == sorted(subjects, reverse=True)


def test_j_and_k_move_through_the_list(desk, sandbox):
    for number in sandbox.store.ticket_numbers()[:3]:
        desk.open(number)
    table = desk.window.list_pane.table
    table.setFocus()
    table.selectRow(0)
    first = desk.window.list_pane.current_number()
    desk.qtbot.keyClick(table, Qt.Key.Key_J)
    assert desk.window.list_pane.current_number() == shown_numbers(desk.window)[1]
    desk.qtbot.keyClick(table, Qt.Key.Key_K)
    assert desk.window.list_pane.current_number() == first


def test_a_ticket_created_through_the_dialog_is_listed_selected_and_opened(desk, sandbox):
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    assert not dialog.create_button.isEnabled()
    dialog.edits["email_address"].setText("jane@example.com")
    dialog.edits["subject"].setText("Docking station flickers")
    dialog.message.setPlainText("Since Monday.")
    assert dialog.create_button.isEnabled()
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT) as opened:
        dialog.create_button.click()
    number = opened.args[0]
    assert sandbox.store.ticket(number)["subject"] == "Docking station flickers"
    assert desk.window.list_pane.current_number() == number
    assert desk.window.detail.title.text() == "Docking station flickers"
    assert desk.repository.draft("new", 0) is None


def test_the_new_ticket_dialog_explains_an_invalid_email_next_to_the_field(desk):
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["email_address"].setText("jane@")
    assert dialog.errors["email_address"].isVisible()
    assert "not valid" in dialog.errors["email_address"].text()
    assert not dialog.create_button.isEnabled()
    dialog.reject()


def test_a_new_ticket_form_closed_by_accident_comes_back(desk):
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["subject"].setText("Half typed")
    with desk.qtbot.waitSignal(dialog.finished):
        dialog.button_box_cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    desk.window.new_ticket()
    assert desk.window.new_ticket_dialog.edits["subject"].text() == "Half typed"
    desk.window.new_ticket_dialog.reject()


def test_a_reply_sent_with_ctrl_enter_appears_in_the_thread(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setFocus()
    desk.qtbot.keyClicks(detail.composer, "Please restart it once more.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        desk.qtbot.keyClick(detail.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert detail.composer.toPlainText() == ""
    assert "Please restart it once more." in detail.thread.toPlainText()
    last = sandbox.store.ticket(SPEC_TICKET)["replies"][-1]
    assert (last["message"], last["emailAddress"], last["firstName"]) == (
        "Please restart it once more.", AGENT.email_address, "Sam")
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) is None


def test_send_and_set_status_does_both(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Closing this now.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send(status="CLOSED")
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == "CLOSED"
    assert detail.status_box.currentData() == "CLOSED"


def test_changing_the_status_sends_only_that_field(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    sandbox.recent.clear()
    detail.status_box.setCurrentIndex(detail.status_box.findData(Status.AWAITING_USER.value))
    with desk.qtbot.waitSignal(detail.ticket_changed, timeout=WAIT):
        detail.status_box.activated.emit(detail.status_box.currentIndex())
    put = next(r for r in sandbox.recent if r.method == "PUT")
    assert put.json() == {"status": "AWAITING_USER"}
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == "AWAITING_USER"
    assert desk.window.model.index(0, 4).data() == "Awaiting User"


def test_a_refused_status_change_rolls_back_with_the_servers_message(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    before = detail.status_box.currentData()
    sandbox.faults.script(Fault(400, method="PUT", content_type="application/json",
                                body=b'{"success": false, "error": "Ticket is locked."}'))
    detail.status_box.setCurrentIndex(detail.status_box.findData("REVIEW"))
    detail.status_box.activated.emit(detail.status_box.currentIndex())
    desk.qtbot.waitUntil(lambda: detail.banner.isVisible(), timeout=WAIT)
    assert detail.status_box.currentData() == before
    assert "Ticket is locked" in detail.banner.text()


def test_a_failing_send_keeps_the_text_and_shows_the_servers_error(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Important answer")
    sandbox.faults.script(Fault(500, method="POST", content_type="application/json",
                                body=b'{"success": false, "error": "Mail queue is full."}'))
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
    assert detail.composer.toPlainText() == "Important answer"
    assert not detail.composer.isReadOnly()
    assert "Mail queue is full" in detail.banner.text()
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "Important answer"}


def test_a_reply_whose_answer_was_lost_is_checked_not_sent_twice(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Only once")
    sandbox.faults.script(Fault(None, after=True, method="POST"))
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    messages = [r["message"] for r in sandbox.store.ticket(SPEC_TICKET)["replies"]]
    assert messages.count("Only once") == 1
    assert [r.method for r in sandbox.recent].count("POST") == 1


def test_the_draft_survives_closing_and_reopening_the_window(desk):
    desk.open()
    desk.qtbot.keyClicks(desk.window.detail.composer, "Draft in progress ")
    desk.window.detail.composer.insertPlainText("🙂")  # QTest cannot type characters outside the BMP
    desk.window.close()
    desk.window = desk.new_window()
    assert SPEC_TICKET in shown_numbers(desk.window)
    desk.window.list_pane.select(SPEC_TICKET)
    assert desk.window.detail.composer.toPlainText() == "Draft in progress 🙂"


def test_switching_tickets_keeps_each_draft(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    desk.open(SPEC_TICKET)
    pane, detail = desk.window.list_pane, desk.window.detail
    pane.select(SPEC_TICKET)
    detail.composer.setPlainText("for the spec ticket")
    pane.select(other)
    assert detail.composer.toPlainText() == ""
    pane.select(SPEC_TICKET)
    assert detail.composer.toPlainText() == "for the spec ticket"


def test_a_reply_by_someone_else_meanwhile_is_shown_before_sending(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("My answer")
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as colleague:
        colleague.add_reply(SPEC_TICKET, "kim@togadesk.example", "Already fixed it.", first_name="Kim")
    with desk.qtbot.waitSignal(detail.collision_found, timeout=WAIT) as found:
        detail.send()
    assert "1 new reply (from Kim)" in found.args[0]
    assert "Already fixed it." in detail.thread.toPlainText()
    assert detail.composer.toPlainText() == "My answer"
    assert detail.banner.retry_button.text() == "Send &anyway"
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.banner.retry_button.click()
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == "My answer"


def test_a_ticket_changed_by_someone_else_is_marked_unread_after_refresh(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    desk.open(SPEC_TICKET)
    desk.window.list_pane.select(SPEC_TICKET)
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as colleague:
        colleague.add_reply(other, "customer@example.com", "Any news?")
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
    assert desk.store.row("sandbox", other).unread
    assert not desk.store.row("sandbox", SPEC_TICKET).unread
    assert desk.window.windowTitle().startswith("(1) ")
    row = desk.window.model.row_of(other)
    assert desk.window.model.index(row, 0).data() == "●"
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.window.list_pane.select(other)
    assert not desk.store.row("sandbox", other).unread
    assert not desk.window.windowTitle().startswith("(")


HOSTILE = "<img src=x onerror=alert(1)> <b>bold</b> <script>alert(2)</script> 🙂 שלום עולם " + "x" * 5000


def test_hostile_text_from_the_server_is_shown_literally(desk, sandbox):
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as api:
        number = api.create_ticket("x@example.com", "<b>subject</b>", HOSTILE)
        api.add_reply(number, "x@example.com", HOSTILE)
    desk.open(number)
    detail = desk.window.detail
    text = detail.thread.toPlainText()
    assert text.count("<img src=x onerror=alert(1)> <b>bold</b> <script>alert(2)</script>") == 2
    assert "שלום עולם" in text and "🙂" in text
    assert "<img" not in detail.thread.toHtml().replace("&lt;img", "")
    assert detail.title.text() == "<b>subject</b>"
    assert detail.title.textFormat() == Qt.TextFormat.PlainText


def test_no_request_runs_on_the_ui_thread(desk, sandbox):
    desk.open()
    desk.window.detail.composer.setPlainText("threads")
    with desk.qtbot.waitSignal(desk.window.detail.reply_sent, timeout=WAIT):
        desk.window.detail.send()
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
    assert desk.client.threads
    assert threading.main_thread() not in desk.client.threads


def test_refresh_updates_rows_and_the_last_refresh_time(desk, sandbox):
    desk.open()
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as colleague:
        colleague.update_ticket(SPEC_TICKET, priority="HIGH")
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.qtbot.keyClick(desk.window, Qt.Key.Key_F5)
    assert desk.window.model.index(0, 5).data() == "High"
    assert desk.window.refreshed_label.text().startswith("Refreshed ")


def test_removing_a_ticket_only_forgets_it_here(desk, sandbox):
    desk.open()
    desk.window.list_pane.select(SPEC_TICKET)
    desk.window.remove_current()
    assert shown_numbers(desk.window) == []
    assert sandbox.store.ticket_exists(SPEC_TICKET)


def test_closing_the_window_while_requests_run_neither_crashes_nor_hangs(desk, sandbox):
    sandbox.faults.latency_ms = 100
    for number in sandbox.store.ticket_numbers()[:10]:
        desk.window.open_ticket_number(str(number))
    assert desk.runner.in_flight > 0
    desk.window.close()
    assert desk.runner.shutdown(5000)


def test_without_an_account_the_window_welcomes_instead_of_breaking(qtbot, tmp_path):
    runner = TaskRunner()
    window = MainWindow(TicketController(runner), "Not configured", Agent(),
                        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.pages.currentWidget() is window.welcome
    assert not window.refresh_action.isEnabled() and not window.new_action.isEnabled()
    with qtbot.waitSignal(window.settings_requested):
        window.welcome.connect_button.click()
    with qtbot.waitSignal(window.explore_requested):
        window.welcome.explore_button.click()
    assert runner.shutdown(1000)


def test_editing_a_ticket_sends_only_the_changed_fields(desk, sandbox):
    desk.open()
    desk.window.detail.edit_ticket()
    dialog = desk.window.detail.edit_dialog
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    dialog.edits["subject"].setText("Boot failure after update")
    dialog.edits["phone_number"].setText("555-0199")
    sandbox.recent.clear()
    with desk.qtbot.waitSignal(dialog.saved, timeout=WAIT):
        dialog.save_button.click()
    put = next(r for r in sandbox.recent if r.method == "PUT")
    assert put.json() == {"subject": "Boot failure after update", "phoneNumber": "555-0199"}
    assert desk.window.detail.title.text() == "Boot failure after update"
    assert desk.window.model.index(0, SUBJECT).data() == "Boot failure after update"


def test_the_edit_dialog_refuses_a_malformed_email(desk):
    desk.open()
    desk.window.detail.edit_ticket()
    dialog = desk.window.detail.edit_dialog
    dialog.edits["email_address"].setText("john@")
    assert not dialog.save_button.isEnabled()
    assert "not valid" in dialog.error.text()
    dialog.reject()


def test_the_ui_keeps_running_while_twenty_slow_requests_are_in_flight(desk, sandbox):
    from PySide6.QtCore import QTimer

    sandbox.faults.latency_ms = 2000
    for number in sandbox.store.ticket_numbers()[:20]:
        desk.window.open_ticket_number(str(number))
    assert desk.runner.in_flight == 20
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    with desk.qtbot.waitSignal(heartbeat.timeout, timeout=1000):  # would time out if the UI thread waited
        heartbeat.start()
    heartbeat.stop()
    assert desk.runner.in_flight > 0
    sandbox.faults.latency_ms = 0


def test_sort_order_splitter_and_geometry_come_back_at_next_start(desk, sandbox):
    for number in sandbox.store.ticket_numbers()[:5]:
        desk.open(number)
    header = desk.window.list_pane.table.horizontalHeader()
    header.setSortIndicator(SUBJECT, Qt.SortOrder.AscendingOrder)
    desk.window.resize(780, 560)  # within the offscreen screen (800x600)
    desk.window.splitter.setSizes([290, 490])
    left, right = desk.window.splitter.sizes()
    desk.window.close()
    desk.window = desk.new_window()
    desk.qtbot.waitExposed(desk.window)
    # Under load the offscreen platform once gave 798 for 780 (the window's minimum is far below): a few pixels
    # of slack, but a geometry that did not come back at all (Qt's default is 640x480) still fails.
    assert abs(desk.window.width() - 780) <= 24 and desk.window.height() == 560, desk.window.size()
    new_left, new_right = desk.window.splitter.sizes()
    assert abs(new_left / (new_left + new_right) - left / (left + right)) < 0.02
    header = desk.window.list_pane.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (SUBJECT, Qt.SortOrder.AscendingOrder)
    subjects = [desk.window.model.index(r, SUBJECT).data().casefold() for r in range(desk.window.model.rowCount())]
    assert subjects == sorted(subjects)


def test_a_reply_that_arrived_is_never_offered_again_when_the_status_change_fails(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Sent once")
    sandbox.faults.script(Fault(500, method="PUT"))
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send(status="CLOSED")
    assert detail.composer.toPlainText() == ""
    assert "the status was not changed" in detail.banner.text()
    assert not detail.banner.retry_button.isVisible()
    messages = [r["message"] for r in sandbox.store.ticket(SPEC_TICKET)["replies"]]
    assert messages.count("Sent once") == 1


def test_when_a_lost_reply_cannot_be_checked_no_retry_is_offered(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Maybe sent")
    desk.idle()
    # the collision check's GET passes; the POST's answer is lost; every GET that would check it fails
    sandbox.faults.script(Fault(PASS, method="GET"), Fault(None, after=True, method="POST"),
                          *[Fault(502, method="GET")] * 3 * len(QUICK_LOOKS))  # every try of every look
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT) as failed:
        detail.send()
    assert "may or may not have arrived" in failed.args[0]
    assert not detail.banner.retry_button.isVisible()
    assert detail.composer.toPlainText() == "Maybe sent"


def test_the_new_ticket_dialog_cannot_be_closed_or_discarded_while_creating(desk, sandbox):
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    dialog.edits["email_address"].setText("jane@example.com")
    dialog.edits["subject"].setText("Slow create")
    dialog.message.setPlainText("Body")
    sandbox.faults.latency_ms = 100
    with desk.qtbot.waitSignal(dialog.created, timeout=WAIT):
        dialog.create_button.click()
        dialog.reject()  # Esc while the server works: ignored
        assert dialog.isVisible() and not dialog.discard_button.isEnabled()
    assert desk.repository.draft("new", 0) is None
    assert len([n for n in sandbox.store.ticket_numbers() if sandbox.store.ticket(n)["subject"] == "Slow create"]) == 1


def test_the_draft_is_saved_while_typing_without_closing_anything(desk):
    desk.open()
    desk.qtbot.keyClicks(desk.window.detail.composer, "typed")
    desk.qtbot.waitUntil(lambda: desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "typed"}, timeout=WAIT)


def test_a_reply_finishing_after_the_agent_moved_on_leaves_the_other_composer_alone(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    desk.open(SPEC_TICKET)
    pane, detail = desk.window.list_pane, desk.window.detail
    pane.select(SPEC_TICKET)
    detail.composer.setPlainText("for the spec ticket")
    sandbox.faults.latency_ms = 80
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
        pane.select(other)
        detail.composer.setPlainText("for the other ticket")
    assert detail.composer.toPlainText() == "for the other ticket"
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) is None
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == "for the spec ticket"


def test_a_failure_after_the_agent_moved_on_is_still_shown(desk, sandbox):
    other = next(n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET)
    desk.open(other)
    desk.open(SPEC_TICKET)
    pane, detail = desk.window.list_pane, desk.window.detail
    pane.select(SPEC_TICKET)
    detail.composer.setPlainText("will fail")
    sandbox.faults.latency_ms = 50
    sandbox.faults.script(Fault(500, method="POST"))
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
        pane.select(other)
    assert f"Your reply to #{SPEC_TICKET} was not sent" in detail.banner.text()
    assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET) == {"message": "will fail"}


def test_status_and_priority_wait_for_each_other(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    sandbox.faults.latency_ms = 80
    detail.status_box.setCurrentIndex(detail.status_box.findData("REVIEW"))
    with desk.qtbot.waitSignal(detail.ticket_changed, timeout=WAIT):
        detail.status_box.activated.emit(detail.status_box.currentIndex())
        assert not detail.priority_box.isEnabled() and not detail.status_box.isEnabled()
    assert detail.priority_box.isEnabled() and detail.status_box.isEnabled()


def test_hostile_text_in_list_tooltips_is_escaped(desk, sandbox):
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as api:
        number = api.create_ticket("x@example.com", '<img src="file:///etc/passwd"><font size=7>big', "m")
    desk.open(number)
    tip = desk.window.model.index(0, SUBJECT).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;img" in tip


def test_an_email_address_cannot_add_mail_headers_to_the_mailto_link(desk):
    from gui.api import Ticket

    desk.window.detail.show_ticket(Ticket(1, "s", "m", email_address='x@y.z?cc=boss@corp.example&body="hi"'))
    href = desk.window.detail.email_label.text().split('href="', 1)[1].split('"', 1)[0]
    assert href.startswith("mailto:x@y.z%3Fcc%3Dboss@corp.example%26body%3D")
    assert "?" not in href and "&" not in href


def test_a_selection_in_the_thread_survives_a_fresh_copy_that_brought_nothing_new(desk):
    desk.open(SPEC_TICKET)
    thread = desk.window.detail.thread
    thread.selectAll()
    selected = thread.textCursor().selectedText()
    assert "Have you tried powering the system off then on?" in selected
    desk.window.detail.show_ticket(desk.client.get_ticket(SPEC_TICKET))  # as a background refresh delivers it
    assert thread.textCursor().selectedText() == selected


def test_a_fresh_copy_with_a_new_reply_shows_it(desk, sandbox):
    desk.open(SPEC_TICKET)
    sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2026-01-05T10:00:00+00:00", "emailAddress": "x@y.z",
                                          "message": "One more thing."})
    desk.window.detail.show_ticket(desk.client.get_ticket(SPEC_TICKET))
    assert "One more thing." in desk.window.detail.thread.toPlainText()


def track_every_sandbox_ticket(desk: Desk, sandbox) -> list[int]:
    numbers = sandbox.store.ticket_numbers()
    for number in numbers:
        desk.store.save_snapshot("sandbox", desk.client.get_ticket(number), seen=True)
    desk.connect()
    return numbers


def test_f5_fetches_every_ticket_while_handing_the_runner_only_a_few_at_a_time(desk, sandbox):
    numbers = track_every_sandbox_ticket(desk, sandbox)
    assert len(numbers) > 40
    before = sandbox.requests_served
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
        assert desk.runner.in_flight == desk.controller.live.planner.policy.sweep_in_flight  # the rest follow
    assert sandbox.requests_served - before == len(numbers)
    assert desk.window.refreshed_label.text().startswith("Refreshed ")


def test_switching_environment_during_f5_stops_fetching_the_old_tickets(desk, sandbox):
    numbers = track_every_sandbox_ticket(desk, sandbox)
    sandbox.faults.latency_ms = 50
    desk.window.refresh()
    desk.controller.connect_to(None)
    desk.idle()
    assert sandbox.requests_served - len(numbers) <= desk.runner.pool.maxThreadCount() * 2


def test_a_very_long_list_is_read_on_a_worker_and_shown_when_read(desk, sandbox, monkeypatch):

    numbers = sandbox.store.ticket_numbers()[:6]
    for number in numbers:
        desk.store.save_snapshot("sandbox", desk.client.get_ticket(number), seen=True)
    with desk.qtbot.waitSignal(desk.controller.list_loaded, timeout=WAIT) as loaded:
        desk.connect(wait=False)
        assert desk.window.model.total() == 0  # the window is free at once; the list follows
        assert desk.window.list_pane.count_label.text() == "Loading the ticket list…"
    assert sorted(row.number for row in loaded.args[0]) == sorted(numbers)
    assert desk.window.model.total() == len(numbers)
    assert desk.window.list_pane.count_label.text() == f"{len(numbers)} tickets"


def test_a_list_read_for_an_environment_left_meanwhile_is_dropped(desk, sandbox, monkeypatch):

    for number in sandbox.store.ticket_numbers()[:6]:
        desk.store.save_snapshot("sandbox", desk.client.get_ticket(number), seen=True)
    desk.connect(wait=False)
    desk.controller.connect_to(None)
    desk.idle()
    assert desk.window.model.total() == 0


def test_a_long_thread_opens_with_its_latest_replies_and_unfolds_the_earlier_ones_on_request(desk, sandbox):
    from gui.views.thread_html import SHOW_EARLIER
    from gui.views.ticket_detail import LATEST_REPLIES

    for i in range(LATEST_REPLIES + 10):
        sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": f"2026-02-01T{i // 60:02d}:{i % 60:02d}:00+00:00",
                                              "emailAddress": "x@y.z", "message": f"Reply number {i}."})
    desk.open(SPEC_TICKET)
    thread = desk.window.detail.thread
    text = thread.toPlainText()
    assert f"Reply number {LATEST_REPLIES + 9}." in text and "Reply number 10." in text
    assert "Reply number 9." not in text and "Have you tried powering" not in text  # the two seeded replies too
    assert "Show 12 earlier replies" in text
    thread.anchorClicked.emit(QUrl(SHOW_EARLIER))  # what clicking that link does
    text = thread.toPlainText()
    assert "Reply number 0." in text and "Have you tried powering" in text
    assert thread.verticalScrollBar().value() == 0


def test_the_count_under_the_list_speaks_of_one_ticket_in_the_singular(desk):
    desk.open(SPEC_TICKET)
    assert desk.window.list_pane.count_label.text() == "1 ticket"


def test_switching_environment_shows_only_the_new_environments_tickets(desk, sandbox):
    desk.open(SPEC_TICKET)
    other = next(number for number in sandbox.store.ticket_numbers() if number != SPEC_TICKET)
    desk.store.save_snapshot("beta", desk.client.get_ticket(other), seen=True)
    desk.connect(TicketService(desk.client, TicketRepository(desk.store, "beta")), "Beta")
    assert [row.number for row in desk.window.model.rows()] == [other]


def hold_list_reads(desk, monkeypatch) -> threading.Event:
    """Reads of the whole list take their snapshot at once, then wait until the test lets them finish."""

    gate = threading.Event()
    real = desk.store.tickets

    def held(env: str):
        rows = real(env)
        gate.wait(WAIT / 1000)
        return rows

    monkeypatch.setattr(desk.store, "tickets", held)
    return gate


def store_sandbox_tickets(desk, sandbox, count: int = 6) -> list[int]:
    numbers = [n for n in sandbox.store.ticket_numbers() if n != SPEC_TICKET][:count]
    for number in numbers:
        desk.store.save_snapshot("sandbox", desk.client.get_ticket(number), seen=True)
    return numbers


def test_a_ticket_removed_while_the_long_list_is_read_stays_removed(desk, sandbox, monkeypatch):
    numbers = store_sandbox_tickets(desk, sandbox)
    gate = hold_list_reads(desk, monkeypatch)
    desk.connect(wait=False)
    desk.open(numbers[0])
    desk.window.list_pane.select(numbers[0])
    desk.window.remove_current()
    with desk.qtbot.waitSignal(desk.controller.list_loaded, timeout=WAIT) as loaded:
        gate.set()
    assert numbers[0] not in [row.number for row in loaded.args[0]]
    assert numbers[0] not in [row.number for row in desk.window.model.rows()]


def test_a_ticket_refreshed_while_the_long_list_is_read_keeps_its_newer_row(desk, sandbox, monkeypatch):
    numbers = store_sandbox_tickets(desk, sandbox)
    stored = next(row for row in desk.store.tickets("sandbox") if row.number == numbers[1])
    gate = hold_list_reads(desk, monkeypatch)
    desk.connect(wait=False)
    sandbox.store.add_reply(numbers[1], {"repliedOn": "2026-11-01T10:00:00+00:00", "emailAddress": "x@y.z",
                                         "message": "Any news?"})
    desk.open(numbers[1])
    with desk.qtbot.waitSignal(desk.controller.list_loaded, timeout=WAIT):
        gate.set()
    row = next(row for row in desk.window.model.rows() if row.number == numbers[1])
    assert row.replies == stored.replies + 1
    assert sorted(r.number for r in desk.window.model.rows()) == sorted(numbers)


def test_a_list_that_cannot_be_read_says_so_offers_retry_and_still_starts_background_refresh(desk, sandbox,
                                                                                            monkeypatch):
    import sqlite3


    store_sandbox_tickets(desk, sandbox)
    real = desk.store.tickets
    monkeypatch.setattr(desk.store, "tickets", lambda env: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O")))
    with desk.qtbot.waitSignal(desk.controller.list_loaded, timeout=WAIT) as loaded:
        desk.connect(wait=False)
    assert loaded.args[0] == []
    banner = desk.window.list_banner
    assert banner.isVisible() and "Could not read the ticket list" in banner.text()
    assert banner.retry_button.isVisible()
    monkeypatch.setattr(desk.store, "tickets", real)
    with desk.qtbot.waitSignal(desk.controller.list_loaded, timeout=WAIT) as loaded:
        banner.retry_button.click()
    assert len(loaded.args[0]) == 6


def test_a_new_reply_in_a_folded_thread_is_added_below_without_folding_more(desk, sandbox):
    from gui.views.ticket_detail import LATEST_REPLIES

    for i in range(LATEST_REPLIES + 10):
        sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": f"2026-02-01T{i // 60:02d}:{i % 60:02d}:00+00:00",
                                              "emailAddress": "x@y.z", "message": f"Reply number {i}."})
    desk.open(SPEC_TICKET)
    sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2026-03-01T00:00:00+00:00", "emailAddress": "x@y.z",
                                          "message": "The newest reply."})
    desk.window.detail.show_ticket(desk.client.get_ticket(SPEC_TICKET))  # as a background refresh delivers it
    text = desk.window.detail.thread.toPlainText()
    assert "Show 12 earlier replies" in text and "Reply number 10." in text and "The newest reply." in text


def test_a_lost_reply_is_found_by_its_text_even_when_a_later_dated_reply_sits_after_it(desk, sandbox):
    sandbox.store.add_reply(SPEC_TICKET, {"repliedOn": "2031-01-01T09:00:00+00:00", "emailAddress": "kim@team.example",
                                          "message": "Scheduled follow-up."})
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Sent once\r\n")
    desk.idle()
    sandbox.faults.script(Fault(PASS, method="GET"), Fault(None, after=True, method="POST"))  # committed, answer lost
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert [r["message"].strip() for r in sandbox.store.ticket(SPEC_TICKET)["replies"]].count("Sent once") == 1
    assert not detail.banner.isVisible() or "safe to send it again" not in detail.banner.text()


def test_a_lost_reply_that_is_not_on_the_ticket_says_what_was_checked(desk, sandbox):
    desk.open()
    detail = desk.window.detail
    detail.composer.setPlainText("Never arrived")
    desk.idle()
    sandbox.faults.script(Fault(PASS, method="GET"), Fault(None, method="POST"))  # dropped before it was carried out
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT) as failed:
        detail.send()
    assert "The reply is not on the ticket (looked 3 times" in failed.args[0] and "safe to send it" in failed.args[0]
    assert detail.banner.retry_button.isVisible()


def test_the_requesters_other_tickets_are_listed_and_open_with_a_click(desk, sandbox):
    first = desk.client.get_ticket(SPEC_TICKET)
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as colleague:
        other = colleague.create_ticket(first.email_address.upper(), "<b>Second</b> problem", "Another one.")
    desk.open(other)
    with desk.qtbot.waitSignal(desk.controller.history_shown, timeout=WAIT):
        desk.open(SPEC_TICKET)
    label = desk.window.detail.history_label
    assert label.isVisible() and f"#{other}" in label.text() and "&lt;b&gt;Second" in label.text()
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        label.linkActivated.emit(f"ticket:{other}")
    assert desk.controller.current == other


def test_a_phone_number_typed_any_way_filters_the_list(desk):
    desk.open(SPEC_TICKET)
    pane = desk.window.list_pane
    for typed in ("(123) 456-7890", "123-456-7890", "456 7890"):
        pane.filter_edit.setText(typed)
        pane._apply_filter()
        assert desk.window.model.row_of(SPEC_TICKET) is not None, typed
    pane.filter_edit.setText("(999) 000-0000")
    pane._apply_filter()
    assert desk.window.model.rowCount() == 0
