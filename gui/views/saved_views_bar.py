"""The saved views above the ticket list: a compact list of them with their counts, and what can be done with them.

One combo box (the list pane is narrow at 1024x600) lists the environment's views, each "Name (count)"; choosing
one applies it whole (``chosen``). The box shows the view the list is showing now, or "Current filters" when the
agent's filters are no saved view. Beside it, the conditions the filter bar cannot show (only unread, idle for
some time) as one button that clears them, and a menu: save the current filters as a view, update, rename or
delete the one shown, and set those conditions. Counts are the index's (``count``), made a view per turn of the
event loop (no pause however long the list) when tickets change (after a short pause, never per paint), when
views change, and each minute while a view counts by age.
Names are the agent's text: shown as plain text everywhere (combo items, menus with their "&" doubled, dialogs).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models.ticket_table import HEADERS
from ..plain_text import single_line
from ..saved_views import (
    IDLE_HOURS_MAX,
    MINE,
    NAME_CHARS,
    SHORTCUT_VIEWS,
    UNASSIGNED_VIEW,
    SavedView,
    SavedViewError,
    SavedViews,
)
from ..ticket_index import EVERY_STATUS_BUT, NOT_CLOSED, Counting
from .status_filter import status_name

RECOUNT_AFTER_MS = 400  # tickets arrive in bursts (a refresh): counted once the burst is over
RECOUNT_AGE_MS = 60_000  # a view by age gains tickets as time passes, without any ticket changing
BOX_MAX_WIDTH = 420  # px: a wide window gives the rest to nothing, the names fit long before
_CURRENT = -1  # the box's first entry: the filters as they are, no saved view


def summary(view: SavedView) -> str:
    """A view's parts in words, for its tooltip and the Save dialog (plain text)."""
    parts = [f"text \u201c{single_line(view.text)}\u201d"] if view.text.strip() else []
    wanted = view.statuses
    if wanted == NOT_CLOSED:
        parts.append("not closed")
    elif wanted:
        names = " or ".join(sorted(map(status_name, wanted - {EVERY_STATUS_BUT})))
        parts.append(("not " if EVERY_STATUS_BUT in wanted else "") + names)
    if view.priority:
        parts.append(f"{view.priority.title()} priority")
    if view.who == MINE:
        parts.append("mine")
    elif view.who == UNASSIGNED_VIEW:
        parts.append("unassigned")
    if view.conditions():
        parts.append(view.conditions())
    column = HEADERS[view.sort_column] or "Unread"
    parts.append(f"sorted by {column}, {'descending' if view.descending else 'ascending'}")
    return "; ".join(parts) if len(parts) > 1 else "every ticket; " + parts[0]


def menu_text(name: str) -> str:
    """A name inside a menu entry: "&" is a mnemonic there, so it is doubled to show as itself."""
    return single_line(name).replace("&", "&&")


