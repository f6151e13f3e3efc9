"""One desk per data folder: a second launch brings the first one's window forward and exits 0; a lock left by a
killed desk is taken over. The launches are real ``main.py --demo`` processes on isolated folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gui import single_instance

ROOT = Path(__file__).resolve().parents[1]
HANDED_OVER = "TOGaDesk Agent is already running for this data folder; its window was brought forward."


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
