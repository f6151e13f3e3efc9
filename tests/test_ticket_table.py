"""The ticket list model: Python-side filter and sort give the same rows as a plain scan, however typed."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt

from gui import ticket_index
from gui.models import ticket_table
from gui.models.ticket_table import (
    _SORT_KEYS,
    ACTIVITY,
    HEADERS,
    NUMBER,
    REPLIES,
    REQUESTER,
    SUBJECT,
    TicketTableModel,
)
from gui.store import TicketRow
from gui.ticket_index import NOT_CLOSED
from tests.test_ticket_index import status_wanted

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


def reference(data: dict[int, TicketRow], column: int, order: Qt.SortOrder, text: str,
              status: str | frozenset[str], priority: str) -> list[int]:
    """The list as a plain sort and scan of every row gives it: the specification the fast paths must meet."""
    ordered = sorted(data.values(), key=_SORT_KEYS[column], reverse=order == Qt.SortOrder.DescendingOrder)
    return [r.number for r in ordered if text in r.search and status_wanted(r.status, status)
            and (not priority or r.priority == priority)]


def test_any_mix_of_sorting_filtering_and_changes_shows_what_a_plain_sort_and_scan_shows(qapp, monkeypatch):
    monkeypatch.setattr(ticket_index, "LAYOUT_SLICE", 7)  # idle-time copying caught at every stage
    rng = random.Random(11)
    data = {r.number: r for r in rows(300)}
    for i, number in enumerate(list(data)[:60]):  # ties, unread rows, unknown statuses, NULs and newlines
        data[number] = data[number]._replace(unread=i % 3 == 0, status="ESCALATED" if i % 7 == 0 else "OPEN",
                                             requester="N\0" if i % 11 == 0 else "Same", email="a@x.co",
                                             search=f"{number} multi\nline boot")
    model = TicketTableModel()
    model.set_rows(list(data.values()))
    column, order, text, status, priority = NUMBER, Qt.SortOrder.AscendingOrder, "", "", ""
    model.sort(column, order)
    for step in range(400):
        action = rng.random()
        if action < 0.2:
            column, order = rng.randrange(len(HEADERS)), rng.choice(list(Qt.SortOrder))
            model.sort(column, order)
        elif action < 0.55:
            text = rng.choice(["", text + rng.choice("bo ts"), text[:-1], "boot", "line", "10"])
            status, priority = rng.choice([(status, priority)] * 3 + [("OPEN", ""), ("", "HIGH"), ("", ""), (
                NOT_CLOSED, ""), (frozenset({"OPEN", "REVIEW"}), "")])
            model.set_filter(text, status, priority)
        elif action < 0.9:
            row = data[rng.choice(list(data))]
            changed = rng.choice([row._replace(replies=row.replies + 1), row._replace(unread=not row.unread),
                                  row._replace(status=rng.choice(["OPEN", "CLOSED", "NEW_STATUS"])),
                                  row._replace(subject="Boot " + row.subject, search=row.search + " boot")])
            data[row.number] = changed
            model.upsert(changed)
        elif action < 0.93:
            qapp.processEvents()  # the event loop turns: search texts are being laid out
        elif action < 0.96:
            number = rng.choice(list(data))
            del data[number]
            model.remove(number)
        else:
            new = rows(1)[0]._replace(number=5000 + step, search=f"{5000 + step} boot new")
            data[new.number] = new
            model.upsert(new)
        assert shown(model) == reference(data, column, order, text.strip().casefold(), status, priority), step
        assert model.unread_count() == sum(r.unread for r in data.values()) and model.total() == len(data)
        listed = shown(model)
        if listed:
            assert (model.row_of(listed[0]), model.row_of(listed[-1])) == (0, len(listed) - 1)


def test_a_row_changed_while_search_texts_are_laid_out_is_found_by_its_new_text(qapp, monkeypatch):
    monkeypatch.setattr(ticket_index, "LAYOUT_SLICE", 7)
    data = rows(50)
    model = TicketTableModel()
    model.set_rows(data)
    model.sort(NUMBER, Qt.SortOrder.AscendingOrder)
    qapp.processEvents()  # some texts copied, not all
    changed = data[0]._replace(replies=data[0].replies + 1, search=data[0].search + " zebra")
    model.upsert(changed)  # same place in the list: patched in place
    for _ in range(10):
        qapp.processEvents()
    model.set_filter("zebra")
    assert shown(model) == [changed.number]


def test_rows_sorted_in_advance_on_a_worker_show_exactly_as_the_model_sorts_them(qapp):
    data = rows()
    for column in range(len(HEADERS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            plain, prepared = TicketTableModel(), TicketTableModel()
            plain.sort(column, order)
            prepared.sort(column, order)
            plain.set_rows(list(data))
            copy = list(data)
            prepared.set_rows(copy, ticket_table.sorted_in_advance(copy, prepared.sort_key()))
            assert shown(prepared) == shown(plain)


def test_rows_sorted_in_advance_for_another_order_are_sorted_again(qapp):
    data = rows()
    model = TicketTableModel()
    ready = ticket_table.sorted_in_advance(data, model.sort_key())
    model.sort(SUBJECT, Qt.SortOrder.AscendingOrder)  # the agent clicked a header while the list was read
    model.set_rows(data, ready)
    assert shown(model) == [row.number for row in sorted(data, key=_SORT_KEYS[SUBJECT])]


def test_the_model_shows_its_ticket_index_and_keeps_qts_index(qapp):
    model = TicketTableModel()
    model.set_rows(rows(20))
    assert isinstance(model.ticket_index, ticket_index.TicketIndex)
    assert model.ticket_index.total() == model.total() == 20
    assert model.index(0, NUMBER).data() == str(model.number_at(0))


def test_a_change_in_place_is_one_data_changed_and_a_move_one_reset(qapp):
    data = rows(30)
    model = TicketTableModel()
    model.set_rows(data)
    model.sort(NUMBER, Qt.SortOrder.AscendingOrder)
    changed, resets = [], []
    model.dataChanged.connect(lambda top, bottom: changed.append((top.row(), bottom.row(), bottom.column())))
    model.modelReset.connect(lambda: resets.append(1))
    model.upsert(data[4]._replace(subject="new words", search="1004 new words"))  # same number: same place
    assert changed == [(4, 4, len(HEADERS) - 1)] and not resets
    assert model.index(4, SUBJECT).data() == "new words"
    model.sort(SUBJECT, Qt.SortOrder.AscendingOrder)
    model.upsert(data[5]._replace(subject="aaa first", search="1005 aaa first"))
    assert resets == [1, 1] and model.number_at(0) == 1005


def test_during_a_reset_the_view_still_reads_the_rows_it_painted(qapp):
    data = rows(30)
    model = TicketTableModel()
    model.set_rows(data)
    model.sort(NUMBER, Qt.SortOrder.AscendingOrder)
    seen = []
    model.modelAboutToBeReset.connect(lambda: seen.append(shown(model)))
    model.sort(REPLIES, Qt.SortOrder.DescendingOrder)
    before = shown(model)
    model.upsert(data[0]._replace(replies=99))  # moves to the top
    assert seen[-1] == before and shown(model)[0] == 1000
    model.set_filter("boot")
    assert seen[-1] == [1000, *[n for n in before if n != 1000]]


def test_a_model_with_idle_work_owns_no_running_timer_and_may_go_away_before_it_is_done(qapp):
    """A model freed by a garbage collection on a worker thread must not have a timer of its own running:
    Qt cannot stop a timer from another thread and crashes when it next fires."""
    from PySide6.QtCore import QTimer

    model = TicketTableModel()
    model.set_rows(rows(50))
    assert model.ticket_index.has_work()
    assert not [timer for timer in model.findChildren(QTimer) if timer.isActive()]
    other = TicketTableModel()
    other.set_rows(rows(50))
    del model
    for _ in range(100):
        qapp.processEvents()
    assert not other.ticket_index.has_work()  # the other model's idle work went on to the end


def test_a_ticket_without_a_reply_shows_when_the_desk_first_saw_it_in_italics_and_sorts_by_it(qapp):
    model = TicketTableModel()
    model.set_rows([rows(1)[0]._replace(number=1, last_activity="2026-01-05T10:00:00+00:00"),
                    rows(1)[0]._replace(number=2, last_activity="2026-01-09T10:00:00+00:00", first_seen=True),
                    rows(1)[0]._replace(number=3, last_activity="2026-01-07T10:00:00+00:00")])
    model.sort(ACTIVITY, Qt.SortOrder.DescendingOrder)
    assert shown(model) == [2, 3, 1]  # newest first: the new ticket on top, not at the bottom
    new, replied = model.index(0, ACTIVITY), model.index(1, ACTIVITY)
    assert new.data() and new.data() == ticket_table.local_time("2026-01-09T10:00:00+00:00")
    assert new.data(Qt.ItemDataRole.FontRole).italic() and replied.data(Qt.ItemDataRole.FontRole) is None
    assert "first seen by this desk" in new.data(Qt.ItemDataRole.ToolTipRole)
    assert "first seen" not in replied.data(Qt.ItemDataRole.ToolTipRole)
    assert "first seen by this desk" in new.data(Qt.ItemDataRole.AccessibleTextRole)


def test_subject_and_requester_tooltips_hold_the_whole_text_the_cell_cuts(qapp):
    subject = "Docking station " + "flickers " * 60 + "END"
    model = TicketTableModel()
    model.set_rows([rows(1)[0]._replace(subject=subject, requester="Maria <b>Garcia</b>",
                                        email="maria.garcia@example.com")])
    assert len(model.index(0, SUBJECT).data()) == 300
    assert model.index(0, SUBJECT).data(Qt.ItemDataRole.ToolTipRole) == f"<p>{subject}</p>"
    assert model.index(0, REQUESTER).data(Qt.ItemDataRole.ToolTipRole) == \
        "<p>Maria &lt;b&gt;Garcia&lt;/b&gt; &lt;maria.garcia@example.com&gt;</p>"