class SavedViewsBar(QWidget):
    """See the module docstring. ``current`` gives the filters as the list shows them now (as a nameless view);
    ``count`` counts the tickets of each view."""

    chosen = Signal(object)  # a SavedView the agent chose: apply it whole
    conditions_changed = Signal(bool, int)  # (only unread, idle hours) the agent set from the menu

    def __init__(self, current: Callable[[], SavedView], count: Callable[[list[SavedView]], Counting],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._current = current
        self._count = count
        self.library: SavedViews | None = None
        self.views: list[SavedView] = []
        self.counts: dict[int, int] = {}  # view id -> its count, as last counted
        self._counting: Counting | None = None
        self._counted: list[SavedView] = []  # the views being counted
        self.dialog: QDialog | None = None  # the dialog open now (Save, Rename, Idle), for tests and the window
        self._picked = 0  # the id of the view the agent chose last

        self.box = QComboBox()
        self.box.setAccessibleName("Saved views")
        self.box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.box.setMinimumContentsLength(14)
        # a list under the box (not over the filter bar), its rows as tall as the table's
        self.box.setStyleSheet("QComboBox { combobox-popup: 0; }"
                               " QComboBox QAbstractItemView::item { min-height: 22px; }")
        self.box.setMaximumWidth(BOX_MAX_WIDTH)
        self.box.setMaxVisibleItems(SHORTCUT_VIEWS + 3)
        self.box.activated.connect(self._activated)
        self.conditions_button = QToolButton()
        self.conditions_button.setAccessibleName("Conditions")
        self.conditions_button.setToolTip("Conditions beyond the filter bar: click to show every ticket again")
        self.conditions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.conditions_button.clicked.connect(lambda: self.conditions_changed.emit(False, 0))
        self.conditions_button.hide()
        self.menu_button = QToolButton()
        self.menu_button.setText("Views")
        self.menu_button.setAccessibleName("Saved view actions")
        self.menu_button.setToolTip("Save the current filters as a view; rename or delete the one shown; "
                                    "only unread or idle tickets")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self)
        self.menu_button.setMenu(self.menu)
        self.save_action = QAction("&Save current filters as a view…", self)
        self.save_action.triggered.connect(self.save_current)
        self.update_action = QAction(self)
        self.update_action.triggered.connect(self.update_shown)
        self.rename_action = QAction(self)
        self.rename_action.triggered.connect(self.rename_shown)
        self.delete_action = QAction(self)
        self.delete_action.triggered.connect(self.delete_shown)
        self.unread_action = QAction("Only &unread tickets", self)
        self.unread_action.setCheckable(True)
        self.unread_action.toggled.connect(self._unread_toggled)
        self.idle_action = QAction("Only tickets &idle for more than…", self)
        self.idle_action.setCheckable(True)
        self.idle_action.triggered.connect(self._idle_triggered)
        for action in (self.save_action, self.update_action, self.rename_action, self.delete_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.unread_action)
        self.menu.addAction(self.idle_action)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 1)
        layout.addWidget(self.conditions_button)
        layout.addStretch(0)
        layout.addWidget(self.menu_button)

        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_AFTER_MS)
        self._recount.timeout.connect(self.recount)
        self._age = QTimer(self)
        self._age.setInterval(RECOUNT_AGE_MS)
        self._age.timeout.connect(self.recount)
        self._steps = QTimer(self)  # a view counted per turn of the event loop
        self._steps.setInterval(0)
        self._steps.timeout.connect(self._count_step)
        self.set_library(None)

    # ------------------------------------------------------------ what the pane tells

    def set_library(self, library: SavedViews | None) -> None:
        """The environment's views (None: no environment, nothing to save to)."""
        self.library = library
        self.reload()

    def reload(self) -> None:
        self.views = self.library.all() if self.library is not None else []
        self._age.stop()
        if any(view.idle_hours for view in self.views):
            self._age.start()
        self.recount()

    def rows_changed(self) -> None:
        """Tickets came, went or changed: counted again after the burst."""
        if self.views:
            self._recount.start()

    @Slot()
    def recount(self) -> None:
        """The list of views shown now (with the counts known), and every view counted again in idle turns."""
        self._recount.stop()
        self._fill()
        self._counted = list(self.views)
        self._counting = self._count(self._counted) if self._counted else None
        if self._counting is not None:
            self._steps.start()
        else:
            self._steps.stop()

    def counting(self) -> bool:
        """Whether counts are being made now (tests wait for the end)."""
        return self._counting is not None

    @Slot()
    def _count_step(self) -> None:
        counting = self._counting
        if counting is None or counting.step():
            return
        self._steps.stop()
        self._counting = None
        self.counts = {view.id: count for view, count in zip(self._counted, counting.found, strict=True)}
        self._fill()

    def state_changed(self) -> None:
        """The list's filters changed: the box shows the view they are, or "Current filters"; the menu and the
        conditions button follow."""
        current = self._current()
        shown = self.shown_view()
        self.box.setCurrentIndex(0 if shown is None else self.views.index(shown) + 1)
        for action, flag in ((self.unread_action, current.unread), (self.idle_action, bool(current.idle_hours))):
            blocked = action.blockSignals(True)
            action.setChecked(flag)
            action.blockSignals(blocked)
        words = current.conditions()
        self.conditions_button.setText(f"{words} \u2715")
        self.conditions_button.setVisible(bool(words))
        self.conditions_button.setAccessibleDescription(f"Only {words}" if words else "")
        named = menu_text(shown.name) if shown is not None else ""
        self.rename_action.setText(f"&Rename \u201c{named}\u201d…" if named else "&Rename the view shown…")
        self.delete_action.setText(f"&Delete \u201c{named}\u201d…" if named else "&Delete the view shown…")
        for action in (self.rename_action, self.delete_action):
            action.setEnabled(shown is not None)
        picked = self._picked_view()
        changed = shown is None and picked is not None  # the agent chose a view, then changed its filters
        self.update_action.setText(f"&Update \u201c{menu_text(picked.name)}\u201d with the current filters"
                                   if changed else "&Update")
        self.update_action.setVisible(changed)
        self.save_action.setEnabled(self.library is not None)

    def shown_view(self) -> SavedView | None:
        """The saved view the list shows now (its parts are the current filters), if any."""
        current = _parts(self._current())
        return next((view for view in self.views if _parts(view) == current), None)

    def choose(self, place: int) -> bool:
        """The view at ``place`` (0-based, as Alt+1 ... Alt+9 count) applied; False if there is none."""
        if not 0 <= place < len(self.views):
            return False
        self._picked = self.views[place].id
        self.chosen.emit(self.views[place])
        return True

    # ------------------------------------------------------------ the agent's actions

    @Slot()
    def save_current(self) -> None:
        """Save current filters as a view…: asks for a name; the view is added last."""
        if self.library is None:
            return
        view = self._current()
        self._ask_name("Save view", "", summary(view), lambda name: self.library.save(_named(view, name)))

    @Slot()
    def rename_shown(self) -> None:
        shown = self.shown_view()
        if shown is None or self.library is None:
            return
        self._ask_name("Rename view", shown.name, summary(shown), lambda name: self.library.save(_named(shown, name)))

    @Slot()
    def update_shown(self) -> None:
        """The view chosen last takes the filters as they are now (its name and place stay)."""
        picked = self._picked_view()
        if picked is None or self.library is None:
            return
        self.library.save(_named(self._current(), picked.name, picked.id))
        self.reload()

    def _picked_view(self) -> SavedView | None:
        return next((view for view in self.views if view.id == self._picked), None)

    @Slot()
    def delete_shown(self) -> None:
        shown = self.shown_view()
        if shown is None or self.library is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete view", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"Delete the view \u201c{single_line(shown.name)}\u201d?")
        box.setInformativeText("The tickets stay as they are; only the saved filters go.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("&Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self._delete(shown))
        self.dialog = box
        box.open()

    # ------------------------------------------------------------ internals

    def _delete(self, view: SavedView) -> None:
        if self.library is not None:
            self.library.delete(view.id)
        self.reload()
        self.state_changed()

    def _ask_name(self, title: str, name: str, described: str, save: Callable[[str], SavedView]) -> None:
        dialog = ViewNameDialog(title, name, described, self)

        def saving(text: str) -> None:
            try:
                save(text)
            except SavedViewError as error:
                dialog.refuse(error.message)
                return
            dialog.accept()
            self.reload()
            self.state_changed()

        dialog.save_requested.connect(saving)
        self.dialog = dialog
        dialog.open()

    def _fill(self) -> None:
        blocked = self.box.blockSignals(True)
        self.box.clear()
        self.box.addItem("Current filters" if self.views else "No saved views", _CURRENT)
        self.box.setItemData(0, "The filters as you set them (save them under a name in the Views menu)",
                             Qt.ItemDataRole.ToolTipRole)
        for place, view in enumerate(self.views):
            count = f" ({self.counts[view.id]:,})" if view.id in self.counts else ""
            self.box.addItem(single_line(view.name) + count, view.id)
            key = f"Alt+{place + 1}: " if place < SHORTCUT_VIEWS else ""
            self.box.setItemData(place + 1, f"<p>{html.escape(key + summary(view))}</p>",
                                 Qt.ItemDataRole.ToolTipRole)
        self.box.blockSignals(blocked)
        self.state_changed()

    @Slot(int)
    def _activated(self, index: int) -> None:
        if index >= 1:
            self.choose(index - 1)
        self.state_changed()  # "Current filters" chosen: nothing changes, the box shows what the list shows

    @Slot(bool)
    def _unread_toggled(self, checked: bool) -> None:
        self.conditions_changed.emit(checked, self._current().idle_hours)

    @Slot(bool)
    def _idle_triggered(self, checked: bool) -> None:
        current = self._current()
        if not checked:
            self.conditions_changed.emit(current.unread, 0)
            return
        self.idle_action.setChecked(False)  # until a time is given
        dialog = IdleDialog(current.idle_hours or 48, self)
        dialog.chosen.connect(lambda hours: self.conditions_changed.emit(self._current().unread, hours))
        self.dialog = dialog
        dialog.open()


