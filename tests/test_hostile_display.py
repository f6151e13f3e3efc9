"""Hostile server text in the places that show one line: the list, the ticket's title and requester, and a
system-information file written by Windows PowerShell (UTF-16)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gui.models.ticket_table import REQUESTER, SUBJECT, TicketTableModel
from gui.services.orders import load_text
from gui.store import TicketRow
from tests.test_workspace import SPEC_TICKET, WAIT, Desk

SPOOF = "invoice\u202eexe.fdp"  # reads as "invoicepdf.exe" when the override is obeyed


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def test_the_list_shows_direction_overrides_and_invisible_characters_and_never_lays_out_a_huge_subject(qapp):
    model = TicketTableModel()
    model.set_rows([TicketRow(1, SPOOF, "Eve\u200b Smith", "eve@x.co", "OPEN", "LOW", 0, "", False, "x"),
                    TicketRow(2, "w" * 100_000, "Bob", "bob@x.co", "OPEN", "LOW", 0, "", False, "y")])
    shown = {model.index(r, 1).data(): r for r in range(2)}
    row = shown["1"]
    assert model.index(row, SUBJECT).data() == "invoice[U+202E]exe.fdp"
    assert "[U+200B]" in model.index(row, REQUESTER).data()
    assert len(model.index(shown["2"], SUBJECT).data()) <= 300


def test_the_ticket_title_is_one_safe_line_cut_to_two_lines_with_all_of_it_on_hover(desk, sandbox):
    long_subject = SPOOF + " " + "very long subject " * 300
    sandbox.store.update_ticket(SPEC_TICKET, {"subject": long_subject, "firstName": "<b>Eve</b>\u202e"})
    desk.open(SPEC_TICKET)
    desk.qtbot.waitUntil(lambda: "invoice" in desk.window.detail.title.text(), timeout=WAIT)
    detail = desk.window.detail
    assert detail.title.text().startswith("invoice[U+202E]exe.fdp") and detail.title.text().endswith("…")
    assert len(detail.title.text()) < 200  # 160 characters of the subject (an override shows as 8)
    assert "very long subject" in detail.title.toolTip() and "&lt;" not in detail.title.text()
    assert detail.requester_label.text().startswith("<b>Eve</b>[U+202E]")  # shown as text, markup and all


def test_a_system_information_file_from_powershell_5_is_read_as_utf16(tmp_path):
    path = tmp_path / "systeminfo.txt"
    path.write_bytes(b"\xff\xfe" + "Host Name: DESK-42\r\nOS Name: Windows 10 Pro".encode("utf-16-le"))
    assert load_text(path) == "Host Name: DESK-42\r\nOS Name: Windows 10 Pro"


def test_banners_follow_a_dark_palette(qapp):
    from PySide6.QtGui import QColor, QPalette

    from gui.views.banner import DARK_STYLES, STYLES, Banner

    banner = Banner()
    banner.show_message("Something", kind="info")
    assert banner.styleSheet() == STYLES["info"]
    light = qapp.palette()
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    qapp.setPalette(dark)
    try:
        banner.show_message("Something", kind="error")
        assert banner.styleSheet() == DARK_STYLES["error"]
    finally:
        qapp.setPalette(light)
