"""Saved views in a real window against the sandbox: saved from the current filters, listed above the list with
their counts, applied whole (Alt+1 ... Alt+9 or the list), kept over a restart; the conditions beyond the filter
bar (unread, idle for some time); names shown as the plain text the agent typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.models.ticket_table import NUMBER, PRIORITY
from gui.saved_views import SavedView
from gui.ticket_index import NOT_CLOSED
from tests.test_list_filters import LISTED, list_some
from tests.test_workspace import WAIT, Desk, shown_numbers


@pytest.fixture
def desk(qtbot, sandbox, tmp_path) -> Iterator[Desk]:
    workstation = Desk(qtbot, sandbox, tmp_path)
    yield workstation
    workstation.close()


def activate(desk: Desk) -> None:
    desk.window.activateWindow()
    desk.qtbot.waitUntil(lambda: QApplication.activeWindow() is desk.window, timeout=WAIT)


def save_view(desk: Desk, name: str) -> None:
    """Ctrl+Shift+S (the window's action), the name, Save."""
    desk.window.save_view_action.trigger()
    dialog = desk.window.list_pane.views_bar.dialog
    assert dialog.isVisible()
    dialog.name_edit.setText(name)
    dialog.save_button.click()


def entries(desk: Desk) -> list[str]:
    """The views as the list of them shows them, once they are counted (a view per turn of the event loop)."""
    bar = desk.window.list_pane.views_bar
    desk.qtbot.waitUntil(lambda: not bar.counting(), timeout=WAIT)
    box = bar.box
    return [box.itemText(i) for i in range(1, box.count())]


def rows_where(desk: Desk, passes) -> list[int]:
    return sorted(row.number for row in desk.window.model.rows() if passes(row))


def test_a_view_saved_from_the_filters_is_listed_with_its_count_and_comes_back_whole_after_a_restart(
        qtbot, sandbox, tmp_path):
    desk = Desk(qtbot, sandbox, tmp_path)
    try:
        list_some(desk, sandbox)
        pane = desk.window.list_pane
        pane.status_box.set_wanted(NOT_CLOSED)
        pane.priority_box.setCurrentIndex(pane.priority_box.findData("HIGH"))
        pane.columns.setSortIndicator(PRIORITY, Qt.SortOrder.AscendingOrder)
        wanted = rows_where(desk, lambda r: r.status != "CLOSED" and r.priority == "HIGH")
        assert wanted and sorted(shown_numbers(desk.window)) == wanted
        save_view(desk, "High, not closed")
        assert entries(desk) == [f"High, not closed ({len(wanted)})"]
        assert pane.views_bar.box.currentIndex() == 1  # the list shows that view now
        pane.clear_filters()
        assert pane.views_bar.box.currentIndex() == 0 and len(shown_numbers(desk.window)) == LISTED
    finally:
        desk.close()

    again = Desk(qtbot, sandbox, tmp_path)  # the same data folder: a restart
    try:
        pane = again.window.list_pane
        qtbot.waitUntil(lambda: entries(again) == [f"High, not closed ({len(wanted)})"], timeout=WAIT)
        activate(again)
        pane.filter_edit.setText("typed before")  # what the agent typed is replaced only by choosing a view
        with qtbot.waitSignal(again.window.model.modelReset, timeout=WAIT):
            qtbot.keyClick(pane.table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
        assert sorted(shown_numbers(again.window)) == wanted
        assert pane.filter_edit.text() == "" and pane.status_box.summary() == "Not closed"
        assert pane.priority_box.currentData() == "HIGH"
        assert (pane.columns.sortIndicatorSection(), pane.columns.sortIndicatorOrder()) == \
            (PRIORITY, Qt.SortOrder.AscendingOrder)
        assert again.window.model.sort_key() == (PRIORITY, False)
    finally:
        again.close()


def test_choosing_a_view_applies_every_part_in_one_model_reset_and_replaces_the_typed_text(desk, sandbox):
    list_some(desk, sandbox)
    subject_word = desk.window.model.rows()[0].subject.split()[0].casefold()
    library = desk.window.list_pane.views_bar.library
    library.save(SavedView("By number", text=subject_word, sort_column=NUMBER, descending=False))
    desk.window.list_pane.views_bar.reload()
    pane = desk.window.list_pane
    pane.filter_edit.setText("something else")
    resets = []
    desk.window.model.modelReset.connect(lambda: resets.append(1))
    pane.views_bar.box.setCurrentIndex(1)
    pane.views_bar.box.activated.emit(1)  # as a click on the entry does
    assert len(resets) == 1
    assert pane.filter_edit.text() == subject_word
    shown = shown_numbers(desk.window)
    assert shown == sorted(rows_where(desk, lambda r: subject_word in r.search)) and shown
    qtbot = desk.qtbot
    qtbot.wait(100)  # longer than the filter's pause in typing: no second filtering follows
    assert len(resets) == 1


def test_a_view_of_tickets_idle_for_more_than_some_hours_shows_just_those_and_counts_them(desk, sandbox):
    list_some(desk, sandbox)
    now = datetime.now(UTC)
    ages = sorted((now - datetime.fromisoformat(r.last_activity)).total_seconds() / 3600
                  for r in desk.window.model.rows())
    hours = next(int(a) for a in ages if int(a) > ages[0] + 1)  # some tickets are older than this, some newer
    pane = desk.window.list_pane
    pane.set_conditions(False, hours)
    cutoff = now - timedelta(hours=hours)
    idle = rows_where(desk, lambda r: datetime.fromisoformat(r.last_activity) < cutoff)
    assert 0 < len(idle) < LISTED and sorted(shown_numbers(desk.window)) == idle
    assert pane.views_bar.conditions_button.isVisible()
    save_view(desk, "Idle")
    assert entries(desk) == [f"Idle ({len(idle)})"]
    pane.views_bar.conditions_button.click()  # the conditions cleared: every ticket again
    assert len(shown_numbers(desk.window)) == LISTED and pane.views_bar.box.currentIndex() == 0
    assert pane.views_bar.choose(0)
    assert sorted(shown_numbers(desk.window)) == idle


def test_an_unread_view_loses_a_ticket_from_its_list_and_its_count_once_the_agent_reads_it(desk, sandbox):
    numbers = list_some(desk, sandbox)
    pane = desk.window.list_pane
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) as customer:
        for number in numbers[:3]:
            customer.add_reply(number, "customer@example.com", "Any news?")
    with desk.qtbot.waitSignal(desk.controller.refresh_finished, timeout=WAIT):
        desk.window.refresh()  # their new replies make them unread
    unread = rows_where(desk, lambda r: r.unread)
    assert unread == sorted(numbers[:3])
    pane.views_bar.unread_action.trigger()  # Views > Only unread tickets
    assert sorted(shown_numbers(desk.window)) == unread
    save_view(desk, "Unread")
    assert entries(desk) == [f"Unread ({len(unread)})"]
    pane.clear_filters()
    read = unread[0]
    assert read in numbers
    desk.open(read)
    desk.qtbot.waitUntil(lambda: entries(desk) == [f"Unread ({len(unread) - 1})"], timeout=WAIT)
    pane.views_bar.choose(0)
    assert sorted(shown_numbers(desk.window)) == unread[1:]


@pytest.mark.parametrize("name", ["<b>Bold</b> & <i>co</i>", "invoice\u202eexe.pdf", "&Alt & keys"])
def test_a_hostile_view_name_is_shown_as_the_plain_text_typed(desk, sandbox, name):
    list_some(desk, sandbox)
    pane = desk.window.list_pane
    pane.priority_box.setCurrentIndex(pane.priority_box.findData("LOW"))
    save_view(desk, name + "\nsecond line")
    stored = pane.views_bar.views[0].name
    assert stored == name + " second line"  # one line, as typed
    text = entries(desk)[0]
    assert text.startswith(name.replace("\u202e", "[U+202E]")) and "second line (" in text
    if "&" in name:
        assert "&&" in pane.views_bar.rename_action.text()  # a menu shows "&" as itself, not as a mnemonic
    pane.views_bar.rename_shown()
    dialog = pane.views_bar.dialog
    assert dialog.name_edit.text() == stored
    dialog.name_edit.setText("Low")
    dialog.save_button.click()
    assert entries(desk)[0].startswith("Low (")
    pane.views_bar.delete_shown()
    box = pane.views_bar.dialog
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.accept()
    assert entries(desk) == [] and pane.views_bar.box.itemText(0) == "No saved views"


def test_a_name_another_view_has_is_refused_in_words_and_the_dialog_stays(desk, sandbox):
    list_some(desk, sandbox)
    save_view(desk, "Mine")
    desk.window.list_pane.priority_box.setCurrentIndex(1)
    save_view(desk, "MINE")
    dialog = desk.window.list_pane.views_bar.dialog
    assert dialog.isVisible() and "already have a view named" in dialog.problem.text()
    dialog.reject()
    assert entries(desk) == [f"Mine ({LISTED})"]


def test_views_belong_to_their_environment(desk, sandbox):
    list_some(desk, sandbox)
    save_view(desk, "Sandbox only")
    other = type(desk.window.list_pane.views_bar.library)(desk.store, "production")
    assert other.all() == [] and [v.name for v in desk.window.list_pane.views_bar.library.all()] == ["Sandbox only"]
