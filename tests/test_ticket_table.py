"""The ticket list model: Python-side filter and sort give the same rows as a plain scan, however typed."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt

from gui.models.ticket_table import NUMBER, SUBJECT, TicketTableModel
from gui.store import TicketRow

WORDS = ["printer", "office", "outlook", "password", "wifi", "battery", "boot", "screen", "keyboard"]


def rows(count: int = 500) -> list[TicketRow]:
    rng = random.Random(3)
    made = []
    for i in range(count):
        subject = " ".join(rng.choices(WORDS, k=3))
        status = rng.choice(["OPEN", "CLOSED", "REVIEW"])
        made.append(TicketRow(1000 + i, subject, f"N{i}", f"u{i}@x.co", status, rng.choice(["LOW", "HIGH"]),
                              rng.randint(0, 9), f"2026-01-{rng.randint(1, 28):02d}", False, f"{1000 + i} {subject}"))
    return made


def shown(model: TicketTableModel) -> list[int]:
    return [int(model.index(r, NUMBER).data()) for r in range(model.rowCount())]


def test_typing_forward_and_back_always_matches_a_full_scan(qapp):
    data = rows()
    model = TicketTableModel()
    model.set_rows(data)
    model.sort(SUBJECT, Qt.SortOrder.AscendingOrder)
    for text in ["b", "bo", "boo", "boot", "boot s", "boot", "b", "", "o", "ou", "x", ""]:
        model.set_filter(text, "OPEN" if text.startswith("o") else "")
        expected = sorted((r for r in data if text in r.search and (not text.startswith("o") or r.status == "OPEN")),
                          key=lambda r: r.subject.casefold())
        assert shown(model) == [r.number for r in expected], text


def test_an_update_while_filtered_is_placed_by_the_current_sort(qapp):
    data = rows(50)
    model = TicketTableModel()
    model.set_rows(data)
    model.sort(NUMBER, Qt.SortOrder.DescendingOrder)
    model.set_filter("boot")
    changed = data[0]._replace(subject="boot now", search="1000 boot now")
    model.upsert(changed)
    model.set_filter("boot n")
    current = [changed, *data[1:]]
    assert shown(model) == sorted((r.number for r in current if "boot n" in r.search), reverse=True)
    assert 1000 in shown(model)
