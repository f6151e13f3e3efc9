"""The Orders tab: lookup, recent lookups, new ticket for an order, diagnostics, order mentions in tickets."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings, Qt

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.controller import TicketController
from gui.sandbox import Fault
from gui.services.orders import MAX_DOCUMENT_BYTES, OrderService, load_document
from gui.services.tickets import Agent, TicketService
from gui.store import LocalStore
from gui.tasks import TaskRunner, TaskScope
from gui.tickets import TicketRepository
from gui.views.main_window import MainWindow

WAIT = 10_000
SPEC_ORDER = 12345678


class OrderDesk:
    def __init__(self, qtbot, sandbox, tmp_path):
        self.qtbot = qtbot
        self.client = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0.01)
        self.store = LocalStore(tmp_path / "desk.sqlite3")
        self.tickets = TicketService(self.client, TicketRepository(self.store, "sandbox"))
        self.orders = OrderService(self.client, self.store, "sandbox")
        self.runner = TaskRunner()
        self.controller = TicketController(self.runner)
        agent = Agent("Sam", "Agent", "sam@example.com")
        self.window = MainWindow(self.controller, "Sandbox", agent,
                                 settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        self.controller.connect_to(self.tickets, TaskScope("sandbox"))
        self.window.show_environment("Sandbox", agent, self.orders)
        qtbot.addWidget(self.window)
        self.window.show()
        self.tab = self.window.orders_tab

    def look_up(self, text: str) -> None:
        self.tab.number_edit.setText(text)
        with self.qtbot.waitSignals([self.tab.order_shown, self.tab.recent_loaded, self.tab.history_loaded],
                                    timeout=WAIT):
            self.qtbot.keyClick(self.tab.number_edit, "\r")

    def close(self) -> None:
        self.controller.connect_to(None)
        assert self.runner.shutdown(5000)
        self.client.close()
        self.store.close()


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[OrderDesk]:
    workstation = OrderDesk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def test_enter_looks_up_the_order_and_shows_a_card_with_leading_zeros(desk):
    desk.look_up("12345678")
    tab = desk.tab
    assert tab.title.text() == "Order #12345678"
    assert tab.customer.text() == "John Smith"
    assert tab.email.text() == "jsmith@testco.com"
    assert tab.associate.text() == "0975312"
    assert tab.type_badge.text().strip() == "NEW: New computer setup"


def test_an_unknown_order_says_so(desk):
    desk.tab.number_edit.setText("99999999")
    with desk.qtbot.waitSignal(desk.tab.lookup_failed, timeout=WAIT):
        desk.tab.look_up()
    assert "No such order in this environment" in desk.tab.banner.text()
    assert desk.tab.card.isHidden()


def test_other_errors_show_the_servers_message_with_retry(desk, sandbox):
    sandbox.faults.script(Fault(500, method="GET", content_type="application/json",
                                body=b'{"success": false, "error": "Order database offline."}'))
    desk.tab.number_edit.setText("12345678")
    with desk.qtbot.waitSignal(desk.tab.lookup_failed, timeout=WAIT):
        desk.tab.look_up()
    assert "Order database offline" in desk.tab.banner.text()
    assert not desk.tab.banner.retry_button.isHidden()  # the tab is not on screen; the button is shown in it


def test_recent_lookups_are_kept_filterable_and_reopen_with_a_click(desk, sandbox):
    numbers = sandbox.store.order_numbers()[:3]
    for number in numbers:
        desk.look_up(str(number))
    model = desk.tab.recent_model
    assert [int(model.index(r, 0).data()) for r in range(model.rowCount())] == list(reversed(numbers))
    desk.tab.filter_edit.setText(str(numbers[0]))
    assert model.rowCount() == 1
    desk.tab.recent.setCurrentIndex(model.index(0, 0))
    with desk.qtbot.waitSignal(desk.tab.order_shown, timeout=WAIT):
        desk.tab.recent.clicked.emit(model.index(0, 0))
    assert desk.tab.order.order_number == numbers[0]


def test_new_ticket_for_an_order_is_prefilled(desk):
    desk.look_up("12345678")
    desk.tab.new_ticket_button.click()
    dialog = desk.window.new_ticket_dialog
    assert dialog.edits["email_address"].text() == "jsmith@testco.com"
    assert (dialog.edits["first_name"].text(), dialog.edits["last_name"].text()) == ("John", "Smith")
    assert dialog.edits["subject"].text().startswith("Order #12345678")
    dialog.reject()


def open_diagnostic(desk):
    desk.look_up("12345678")
    desk.tab.diagnostic_button.click()
    dialog = desk.window.diagnostic_dialog
    with desk.qtbot.waitSignal(dialog.codes_loaded, timeout=WAIT):  # delivered by the event loop, not before
        pass
    return dialog


def test_a_diagnostic_needs_a_result_code_and_an_explicit_yes_or_no(desk):
    dialog = open_diagnostic(desk)
    dialog.review_button.click()
    assert dialog.pages.currentIndex() == 0
    assert "result code" in dialog.error.text() and "Yes or No" in dialog.error.text()
    dialog.result_code.setEditText("PASS")
    dialog.document_url.setText("ftp://example.com/report.pdf")
    dialog.no.setChecked(True)
    dialog.review_button.click()
    assert "http:// or https://" in dialog.error.text()
    dialog.reject()


def test_a_diagnostic_with_a_link_is_reviewed_then_sent(desk, sandbox):
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("HW-FAIL-DISK")
    dialog.yes.setChecked(True)
    dialog.document_url.setText("https://reports.example.com/123.pdf")
    dialog.review_button.click()
    assert dialog.pages.currentIndex() == 1
    assert "windowsUpgradeEligibility: true" in dialog.summary.toPlainText()
    with desk.qtbot.waitSignals([dialog.sent, desk.tab.history_loaded], timeout=WAIT):
        dialog.send_button.click()
    sent = sandbox.store.diagnostics(SPEC_ORDER)[-1]
    assert (sent["resultCode"], sent["windowsUpgradeEligibility"], sent["document"]) == (
        "HW-FAIL-DISK", True, "https://reports.example.com/123.pdf")
    assert "Diagnostic sent at" in desk.tab.banner.text()
    assert "HW-FAIL-DISK" in desk.tab.history.text()
    assert desk.orders.result_codes()[0] == "HW-FAIL-DISK"  # remembered for next time


@pytest.fixture
def new_york(monkeypatch) -> Iterator[ZoneInfo]:
    """The desk's clock in New York, so local time and UTC differ in their digits."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield ZoneInfo("America/New_York")
    monkeypatch.undo()
    time.tzset()


