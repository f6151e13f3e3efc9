"""One owner of ticket state: removals stick, older copies never win, the open ticket is the highlighted row,
writes to a ticket keep their order, and quitting never waits on a hung server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, Slot
from PySide6.QtWidgets import QApplication

from gui.app import Desk as AppDesk
from gui.connection import SandboxFaults
from gui.services.tickets import TicketService
from gui.settings import Secrets
from gui.tickets import TicketRepository
from tests.test_workspace import SPEC_TICKET, WAIT, Desk, ThreadRecordingClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


class Outcomes(QObject):
    """Bound slots for the answers of writes a test asks the controller for directly."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []

    @Slot(object)
    def done(self, result: object) -> None:
        self.results.append(result)


class HeldClient(ThreadRecordingClient):
    """The real client; while ``hold`` is set, the next GET's answer (already received) waits for ``release``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hold = False
        self.answered = threading.Event()
        self.release = threading.Event()

    def get_ticket(self, ticket_number):
        held, self.hold = self.hold, False
        ticket = super().get_ticket(ticket_number)
        if held:
            self.answered.set()
            self.release.wait(WAIT / 1000)
        return ticket


def hold_the_next_get(desk, sandbox) -> HeldClient:
    from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY

    client = HeldClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0.01)
    desk.service.client = client
    desk.held_client = client
    client.hold = True
    return client


def refresh_in_background(desk, number: int) -> None:
    """Its turn in the background schedule comes round now."""
    live = desk.controller.live
    live.planner.track(number, desk.repository.status_of(number), time.monotonic(), fresh=False)
    live.tick()


def store_tickets(desk, sandbox, count: int) -> list[int]:
    numbers = sandbox.store.ticket_numbers()[:count]
    for number in numbers:
        desk.store.save_snapshot("sandbox", desk.client.get_ticket(number), seen=True)
    desk.connect()
    return numbers


def test_a_ticket_removed_while_its_background_fetch_is_in_flight_stays_removed_and_is_not_news(desk, sandbox):
    desk.open(SPEC_TICKET)
    client = hold_the_next_get(desk, sandbox)
    news: list[int] = []
    desk.controller.ticket_changed.connect(lambda saved: news.append(saved.row.number))
    refresh_in_background(desk, SPEC_TICKET)
    assert client.answered.wait(WAIT / 1000)
    desk.window.remove_current()
    client.release.set()
    desk.idle()
    assert desk.window.model.row_of(SPEC_TICKET) is None and desk.store.row("sandbox", SPEC_TICKET) is None
    assert news == []  # the late answer did not add it back ("#N was added to your list")
    client.close()


def test_a_ticket_removed_while_f5_has_it_queued_is_not_fetched_or_listed_again(desk, sandbox):
    numbers = store_tickets(desk, sandbox, 30)
    sandbox.faults.latency_ms = 100
    last = max(numbers)  # F5 goes in number order: the highest is still queued behind 8 workers
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
        desk.controller.remove(last)
        removed_at = len(sandbox.recent)
    assert desk.window.model.row_of(last) is None and desk.store.row("sandbox", last) is None
    assert not [r for r in list(sandbox.recent)[removed_at:] if r.path == f"/ticket/{last}"]
    assert desk.window.model.total() == len(numbers) - 1


def test_a_removed_ticket_opened_again_by_number_is_listed_again(desk, sandbox):
    desk.open(SPEC_TICKET)
    desk.window.remove_current()
    desk.open(SPEC_TICKET)
    assert desk.window.model.row_of(SPEC_TICKET) is not None
    assert not desk.repository.is_removed(SPEC_TICKET)


def test_a_removal_survives_a_restart_of_the_desk(desk, sandbox):
    desk.open(SPEC_TICKET)
    desk.window.remove_current()
    desk.connect()  # a new ticket owner reads the removals from disk
    assert desk.repository.is_removed(SPEC_TICKET)
    desk.idle()
    assert desk.controller.tickets.accept(desk.repository.begin_fetch(SPEC_TICKET),
                                          desk.client.get_ticket(SPEC_TICKET), seen=False) is None


def test_a_background_copy_fetched_before_the_agents_change_never_overwrites_it(desk, sandbox):
    desk.open(SPEC_TICKET)
    assert sandbox.store.ticket(SPEC_TICKET)["status"] != "CLOSED"
    client = hold_the_next_get(desk, sandbox)
    refresh_in_background(desk, SPEC_TICKET)
    assert client.answered.wait(WAIT / 1000)  # it holds the status from before the change
    box = desk.window.detail.status_box
    box.setCurrentIndex(box.findData("CLOSED"))
    box.activated.emit(box.currentIndex())
    desk.qtbot.waitUntil(lambda: not desk.controller.is_changing(SPEC_TICKET), timeout=WAIT)
    client.release.set()
    desk.idle()
    assert desk.store.row("sandbox", SPEC_TICKET).status == "CLOSED"
    assert desk.window.detail.status_box.currentData() == "CLOSED"
    client.close()


def test_the_open_ticket_stays_the_highlighted_row_when_another_ticket_moves_above_it(desk, sandbox):
    numbers = store_tickets(desk, sandbox, 5)
    model, table = desk.window.model, desk.window.list_pane.table
    middle = model.number_at(2)
    desk.window.list_pane.select(middle)
    desk.idle()
    bottom = model.number_at(4)
    sandbox.store.add_reply(bottom, {"repliedOn": "2030-01-01T10:00:00+00:00", "emailAddress": "x@y.z",
                                     "message": "Newest of all."})
    with desk.qtbot.waitSignal(desk.controller.ticket_changed, timeout=WAIT,
                               check_params_cb=lambda saved: saved.row.number == bottom):
        refresh_in_background(desk, bottom)
    assert model.number_at(0) == bottom  # it re-sorted to the top; the open ticket moved down a row
    assert desk.controller.current == middle
    assert table.currentIndex().row() == model.row_of(middle)
    assert [i.row() for i in table.selectionModel().selectedRows()] == [model.row_of(middle)]
    below = model.number_at(model.row_of(middle) + 1)
    desk.qtbot.keyClick(table, Qt.Key.Key_J)
    assert desk.controller.current == below
    assert table.currentIndex().row() == model.row_of(below)
    desk.idle()
    table.setFocus()  # in the list (in the reply box Ctrl+Del deletes a word)
    desk.qtbot.keyClick(table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    desk.qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None, timeout=WAIT)
    assert f"#{below}" in QApplication.activeModalWidget().text()  # it asks about the highlighted one
    desk.qtbot.keyClick(QApplication.activeModalWidget(), Qt.Key.Key_Return)
    assert model.row_of(below) is None and below not in desk.store.ticket_numbers("sandbox")
    assert len(numbers) - 1 == model.total()


def test_status_waits_while_a_reply_that_sets_the_status_is_on_its_way(desk, sandbox):
    desk.open(SPEC_TICKET)
    detail = desk.window.detail
    sandbox.faults.latency_ms = 150
    detail.composer.setPlainText("Closing this as solved.")
    detail.send(status="CLOSED")
    assert not detail.status_box.isEnabled() and not detail.priority_box.isEnabled()
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        pass
    assert detail.status_box.isEnabled()
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == "CLOSED"


def test_writes_to_one_ticket_reach_the_server_in_the_order_they_were_asked_for(desk, sandbox):
    desk.open(SPEC_TICKET)
    sandbox.faults.latency_ms = 100
    detail = desk.window.detail
    outcomes = Outcomes()
    started = len(sandbox.recent)
    desk.controller.send_reply(detail.ticket, detail.agent, "First the reply, then CLOSED.", status="CLOSED",
                               on_done=outcomes.done, on_error=outcomes.done)
    desk.controller.change(SPEC_TICKET, "status", "OPEN", on_done=outcomes.done, on_error=outcomes.done)
    desk.qtbot.waitUntil(lambda: len(outcomes.results) == 2, timeout=WAIT)
    writes = [(r.method, r.json().get("status")) for r in list(sandbox.recent)[started:] if r.method in ("POST", "PUT")]
    assert writes == [("POST", None), ("PUT", "CLOSED"), ("PUT", "OPEN")]
    assert sandbox.store.ticket(SPEC_TICKET)["status"] == "OPEN"


def test_quitting_with_requests_stuck_on_a_slow_server_returns_within_two_seconds(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    app_desk = AppDesk(tmp_path / "data", settings, Secrets(), demo=True, faults=SandboxFaults(latency_ms=20_000))
    qtbot.addWidget(app_desk.window)
    with qtbot.waitSignal(app_desk.ready, timeout=WAIT):
        app_desk.start()
    qtbot.waitUntil(lambda: app_desk.runner.in_flight >= 8, timeout=WAIT)  # the demo's tickets, each 20 s away
    started = time.monotonic()
    app_desk.window.close()
    assert app_desk.shutdown()
    assert time.monotonic() - started < 2.0


@pytest.mark.slow
def test_the_demo_ends_within_two_seconds_of_sigterm_with_requests_in_flight_and_says_nothing(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp_path / name.lower())
    log = tmp_path / "xdg_data_home" / "TOGaDesk" / "TOGaDesk Agent" / "logs" / "togadesk.log"
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--demo", "--latency-ms", "20000"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while "Connected to Sandbox" not in (log.read_text() if log.exists() else ""):  # another process: poll
            assert process.poll() is None and time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.05)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
        assert time.monotonic() - started < 2.0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    offscreen_only = "This plugin does not support propagateSizeHints()"  # Qt's offscreen platform, as in pyproject
    assert [line for line in err.splitlines() if line != offscreen_only] == []


def test_f5_reports_when_it_is_done_and_counts_as_one_refresh(desk, sandbox):
    numbers = store_tickets(desk, sandbox, 12)
    before = sandbox.requests_served
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
        desk.window.refresh()  # a second F5 while the first runs adds nothing
    assert sandbox.requests_served - before == len(numbers)


def test_a_ticket_not_stored_yet_says_opening_in_the_pane_while_the_slow_server_answers(desk, sandbox):
    sandbox.faults.latency_ms = 300
    with desk.qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.window.open_ticket_number(str(SPEC_TICKET))
        detail = desk.window.detail
        assert detail.placeholder.isVisible() and detail.placeholder.text() == f"Opening #{SPEC_TICKET}…"
    assert detail.body.isVisible() and detail.ticket.ticket_number == SPEC_TICKET


def test_f5_ends_when_its_only_ticket_was_being_fetched_in_the_background_already(desk, sandbox):
    desk.open(SPEC_TICKET)
    desk.idle()
    client = hold_the_next_get(desk, sandbox)
    refresh_in_background(desk, SPEC_TICKET)
    assert client.answered.wait(WAIT / 1000)
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()  # the sweep waits for the answer already on its way
        client.release.set()
    client.close()


def test_f5_ends_when_the_ticket_it_is_fetching_is_removed(desk, sandbox):
    desk.open(SPEC_TICKET)
    desk.idle()
    client = hold_the_next_get(desk, sandbox)
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()
        assert client.answered.wait(WAIT / 1000)
        desk.window.remove_current()
        client.release.set()
    desk.idle()
    client.close()


def test_a_ticket_removed_while_it_opens_or_named_by_a_webhook_is_not_fetched_in_the_background(desk, sandbox):
    desk.open(SPEC_TICKET)
    desk.idle()
    client = hold_the_next_get(desk, sandbox)
    desk.controller.open(SPEC_TICKET)  # clicked again: its GET is on its way
    assert client.answered.wait(WAIT / 1000)
    desk.window.remove_current()
    client.release.set()
    desk.idle()
    client.close()
    live = desk.controller.live
    assert not live.planner.tracks(SPEC_TICKET)
    live.hint_received.emit(SPEC_TICKET)  # a webhook names it
    desk.idle()
    assert not live.planner.tracks(SPEC_TICKET) and desk.window.model.row_of(SPEC_TICKET) is None


def test_a_change_the_left_environment_made_on_a_worker_never_reaches_the_new_one(desk, sandbox):
    old = desk.repository
    ticket = desk.client.get_ticket(SPEC_TICKET)
    worker = threading.Thread(target=lambda: old.accept(old.begin_fetch(SPEC_TICKET), ticket, seen=False))
    worker.start()
    worker.join()  # stored and noted for the UI thread, which has not taken it in yet
    news: list[int] = []
    desk.controller.ticket_changed.connect(lambda saved: news.append(saved.row.number))
    desk.connect(TicketService(desk.client, TicketRepository(desk.store, "production")), "Production")
    assert desk.window.model.row_of(SPEC_TICKET) is None and news == []
    assert desk.store.ticket_numbers("production") == []


def test_the_last_words_typed_are_kept_when_the_environment_changes(desk):
    desk.open(SPEC_TICKET)
    desk.window.detail.composer.setPlainText("Dear customer, please try")  # the draft timer has not fired
    desk.controller.connect_to(None)
    assert desk.store.draft("sandbox", "reply", SPEC_TICKET) == {"message": "Dear customer, please try"}


def test_a_ticket_number_beyond_a_cpp_int_travels_whole(desk, sandbox):
    sandbox.faults.latency_ms = 200
    with desk.qtbot.waitSignal(desk.controller.open_failed, timeout=WAIT):
        desk.window.open_ticket_number("3000000000")
        assert desk.window.detail.placeholder.text() == "Opening #3000000000…"
    assert "No such ticket" in desk.window.list_banner.text()
