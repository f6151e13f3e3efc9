"""The minimal main window of the demo: sandbox tickets fetched on workers and shown; failures in a banner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from gui.models.ticket_table import NUMBER, STATUS, SUBJECT
from gui.sandbox import Fault
from gui.tasks import TaskRunner
from gui.views.main_window import MainWindow


@pytest.fixture
def runner(qapp) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.shutdown(5000)


def open_window(qtbot, runner, client, numbers) -> MainWindow:
    window = MainWindow(runner, client.get_ticket, "Sandbox", numbers)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_window_shows_tickets_fetched_from_the_sandbox(qtbot, runner, client, sandbox):
    numbers = sandbox.store.ticket_numbers()[:5]
    window = open_window(qtbot, runner, client, numbers)
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0, timeout=10_000):
        window.refresh()
    model = window.model
    shown = {int(model.index(row, NUMBER).data()) for row in range(model.rowCount())}
    assert shown == set(numbers)
    for row in range(model.rowCount()):
        number = int(model.index(row, NUMBER).data())
        server = sandbox.store.ticket(number)
        assert model.index(row, SUBJECT).data() == server["subject"]
        assert model.index(row, STATUS).data() == server["status"]
    assert not window.banner.isVisible()
    assert window.busy_label.text() == "Ready"


def test_refreshing_again_updates_rows_in_place(qtbot, runner, client, sandbox):
    window = open_window(qtbot, runner, client, [12345678])
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda n: n == 0, timeout=10_000):
        window.refresh()
    client.update_ticket(12345678, status="CLOSED")
    with qtbot.waitSignal(window.model.dataChanged, timeout=10_000):
        window.refresh()
    assert window.model.rowCount() == 1
    assert window.model.index(0, STATUS).data() == "CLOSED"


def test_a_failed_fetch_shows_the_servers_message_in_the_banner_as_plain_text(qtbot, runner, client, sandbox):
    sandbox.faults.script(Fault(500, body=b'{"success": false, "error": "<script>alert(1)</script> Down"}',
                                content_type="application/json"))
    window = open_window(qtbot, runner, client, [12345678])
    with qtbot.waitSignal(window.load_failed, timeout=10_000) as blocker:
        window.refresh()
    assert "<script>alert(1)</script> Down (HTTP 500)." in blocker.args[0]
    assert window.banner.isVisible()
    assert window.banner.textFormat() == Qt.TextFormat.PlainText
    assert "<script>" in window.banner.text()


def test_hostile_ticket_text_is_shown_as_text(qtbot, runner, client, sandbox):
    subject = "<b>bold?</b> 🙂 مرحبا " + "x" * 5000
    number = client.create_ticket("jane@example.com", subject, "body")
    window = open_window(qtbot, runner, client, [number])
    with qtbot.waitSignal(window.ticket_loaded, timeout=10_000):
        window.refresh()
    assert window.model.index(0, SUBJECT).data() == subject


def test_without_an_account_the_window_explains_how_to_start(qtbot, runner):
    window = MainWindow(runner, None, "Not configured", notice="No account is set up. Start with --demo.")
    qtbot.addWidget(window)
    window.show()
    assert window.banner.isVisible() and "--demo" in window.banner.text()
    assert not window.refresh_action.isEnabled()
