"""One desk per data folder: a second launch brings the first one's window forward and exits 0; a lock left by a
killed desk is taken over. The launches are real ``main.py --demo`` processes on isolated folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gui import single_instance

ROOT = Path(__file__).resolve().parents[1]
HANDED_OVER = "TOGaDesk Agent is already running for this data folder; its window was brought forward."
BROUGHT_FORWARD = "the window was brought forward"


# ------------------------------------------------------------------------------ the module, one holder here

def hand_over_from_another_process(folder: Path) -> subprocess.Popen:
    """A second launch's hand-over, in a process of its own (its blocking socket calls must not hold our GIL)."""
    code = ("import sys; from pathlib import Path; from gui import single_instance as s; "
            "sys.exit(s.hand_over(Path(sys.argv[1])))")
    return subprocess.Popen([sys.executable, "-c", code, str(folder)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_second_claim_on_a_held_folder_gets_none_and_its_ask_reaches_the_holder(qtbot, tmp_path):
    first = single_instance.claim(tmp_path / "data")
    assert first is not None and first.held
    try:
        assert single_instance.claim(tmp_path / "data") is None  # held by a running process (this one)
        raised: list[bool] = []
        first.serve(lambda: raised.append(True))
        asker = hand_over_from_another_process(tmp_path / "data")
        qtbot.waitUntil(lambda: asker.poll() is not None, timeout=10_000)  # this event loop answers meanwhile
        assert raised == [True]
        assert (asker.returncode, asker.stdout.read()) == (0, HANDED_OVER + "\n")
    finally:
        first.release()
    again = single_instance.claim(tmp_path / "data")  # released: free to take
    assert again is not None
    again.release()


def test_an_ask_made_before_the_window_exists_is_answered_once_it_does(qtbot, tmp_path):
    first = single_instance.claim(tmp_path)
    try:
        asker = hand_over_from_another_process(tmp_path)
        qtbot.waitUntil(lambda: first._pending == 1, timeout=10_000)  # taken in, no window yet to bring forward
        raised: list[bool] = []
        first.serve(lambda: raised.append(True))
        qtbot.waitUntil(lambda: asker.poll() is not None, timeout=10_000)
        assert raised == [True] and asker.returncode == 0
    finally:
        first.release()


def test_folders_get_different_short_socket_names_and_one_folder_always_the_same(tmp_path):
    a, b = single_instance.server_name(tmp_path / "a"), single_instance.server_name(tmp_path / "b")
    assert a != b and a == single_instance.server_name(tmp_path / "a" / ".." / "a") and len(a) <= 32


def test_nobody_answering_for_a_held_lock_is_told_on_stderr_with_exit_1(tmp_path, capsys):
    holder = single_instance.claim(tmp_path)
    try:
        holder._server.close()  # holds the lock but does not answer (a desk stuck before its event loop)
        assert single_instance.hand_over(tmp_path) == 1
    finally:
        holder.release()
    out, err = capsys.readouterr()
    assert out == "" and f"(process {os.getpid()}) but did not answer" in err


# ------------------------------------------------------------------------------ real launches

def isolated_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    return env


def launch(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--demo"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for_log(log: Path, text: str, count: int, process: subprocess.Popen, what: str) -> None:
    """Until ``text`` is in the log ``count`` times; another process writes it, so this polls (bounded)."""
    deadline = time.monotonic() + 30
    while (log.read_text() if log.exists() else "").count(text) < count:
        assert process.poll() is None, f"{what} ended: {process.communicate()}"
        assert time.monotonic() < deadline, f"{what}: {text!r} never logged"
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_two_launches_on_one_data_folder_make_one_desk_and_a_killed_desks_lock_is_taken_over(tmp_path):
    env = isolated_env(tmp_path)
    folder = tmp_path / "xdg_data_home" / "TOGaDesk" / "TOGaDesk Agent"
    log = folder / "logs" / "togadesk.log"
    first = launch(env)
    third = None
    try:
        wait_for_log(log, "Connected to Sandbox", 1, first, "the first desk")

        started = time.monotonic()
        second = subprocess.run([sys.executable, str(ROOT / "main.py"), "--demo"], env=env, capture_output=True,
                                text=True, timeout=20)
        took = time.monotonic() - started
        assert second.returncode == 0, second
        assert second.stdout.splitlines() == [HANDED_OVER]
        assert took < 2.0, f"the second launch took {took:.2f} s"
        wait_for_log(log, BROUGHT_FORWARD, 1, first, "the first desk")
        assert first.poll() is None  # the first keeps running
        assert log.read_text().count(" starting") == 1  # the second never opened the log (nor the store)

        first.kill()  # kill -9: its lock file and socket stay behind
        first.wait()
        assert (folder / single_instance.LOCK_FILE).exists()
        third = launch(env)
        wait_for_log(log, "Connected to Sandbox", 2, third, "the third desk")  # took the stale lock over
        third.send_signal(signal.SIGTERM)
        third.communicate(timeout=10)
        assert third.returncode == 0
        assert not (folder / single_instance.LOCK_FILE).exists()  # released at a normal end
    finally:
        stop(first)
        if third is not None:
            stop(third)