def test_times_on_the_orders_tab_are_local_in_the_desks_one_format(desk, new_york):
    desk.look_up(str(SPEC_ORDER))
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("PASS")
    dialog.yes.setChecked(True)
    dialog.review_button.click()
    with desk.qtbot.waitSignals([dialog.sent, desk.tab.history_loaded], timeout=WAIT):
        dialog.send_button.click()
    sent_at = desk.orders.diagnostics_sent(SPEC_ORDER)[-1][3]  # as stored: UTC, ISO 8601
    assert sent_at.endswith("+00:00")
    local = datetime.fromisoformat(sent_at).astimezone(new_york).strftime("%Y-%m-%d %H:%M")
    assert desk.tab.history.text() == f"PASS · eligible: yes · {local}"
    assert f"Diagnostic sent at {local};" in desk.tab.banner.text()
    looked_up = desk.tab.recent_model.index(0, 3)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", looked_up.data())
    for shown in (desk.tab.history.text(), desk.tab.banner.text(), looked_up.data()):
        assert "+00:00" not in shown and not re.search(r"\dT\d", shown)
    assert looked_up.data(Qt.ItemDataRole.ToolTipRole).startswith(f"{looked_up.data()} (")  # and how long ago


def test_a_diagnostic_file_reaches_the_server_base64_encoded(desk, sandbox, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("PASS")
    dialog.no.setChecked(True)
    with desk.qtbot.waitSignal(dialog.document_loaded, timeout=WAIT):
        dialog.attach_file(str(pdf))
    assert dialog.file_label.text() == "report.pdf (10.0 KB)"
    dialog.review_button.click()
    assert "report.pdf (10.0 KB), sent Base64-encoded" in dialog.summary.toPlainText()
    assert "JVBER" not in dialog.summary.toPlainText()  # summarised, not dumped
    with desk.qtbot.waitSignal(dialog.sent, timeout=WAIT):
        dialog.send_button.click()
    assert base64.b64decode(sandbox.store.diagnostics(SPEC_ORDER)[-1]["document"]) == pdf.read_bytes()


def test_collected_system_information_is_shown_then_sent_as_json_text(desk, sandbox):
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("PASS")
    dialog.yes.setChecked(True)
    with desk.qtbot.waitSignal(dialog.system_information_loaded, timeout=WAIT):
        dialog.collect_button.click()
    info = json.loads(dialog.system_info.toPlainText())
    assert {"OperatingSystem", "ComputerName", "Processor"} <= set(info)
    dialog.review_button.click()
    with desk.qtbot.waitSignal(dialog.sent, timeout=WAIT):
        dialog.send_button.click()
    assert json.loads(sandbox.store.diagnostics(SPEC_ORDER)[-1]["systemInformation"]) == info


def test_a_failed_send_keeps_the_whole_form(desk, sandbox):
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("PASS")
    dialog.no.setChecked(True)
    dialog.system_info.setPlainText("{\"Win32_BIOS\": {}}")
    dialog.review_button.click()
    sandbox.faults.script(Fault(500, method="POST"))
    with desk.qtbot.waitSignal(dialog.failed, timeout=WAIT):
        dialog.send_button.click()
    assert dialog.isVisible() and dialog.pages.currentIndex() == 0
    assert (dialog.result_code.currentText(), dialog.no.isChecked()) == ("PASS", True)
    assert dialog.system_info.toPlainText() == "{\"Win32_BIOS\": {}}"
    assert "The diagnostic was not sent" in dialog.banner.text()
    dialog.reject()


def test_files_that_are_too_big_or_not_documents_are_refused_with_the_reason(tmp_path):
    from gui.api import ValidationError

    big = tmp_path / "scan.pdf"
    with big.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(ValidationError, match=r"over 20\.0 MB are refused"):
        load_document(big)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(ValidationError, match="not a document type"):
        load_document(exe)


def test_an_order_mentioned_in_a_ticket_opens_in_the_orders_tab(desk, sandbox):
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as api:
        number = api.create_ticket("j@example.com", "Setup for order #12345678", "See order no. 12345678 please.")
    with desk.qtbot.waitSignal(desk.window.controller.opened, timeout=WAIT):
        desk.window.open_ticket_number(str(number))
    detail = desk.window.detail
    assert detail.orders_label.isVisible() and "#12345678" in detail.orders_label.text()
    assert 'href="order:12345678"' in detail.thread.toHtml()
    with desk.qtbot.waitSignal(desk.tab.order_shown, timeout=WAIT):
        detail.orders_label.linkActivated.emit("order:12345678")
    assert desk.window.tabs.currentWidget() is desk.tab
    assert desk.tab.order.order_number == SPEC_ORDER


def test_ctrl_2_shows_the_orders_tab(desk):
    desk.window.orders_tab_action.trigger()
    assert desk.window.tabs.currentWidget() is desk.tab
    assert desk.window.orders_tab_action.shortcut().toString() == "Ctrl+2"


def test_review_waits_for_a_collection_still_running_so_it_shows_what_is_sent(desk, sandbox):
    dialog = open_diagnostic(desk)
    dialog.result_code.setEditText("PASS")
    dialog.yes.setChecked(True)
    dialog.system_info.setPlainText("pasted by the agent")
    with desk.qtbot.waitSignal(dialog.system_information_loaded, timeout=WAIT):
        dialog.collect_button.click()
        dialog.review_button.click()  # too early: the collection has not come back yet
        assert dialog.pages.currentIndex() == 0 and not dialog.review_button.isEnabled()
    dialog.review_button.click()
    assert '"OperatingSystem"' in dialog.summary.toPlainText()
    assert "Ctrl+Z" in dialog.banner.text()
    dialog._back()
    dialog.system_info.undo()
    assert dialog.system_info.toPlainText() == "pasted by the agent"
    dialog.reject()


def test_an_order_looked_up_before_a_switch_of_environment_is_not_shown_in_the_new_one(desk, sandbox):
    sandbox.faults.latency_ms = 200
    desk.tab.number_edit.setText(str(SPEC_ORDER))
    with desk.qtbot.waitSignal(desk.tab.recent_loaded, timeout=WAIT):
        desk.qtbot.keyClick(desk.tab.number_edit, "\r")
        desk.tab.set_service(OrderService(desk.client, desk.store, "production"))
    desk.qtbot.waitUntil(lambda: desk.runner.in_flight == 0, timeout=WAIT)
    assert desk.tab.order is None and not desk.tab.card.isVisible()


def test_looking_up_another_order_that_fails_leaves_no_card_a_diagnostic_could_go_to(desk, sandbox):
    desk.look_up("12345678")
    assert desk.tab.diagnostic_button.isVisibleTo(desk.tab)
    desk.tab.number_edit.setText("99999999")
    with desk.qtbot.waitSignal(desk.tab.lookup_failed, timeout=WAIT):
        desk.tab.look_up()
    assert desk.tab.card.isHidden() and not desk.tab.placeholder.isHidden()
    sent: list[object] = []
    desk.tab.diagnostic_requested.connect(sent.append)
    desk.tab.diagnostic_button.click()  # even if reached somehow: there is no order to attach it to
    assert sent == []
