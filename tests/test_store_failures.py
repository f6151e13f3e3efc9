"""A disk that fills up under the desk: what the agent types stays on screen, a warning
says it could not be saved (never "saved"), and it is saved again once the disk allows it.

A real file system: a small tmpfs mounted for the test (skipped where this machine does not allow mounting)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from gui.services.tickets import REPLY_DRAFT
from gui.store import LocalStore
from tests.test_workspace import SPEC_TICKET, Desk


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    mount, umount = shutil.which("mount"), shutil.which("umount")
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    if mount is None or umount is None:
        pytest.skip("no mount command here")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this machine does not let the tests mount a small file system: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run([umount, "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """Takes every free byte of the file system."""
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


def desk_on(qtbot, sandbox, tmp_path, folder: Path) -> Desk:
    desk = Desk(qtbot, sandbox, tmp_path, store=LocalStore(folder / "togadesk.sqlite3"))
    desk.open(SPEC_TICKET)
    return desk


def test_a_full_disk_keeps_the_text_on_screen_says_it_is_not_saved_and_saves_it_once_there_is_room(
        qtbot, sandbox, tmp_path, small_disk):
    desk = desk_on(qtbot, sandbox, tmp_path, small_disk)
    try:
        detail = desk.window.detail
        filler = fill(small_disk)
        text = "Dear John, " + "the technician will call you tomorrow. " * 200  # more than a page
        detail.composer.setPlainText(text)
        assert "could not be saved on this computer" in detail.banner.text()
        assert "kept in this window only" in detail.banner.text()
        assert detail.composer.toPlainText() == text
        filler.unlink()
        detail.composer.moveCursor(QTextCursor.MoveOperation.End)
        detail.composer.insertPlainText(" Regards.")
        assert not detail.banner.isVisible() or "could not be saved" not in detail.banner.text()
        assert desk.repository.draft(REPLY_DRAFT, SPEC_TICKET)["message"] == text + " Regards."
    finally:
        desk.close()
