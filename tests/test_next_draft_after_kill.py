"""The reply typed while another is on its way survives kill -9 (a real process), and the one on its way is
settled as the outbox settles it: on the server once and never offered again, or back in front of the
typed text when it did not go (or never left). Copies are counted at the sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gui.sandbox import PASS, Fault
from tests.test_outbox_after_kill import SPEC_TICKET, WAIT, copies_on_server, posted, restarted, until  # noqa: F401

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SENT = "Dear John, please hold the power button for ten seconds, then try again."
TYPED = "If that does not help, I will send a courier for the laptop tomorrow morning."
KEYS_BEFORE_KILL = 12


def desk_typing_while_sending(folder: Path, server: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "typing_while_sending_desk.py"), str(folder),
                             server, SENT, TYPED], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)


class Lines:
    """What the desk prints, read as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.typed = 0

    def until(self, line: str) -> None:
        for out in self.process.stdout:
            if out.startswith("typed "):
                self.typed = int(out.split()[1])
            if out.strip() == line:
                return
        pytest.fail(f"the desk ended before saying {line!r}")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@pytest.fixture
def again(qtbot, restarted):  # noqa: F811 (the fixture imported above)
    """The killed desk started again on its folder; the reply box of the spec ticket once it is open."""
    def start(folder: Path, banner_says: str | None = None):
        desk = restarted(folder)
        if banner_says:
            qtbot.waitUntil(lambda: banner_says in desk.window.list_banner.text(), timeout=WAIT)
        with qtbot.waitSignal(desk.controller.opened, timeout=WAIT):
            desk.controller.open(SPEC_TICKET)
        return desk
    return start


def typed_prefix(text: str) -> str:
    assert TYPED.startswith(text) and len(text) >= KEYS_BEFORE_KILL, text
    return text


def test_what_was_typed_while_a_reply_reached_the_server_is_kept_and_the_reply_is_never_offered_again(
        sandbox, tmp_path, again):
    folder = tmp_path / "desk"
    process = desk_typing_while_sending(folder, sandbox.url)
    lines = Lines(process)
    try:
        lines.until("opened")
        sandbox.faults.script(Fault(PASS, answer_delay_ms=20_000, method="POST"))  # committed, answer late
        lines.until("sending")
        until(lambda: copies_on_server(sandbox, SENT) == 1, "the server to commit the reply")
        lines.until(f"typed {KEYS_BEFORE_KILL}")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
    desk = again(folder, "reached the server")
    typed_prefix(desk.window.detail.composer.toPlainText())
    assert copies_on_server(sandbox, SENT) == 1
    assert [(e.kind, e.state) for e in desk.controller.journal()] == [("reply", "done")]


def test_a_reply_that_did_not_reach_the_server_comes_back_in_front_of_what_was_typed_after_it(
        sandbox, tmp_path, again):
    folder = tmp_path / "desk"
    process = desk_typing_while_sending(folder, sandbox.url)
    lines = Lines(process)
    try:
        lines.until("opened")
        sandbox.faults.script(Fault(None, method="POST"))  # the connection drops: nothing carried out
        sandbox.faults.latency_ms = 1500  # and the desk is killed while it waits
        lines.until("sending")
        until(lambda: posted(sandbox), "the reply's POST to reach the sandbox")
        lines.until(f"typed {KEYS_BEFORE_KILL}")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
    sandbox.faults.latency_ms = 0
    desk = again(folder, "did not reach the server")
    box = desk.window.detail.composer.toPlainText()
    assert box.startswith(SENT + "\n\n")
    typed_prefix(box[len(SENT) + 2:])
    assert copies_on_server(sandbox, SENT) == 0


def test_a_reply_killed_before_it_left_comes_back_in_front_of_what_was_typed_after_it(sandbox, tmp_path, again):
    folder = tmp_path / "desk"
    process = desk_typing_while_sending(folder, sandbox.url)
    lines = Lines(process)
    try:
        lines.until("opened")
        sandbox.faults.latency_ms = 3000  # the check for new replies is still waiting when the desk is killed
        lines.until("sending")
        lines.until(f"typed {KEYS_BEFORE_KILL}")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert not posted(sandbox)
    sandbox.faults.latency_ms = 0
    desk = again(folder)
    box = desk.window.detail.composer.toPlainText()
    assert box.startswith(SENT + "\n\n")
    typed_prefix(box[len(SENT) + 2:])
    assert desk.controller.journal() == []  # it never left: nothing to settle, nothing sent
    assert copies_on_server(sandbox, SENT) == 0
