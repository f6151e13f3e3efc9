"""The outbox: a reply or a new ticket in flight when the desk is killed (kill -9, a real process) is settled
when the desk starts again: exactly one copy on the server, counted at the sandbox, and the agent is told
which. Before the server commits (``latency_ms``) and after it (``answer_delay_ms``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from gui.app import Desk as AppDesk
from gui.connection import SandboxFaults
from gui.sandbox import PASS, Fault
from gui.settings import Secrets

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SPEC_TICKET = 12345678
WAIT = 10_000
REPLY = "Dear John, please hold the power button for ten seconds, then try again."


def sending_desk(folder: Path, server: str, mode: str, text: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "sending_desk.py"), str(folder), server, mode,
                             text], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def until_line(process: subprocess.Popen, line: str) -> None:
    for out in process.stdout:
        if out.strip() == line:
            return
    pytest.fail(f"the desk ended before saying {line!r}")


def until(condition, what: str, timeout: float = 10.0) -> None:
    """Another process's work: looked at every 20 ms."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def posted(sandbox) -> bool:
    return any(r.method == "POST" for r in list(sandbox.recent))


def copies_on_server(sandbox, text: str) -> int:
    return sum(1 for r in sandbox.store.ticket(SPEC_TICKET)["replies"] if r.get("message") == text)


@pytest.fixture
def restarted(qtbot, sandbox, tmp_path) -> Iterator:
    """Starts the desk again on the killed one's folder, in this process, and stops it at the end."""
    made: list[AppDesk] = []

    def start(folder: Path) -> AppDesk:
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        desk = AppDesk(folder, settings, Secrets(), demo=True, faults=SandboxFaults(server_url=sandbox.url))
        qtbot.addWidget(desk.window)
        made.append(desk)
        with qtbot.waitSignal(desk.ready, timeout=WAIT):
            desk.start()
        return desk

    yield start
    for desk in made:
        desk.window.close()
        assert desk.shutdown()


@pytest.mark.parametrize("when", ["before the server commits", "after the server commits"])
def test_a_reply_in_flight_at_kill_minus_nine_is_found_at_restart_and_never_sent_twice(
        qtbot, sandbox, tmp_path, restarted, when):
    folder = tmp_path / "desk"
    process = sending_desk(folder, sandbox.url, "reply", REPLY)
    try:
        until_line(process, "opened")
        if when == "before the server commits":
            sandbox.faults.latency_ms = 1500  # the POST waits before it is carried out
        else:
            sandbox.faults.script(Fault(PASS, answer_delay_ms=20_000, method="POST"))  # committed, answer late
        until_line(process, "sending")
        if when == "after the server commits":
            until(lambda: copies_on_server(sandbox, REPLY) == 1, "the server to commit the reply")
        else:
            until(lambda: posted(sandbox), "the reply's POST to reach the sandbox")  # now in its latency
            assert copies_on_server(sandbox, REPLY) == 0
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    sandbox.faults.latency_ms = 0

    desk = restarted(folder)
    banner = desk.window.list_banner
    qtbot.waitUntil(lambda: "reached the server" in banner.text(), timeout=WAIT)
    assert f"Your reply to #{SPEC_TICKET}" in banner.text()
    assert copies_on_server(sandbox, REPLY) == 1
    with qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.controller.open(SPEC_TICKET)
    assert desk.window.detail.composer.toPlainText() == ""  # sent: never offered again
    journal = desk.controller.journal()
    assert [(e.kind, e.state) for e in journal] == [("reply", "done")]


def test_a_reply_that_never_left_is_back_in_the_composer_after_kill_minus_nine(qtbot, sandbox, tmp_path, restarted):
    folder = tmp_path / "desk"
    process = sending_desk(folder, sandbox.url, "reply", REPLY)
    try:
        until_line(process, "opened")
        sandbox.faults.script(Fault(None, method="POST"))  # the connection drops: nothing carried out
        sandbox.faults.latency_ms = 3000  # and the desk is killed while it waits
        until_line(process, "sending")
        until(lambda: posted(sandbox), "the reply's POST to reach the sandbox")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    sandbox.faults.latency_ms = 0  # the POST already waiting is dropped when its 3 s are over

    desk = restarted(folder)
    banner = desk.window.list_banner
    qtbot.waitUntil(lambda: "did not reach the server" in banner.text(), timeout=WAIT)
    assert copies_on_server(sandbox, REPLY) == 0
    with qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
        desk.controller.open(SPEC_TICKET)
    detail = desk.window.detail
    assert detail.composer.toPlainText() == REPLY
    with qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert copies_on_server(sandbox, REPLY) == 1


def test_a_ticket_being_created_at_kill_minus_nine_may_exist_and_create_is_never_offered_silently(
        qtbot, sandbox, tmp_path, restarted):
    folder = tmp_path / "desk"
    subject = "Docking station flickers after the update"
    process = sending_desk(folder, sandbox.url, "new", f"jane@example.com|{subject}|Since Monday.")
    before = len(sandbox.store.ticket_numbers())
    try:
        until_line(process, "opened")
        sandbox.faults.script(Fault(PASS, answer_delay_ms=20_000, method="POST"))
        until_line(process, "sending")
        until(lambda: len(sandbox.store.ticket_numbers()) == before + 1, "the server to create the ticket")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()

    desk = restarted(folder)
    qtbot.waitUntil(lambda: "may exist on the server" in desk.window.list_banner.text(), timeout=WAIT)
    desk.window.new_ticket()
    dialog = desk.window.new_ticket_dialog
    assert dialog.edits["subject"].text() == subject  # the form is kept
    assert dialog.create_button.text().replace("&", "") == "Create anyway" and not dialog.create_button.isDefault()
    assert "may exist on the server" in dialog.banner.text()
    dialog.discard_button.click()  # the agent found it: the form goes, and so does the warning
    assert desk.controller.may_exist() == []
    assert len(sandbox.store.ticket_numbers()) == before + 1
