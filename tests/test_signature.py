"""The agent's signature: added to every reply sent, once, per agent and environment (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from gui.sandbox import Fault
from gui.services.tickets import signed
from gui.settings import load_signature, save_signature
from gui.views.signature_dialog import SignatureDialog
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

SIGNATURE = "— Jane Doe\nSupport, TOGa"


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def _set_signature(desk: Desk, text: str) -> None:
    desk.window.detail.signature_button.click()
    desk.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), SignatureDialog), timeout=WAIT)
    dialog = QApplication.activeModalWidget()
    dialog.text.setPlainText(text)
    dialog.save_button.click()


def test_the_signature_is_added_to_the_reply_sent_and_kept_in_the_settings(desk, sandbox):
    desk.open(SPEC_TICKET)
    _set_signature(desk, SIGNATURE)
    detail = desk.window.detail
    assert detail.signature == SIGNATURE and "signed" in detail.from_label.text()
    detail.composer.setPlainText("The technician comes at ten.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == f"The technician comes at ten.\n\n{SIGNATURE}"
    assert load_signature(desk.window._settings, "Sandbox", detail.agent.email_address) == SIGNATURE


def test_a_reply_that_already_ends_with_the_signature_gets_it_once():
    assert signed(f"Closing this.\n\n{SIGNATURE}\n", SIGNATURE) == f"Closing this.\n\n{SIGNATURE}\n"
    assert signed("Hi", "") == "Hi"
    assert signed("Hi  \n", "  — J  ") == "Hi\n\n— J"


def test_each_environment_and_agent_has_its_own_signature(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    save_signature(settings, "Sandbox", "jane@x.example", "— test")
    save_signature(settings, "Production", "jane@x.example", "— Jane, Support")
    assert load_signature(settings, "Sandbox", "JANE@x.example") == "— test"
    assert load_signature(settings, "Production", "jane@x.example") == "— Jane, Support"
    assert load_signature(settings, "Production", "bob@x.example") == ""


def test_an_empty_signature_adds_nothing(desk, sandbox):
    desk.open(SPEC_TICKET)
    _set_signature(desk, "   ")
    detail = desk.window.detail
    detail.composer.setPlainText("Plain reply.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == "Plain reply."


def test_a_reply_that_did_not_go_comes_back_unsigned_and_is_signed_once_when_sent_again(desk, sandbox):
    desk.open(SPEC_TICKET)
    _set_signature(desk, SIGNATURE)
    detail = desk.window.detail
    detail.composer.setPlainText("Reply text.")
    sandbox.faults.script(Fault(400, method="POST"))
    with desk.qtbot.waitSignal(detail.send_failed, timeout=WAIT):
        detail.send()
    desk.qtbot.waitUntil(lambda: detail.composer.toPlainText() == "Reply text.", timeout=WAIT)  # no signature in it
    detail.composer.setPlainText(detail.composer.toPlainText() + "\nPS: one more thing.")
    with desk.qtbot.waitSignal(detail.reply_sent, timeout=WAIT):
        detail.send()
    assert sandbox.store.ticket(SPEC_TICKET)["replies"][-1]["message"] == \
        f"Reply text.\nPS: one more thing.\n\n{SIGNATURE}"
