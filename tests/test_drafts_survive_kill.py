"""What the agent typed survives kill -9 at any moment: every change is stored at once (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gui.settings import SANDBOX_STORE_KEY
from gui.store import LocalStore

ROOT = Path(__file__).resolve().parents[1]
REPLY = "Dear John, the technician will call you tomorrow morning between nine and ten."


def typing_desk(tmp_path: Path, mode: str, text: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp_path / name.lower())
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "typing_desk.py"), mode, text], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def kill_after(process: subprocess.Popen, line: str) -> None:
    """kill -9 the moment the desk says it typed that key (it keeps typing: no pause before the kill)."""
    try:
        for out in process.stdout:
            if out.strip() == line:
                process.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail("the desk stopped before typing enough")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def store_of(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "xdg_data_home" / "TOGaDesk" / "TOGaDesk Agent" / "togadesk.sqlite3")


@pytest.mark.slow
def test_a_reply_typed_steadily_is_all_there_after_kill_minus_nine(tmp_path):
    process = typing_desk(tmp_path, "reply", REPLY)
    kill_after(process, "typed 0 40")
    store = store_of(tmp_path)
    try:
        draft = store.draft(SANDBOX_STORE_KEY, "reply", 12345678)
    finally:
        store.close()
    assert draft is not None
    assert draft["message"].startswith(REPLY[:40]) and REPLY.startswith(draft["message"])


@pytest.mark.slow
def test_a_new_ticket_form_typed_steadily_is_all_there_after_kill_minus_nine(tmp_path):
    email, subject, message = "jane.doe@customer.example", "Docking station flickers", "It flickers at noon."
    process = typing_desk(tmp_path, "new", f"{email}|{subject}|{message}")
    kill_after(process, "typed 2 5")  # the message's fifth key
    store = store_of(tmp_path)
    try:
        draft = store.draft(SANDBOX_STORE_KEY, "new", 0)
    finally:
        store.close()
    assert draft is not None
    assert (draft["email_address"], draft["subject"]) == (email, subject)
    assert draft["message"].startswith(message[:5]) and message.startswith(draft["message"])