def _parts(view: SavedView) -> tuple:
    return (view.text.strip(), view.statuses, view.priority, view.who, view.sort_column, view.descending,
            view.unread, view.idle_hours)


def _named(view: SavedView, name: str, id_: int | None = None) -> SavedView:
    return SavedView(name, view.text, view.statuses, view.priority, view.who, view.sort_column, view.descending,
                     view.unread, view.idle_hours, view.id if id_ is None else id_)


class ViewNameDialog(QDialog):
    """A view's name (Save, Rename), with what the view shows; a refused name keeps the dialog open, saying why."""

    save_requested = Signal(str)

    def __init__(self, title: str, name: str, described: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.name_edit = QLineEdit(name)
        self.name_edit.setAccessibleName("View name")
        self.name_edit.setMaxLength(NAME_CHARS)
        self.name_edit.setPlaceholderText("Awaiting user over 2 days")
        shows = QLabel(f"Shows: {described}")
        shows.setTextFormat(Qt.TextFormat.PlainText)
        shows.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(lambda: self.save_requested.emit(self.name_edit.text()))
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(shows)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())
        self.name_edit.textChanged.connect(lambda text: self.save_button.setEnabled(bool(text.strip())))
        self.save_button.setEnabled(bool(name.strip()))

    def refuse(self, words: str) -> None:
        self.problem.setText(words)
        self.problem.show()
        self.name_edit.setFocus()
        self.name_edit.selectAll()


class IdleDialog(QDialog):
    """How long without activity a ticket must be to be shown: hours or days."""

    chosen = Signal(int)  # hours

    def __init__(self, hours: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Idle tickets")
        self.amount = QSpinBox()
        self.amount.setAccessibleName("How long")
        self.amount.setRange(1, IDLE_HOURS_MAX)
        self.unit = QComboBox()
        self.unit.setAccessibleName("Unit")
        self.unit.addItem("hours", 1)
        self.unit.addItem("days", 24)
        in_days = hours % 24 == 0
        self.unit.setCurrentIndex(1 if in_days else 0)
        self.amount.setValue(hours // 24 if in_days else hours)
        note = QLabel("Show only tickets whose last activity (the latest reply, or when this desk first saw a "
                      "ticket without one) is longer ago than this.")
        note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("More than"))
        row.addWidget(self.amount)
        row.addWidget(self.unit)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._chosen)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def hours(self) -> int:
        return min(IDLE_HOURS_MAX, self.amount.value() * self.unit.currentData())

    @Slot()
    def _chosen(self) -> None:
        self.chosen.emit(self.hours())
        self.accept()

