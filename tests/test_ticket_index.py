"""The ticket index on its own (no Qt): what it shows for any sort and filter, how changes are reported,
and that its fast paths (cached orders and results, idle steps, rows sorted on a worker) change nothing."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from gui import ticket_index
from gui.store import TicketRow
from gui.ticket_index import (
    _SORT_KEYS,
    ACTIVITY,
    COLUMNS,
    EVERY_STATUS_BUT,
    NOT_CLOSED,
    NOTHING,
    NUMBER,
    PRIORITY,
    REPLIES,
    REQUESTER,
    RESET,
    STATUS,
    SUBJECT,
    TicketIndex,
    sorted_in_advance,
)

WORDS = ["printer", "office", "outlook", "password", "wifi", "battery", "boot", "screen"]


def make(number: int, subject: str = "printer", requester: str = "Ann", email: str = "ann@x.co",
         status: str = "OPEN", priority: str = "LOW", replies: int = 0, activity: str = "2026-01-01",
         unread: bool = False) -> TicketRow:
    return TicketRow(number, subject, requester, email, status, priority, replies, activity, unread,
                     f"{number} {subject} {requester} {email}".casefold())


def some_rows(count: int, seed: int = 5) -> list[TicketRow]:
    rng = random.Random(seed)
    return [make(100 + i * 3, " ".join(rng.choices(WORDS, k=3)), rng.choice(["Ann", "Bob", "Cy"]),
                 rng.choice(["a@x.co", "b@x.co"]), rng.choice(["OPEN", "CLOSED", "REVIEW", "ODD"]),
                 rng.choice(["LOW", "HIGH", "NORMAL"]), rng.randint(0, 4), f"2026-01-{rng.randint(1, 9):02d}",
                 rng.random() < 0.3)
            for i in range(count)]


def shown(index: TicketIndex) -> list[int]:
    return [index.number_at(i) for i in range(index.shown_count())]


def status_wanted(status: str, wanted: str | frozenset[str]) -> bool:
    """The specification of a status filter: any (''), one status, several, or every status but some."""
    if isinstance(wanted, str):
        return not wanted or status == wanted
    if EVERY_STATUS_BUT in wanted:
        return status not in wanted - {EVERY_STATUS_BUT}
    return not wanted or status in wanted


def expected(rows: dict[int, TicketRow], column: int, descending: bool, text: str = "",
             status: str | frozenset[str] = "", priority: str = "") -> list[int]:
    """The specification: a plain sort of every row (ties in arrival order) and a plain scan."""
    ordered = sorted(rows.values(), key=_SORT_KEYS[column], reverse=descending)
    text = text.strip().casefold()
    return [r.number for r in ordered if text in r.search and status_wanted(r.status, status)
            and (not priority or r.priority == priority)]


def idle(index: TicketIndex) -> int:
    steps = 0
    while index.step():
        steps += 1
    return steps


def test_importing_the_index_loads_no_qt():
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", "import sys, gui.ticket_index; "
                          "print(any(m.startswith('PySide6') for m in sys.modules))"],
                         cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_filter_shows_the_rows_whose_text_status_and_priority_match_in_the_sort_order():
    rows = some_rows(200)
    index = TicketIndex()
    index.set_rows(rows)
    data = {r.number: r for r in rows}
    for text, status, priority in [("boot", "", ""), ("  BOOT ", "OPEN", ""), ("", "", "HIGH"), ("", "ODD", "LOW"),
                                   ("b@x", "CLOSED", "NORMAL"), ("", NOT_CLOSED, ""), ("boot", NOT_CLOSED, "LOW"),
                                   ("", frozenset({"OPEN", "ODD"}), ""), ("o", frozenset({"REVIEW"}), "HIGH"),
                                   ("no such text", "", "")]:
        assert index.set_filter(text, status, priority) == RESET
        assert shown(index) == expected(data, ACTIVITY, True, text, status, priority), (text, status, priority)
    assert index.filter() == ("no such text", frozenset(), "", "", False, "")
    assert index.total() == 200


def test_not_closed_shows_every_status_but_closed_even_one_the_app_does_not_know():
    rows = [make(1, status="OPEN"), make(2, status="CLOSED"), make(3, status="ESCALATED"), make(4, status="")]
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(NUMBER, False)
    index.set_filter(status=NOT_CLOSED)
    assert shown(index) == [1, 3, 4]
    index.set_filter(status=["OPEN", "CLOSED"])
    assert shown(index) == [1, 2]
    index.upsert(rows[0]._replace(status="CLOSED"))
    index.upsert(rows[2]._replace(status="OPEN"))
    assert shown(index) == [1, 2, 3]
    index.set_filter(status=NOT_CLOSED)
    assert shown(index) == [3, 4]
    index.set_filter(status=frozenset({EVERY_STATUS_BUT}))  # every status but none: any
    assert shown(index) == [1, 2, 3, 4] and index.filter()[1] == frozenset()


def test_mine_shows_the_rows_that_name_the_agent_whole_with_any_filter_and_follows_changes():
    rows = [make(n)._replace(people=people) for n, people in (
        (1, " me@x.co "), (2, " me@x.co.uk "), (3, " ame@x.co "), (4, " c@x.co  me@x.co "), (5, ""))]
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(NUMBER, False)
    index.set_filter(person=" me@x.co ")
    assert shown(index) == [1, 4]
    index.set_filter("printer", person=" me@x.co ")
    assert shown(index) == [1, 4]
    index.set_filter("printer", status="CLOSED", person=" me@x.co ")
    assert shown(index) == []
    index.set_filter(person=" me@x.co ")
    index.upsert(rows[4]._replace(people=" me@x.co "))  # the agent answered #5
    assert shown(index) == [1, 4, 5]
    index.set_filter("printer")
    assert shown(index) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("column", range(COLUMNS))
@pytest.mark.parametrize("descending", [False, True])
def test_each_column_sorts_as_its_specification_says_with_ties_in_arrival_order(column, descending):
    rows = some_rows(150)
    rows += [make(7, requester="ab", email="z"), make(8, requester="ab\0", email="a"),  # a NUL in a name
             make(9, requester="AB", email="z"), make(5, status="", priority=""), make(6, status="ZZZ")]
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(column, descending)
    assert shown(index) == expected({r.number: r for r in rows}, column, descending)
    assert index.sort_key() == (column, descending)


def test_an_unknown_column_sorts_by_number():
    rows = some_rows(20)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(-1, True)
    assert index.sort_key() == (NUMBER, True)
    assert shown(index) == sorted((r.number for r in rows), reverse=True)


def test_a_change_that_keeps_its_place_is_reported_as_that_row():
    rows = [make(1, replies=1), make(2, replies=2), make(3, replies=3)]
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(REPLIES, False)
    _base, positions = index.view()
    update = index.upsert(rows[1]._replace(subject="boot", search="2 boot"))  # sort key (replies) unchanged
    assert update.row == 1 and not update.reset
    assert index.view()[1] is positions and index.row_at(1).subject == "boot"
    assert index.upsert(rows[0]) == NOTHING  # the very same row again


def test_a_change_that_moves_its_row_asks_for_a_reset_and_leaves_the_shown_list_as_it_was():
    rows = [make(1, replies=1), make(2, replies=2), make(3, replies=3)]
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(REPLIES, False)
    _base, before = index.view()
    assert index.upsert(rows[0]._replace(replies=9)) == RESET
    assert shown(index) == [2, 3, 1]
    assert [index.base[p].number for p in before] == [1, 2, 3]  # what a view still shows until it resets


def test_a_change_that_hides_or_shows_a_row_asks_for_a_reset():
    rows = [make(1, subject="boot"), make(2, subject="wifi")]
    index = TicketIndex()
    index.set_rows(rows)
    index.set_filter("boot")
    assert index.upsert(rows[1]._replace(subject="boot", search="2 boot")) == RESET
    assert sorted(shown(index)) == [1, 2]
    assert index.upsert(rows[0]._replace(subject="x", search="1 x")) == RESET
    assert shown(index) == [2]
    assert index.upsert(rows[0]._replace(subject="y", search="1 y", unread=True)) == RESET  # hidden: counts change


def test_a_new_row_is_placed_where_the_sort_and_filter_put_it():
    rows = some_rows(60)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(SUBJECT, False)
    index.set_filter("boot")
    new = make(1, subject="boot boot", unread=True)
    assert index.upsert(new) == RESET
    data = {r.number: r for r in [*rows, new]}
    assert shown(index) == expected(data, SUBJECT, False, "boot")
    assert index.rows()[-1] == new and index.total() == 61
    index.set_filter("")
    assert shown(index) == expected(data, SUBJECT, False)


def test_a_removed_row_leaves_every_order_and_result_and_may_come_back_last():
    rows = some_rows(40)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(STATUS, False)
    index.sort(REQUESTER, True)  # two orders kept
    index.set_filter("boot")
    gone = rows[3]
    assert index.remove(gone.number) == RESET
    assert index.remove(gone.number) == NOTHING
    data = {r.number: r for r in rows if r is not gone}
    assert shown(index) == expected(data, REQUESTER, True, "boot")
    index.sort(STATUS, False)
    assert shown(index) == expected(data, STATUS, False, "boot")
    assert index.row_of(gone.number) is None
    index.upsert(gone)
    data[gone.number] = gone
    assert shown(index) == expected(data, STATUS, False, "boot")
    assert index.rows()[-1] == gone


def test_many_removals_are_compacted_and_change_nothing_shown(monkeypatch):
    monkeypatch.setattr(ticket_index, "COMPACT_AFTER", 3)
    rows = some_rows(40)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(ACTIVITY, False)
    for row in rows[:15]:
        index.remove(row.number)
    assert len(index.base) < 40  # made afresh without the removed rows' places
    assert shown(index) == expected({r.number: r for r in rows[15:]}, ACTIVITY, False)


def test_the_unread_count_follows_every_change():
    rows = [make(1, unread=True), make(2), make(3, unread=True)]
    index = TicketIndex()
    index.set_rows(rows)
    assert index.unread_count() == 2
    index.upsert(rows[1]._replace(unread=True))
    index.upsert(make(4, unread=True))
    index.upsert(rows[0]._replace(unread=False))
    assert index.unread_count() == 3
    index.remove(3)
    index.remove(99)
    assert index.unread_count() == 2
    index.set_rows([make(5)])
    assert index.unread_count() == 0


def test_cached_results_and_kept_orders_see_an_upsert():
    rows = some_rows(80)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(NUMBER, False)
    index.sort(SUBJECT, False)  # NUMBER's order is kept for flipping back
    for text in ("b", "bo", "boo", "boot", "boot x"):  # each result cached
        index.set_filter(text)
    changed = rows[0]._replace(subject="zzz boot", search=f"{rows[0].number} zzz boot", replies=99)
    index.upsert(changed)
    data = {r.number: r for r in rows}
    data[changed.number] = changed
    for text in ("boot", "bo", ""):  # backspacing reads the cached results
        index.set_filter(text)
        assert shown(index) == expected(data, SUBJECT, False, text), text
    index.sort(NUMBER, False)
    assert shown(index) == expected(data, NUMBER, False)
    index.sort(REPLIES, True)
    assert shown(index)[0] == changed.number


def test_idle_steps_lay_out_the_texts_and_prepare_every_columns_keys_without_changing_what_is_shown(monkeypatch):
    monkeypatch.setattr(ticket_index, "LAYOUT_SLICE", 16)
    rows = some_rows(100)
    index = TicketIndex()
    index.set_rows(rows)
    index.set_filter("boot")
    before = shown(index)
    assert index.has_work()
    assert idle(index) >= 100 // 16  # several slices of each kind
    assert not index.has_work() and not index.step()
    assert shown(index) == before
    order = index._order  # the order's own texts: equal to the rows' but copied side by side
    assert order.laid == len(order.texts) == 100
    assert all(a == b.search and a is not b.search for a, b in zip(order.texts, map(index.base.__getitem__,
                                                                                  order.positions), strict=True))
    monkeypatch.setattr(ticket_index, "_key_maker", None)  # every column's keys are ready: none are made now
    for column in range(COLUMNS):
        index.sort(column, False)
        assert shown(index) == expected({r.number: r for r in rows}, column, False, "boot")


def test_rows_sorted_in_advance_show_exactly_what_a_fresh_sort_shows():
    rows = some_rows(120)
    for column in range(COLUMNS):
        for descending in (False, True):
            fresh, ready = TicketIndex(), TicketIndex()
            fresh.sort(column, descending)
            ready.sort(column, descending)
            fresh.set_rows(list(rows))
            copy = list(rows)
            ready.set_rows(copy, sorted_in_advance(copy, ready.sort_key()))
            assert shown(ready) == shown(fresh)
            ready.set_filter("boot")
            fresh.set_filter("boot")
            assert shown(ready) == shown(fresh)


def test_rows_sorted_in_advance_for_another_order_or_other_rows_are_sorted_again():
    rows = some_rows(50)
    index = TicketIndex()
    ready = sorted_in_advance(rows, index.sort_key())
    index.sort(SUBJECT, False)
    index.set_rows(rows, ready)
    assert shown(index) == expected({r.number: r for r in rows}, SUBJECT, False)
    assert [r.number for r in ready.ordered] == expected({r.number: r for r in rows}, ACTIVITY, True)
    other = TicketIndex()
    other.set_rows(list(rows), ready)  # not the very list that was sorted
    assert shown(other) == expected({r.number: r for r in rows}, ACTIVITY, True)


def test_row_of_and_number_at_agree_with_what_is_shown():
    rows = some_rows(70)
    index = TicketIndex()
    index.set_rows(rows)
    index.sort(PRIORITY, True)
    index.set_filter("boot")
    listed = shown(index)
    assert [index.row_of(number) for number in listed] == list(range(len(listed)))
    hidden = next(r.number for r in rows if r.number not in listed)
    assert index.row_of(hidden) is None and index.row_of(-5) is None
    assert index.number_at(len(listed)) is None and index.number_at(-1) is None


def test_any_mix_of_changes_sorts_filters_and_idle_steps_shows_what_a_plain_sort_and_scan_shows(monkeypatch):
    monkeypatch.setattr(ticket_index, "LAYOUT_SLICE", 5)
    monkeypatch.setattr(ticket_index, "PICK_BLOCK", 4)
    monkeypatch.setattr(ticket_index, "COMPACT_AFTER", 10)
    rng = random.Random(23)
    data = {r.number: r for r in some_rows(120)}
    index = TicketIndex()
    index.set_rows(list(data.values()))
    column, descending, text, status, priority = ACTIVITY, True, "", "", ""
    for step in range(1500):
        action = rng.random()
        if action < 0.12:
            column, descending = rng.randrange(COLUMNS), rng.random() < 0.5
            index.sort(column, descending)
        elif action < 0.4:
            text = rng.choice(["", text + rng.choice("bo tswi"), text[:-1], "boot", "wifi", "1"])
            status, priority = rng.choice([(status, priority)] * 3 + [("OPEN", ""), ("", "HIGH"), ("", ""), (
                NOT_CLOSED, ""), (frozenset({"OPEN", "ODD"}), "LOW")])
            index.set_filter(text, status, priority)
        elif action < 0.75:
            row = data[rng.choice(list(data))]
            changed = rng.choice([row._replace(replies=row.replies + 1), row._replace(unread=not row.unread),
                                  row._replace(status=rng.choice(["OPEN", "CLOSED", "BRAND_NEW"])),
                                  row._replace(last_activity=f"2026-02-{rng.randint(1, 9):02d}"),
                                  row._replace(requester=rng.choice(["Zed", "ann", "A\0"])),
                                  row._replace(subject="Boot " + row.subject, search=row.search + " boot")])
            data[row.number] = changed
            index.upsert(changed)
        elif action < 0.85:
            for _ in range(rng.randint(1, 30)):
                index.step()
        elif action < 0.93:
            number = rng.choice(list(data))
            del data[number]
            index.remove(number)
        else:
            new = make(10_000 + step, "boot " + rng.choice(WORDS), unread=rng.random() < 0.5,
                       replies=rng.randint(0, 4))
            data[new.number] = new
            index.upsert(new)
        assert shown(index) == expected(data, column, descending, text, status, priority), step
        assert index.total() == len(data) and index.unread_count() == sum(r.unread for r in data.values())
        listed = shown(index)
        for number in listed[:2] + listed[-2:]:
            assert listed[index.row_of(number)] == number


def test_keys_with_few_distinct_values_are_ranked_in_idle_time_and_stay_right_as_rows_change():
    rows = [make(i, activity=f"2026-01-{i % 5 + 1:02d}", requester=["Bo", "al", "Cy"][i % 3]) for i in range(80)]
    index = TicketIndex()
    index.set_rows(rows)
    idle(index)
    assert index._ranks[ACTIVITY] is not None and index._ranks[REQUESTER] is not None  # ints to sort by
    data = {r.number: r for r in rows}
    for changed in (rows[3]._replace(last_activity="2027-01-01"),  # a new latest: ranked on the spot
                    rows[4]._replace(last_activity="2026-01-03"),  # a known value
                    rows[5]._replace(last_activity="2025-12-31"),  # a new earliest: ranked afresh
                    rows[6]._replace(requester="Al")):
        data[changed.number] = changed
        index.upsert(changed)
        for column in (ACTIVITY, REQUESTER):
            for descending in (False, True):
                index.sort(column, descending)
                assert shown(index) == expected(data, column, descending), (changed, column, descending)
        idle(index)
