"""The open ticket's line about the team: who has it (assignment) and who else is on it.

Assignment lives in the team's registry only (the vendor's API has no assignee), so this row
shows in team mode only, and its tooltip says so. Everything shown is plain text: agent names
come from the team's database.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from ..controller import TicketController
from ..plain_text import single_line

NOT_AT_VENDOR = ("Assignment is kept in your team's database only: the vendor's system and the customer "
                 "do not see it.")


class TeamRow(QWidget):
    def __init__(self, controller: TicketController, parent: QWidget | None = None):
        super().__init__(parent)
        self._controller = controller
        self._number: int | None = None
        self._assignee = ""
        self.assignee_label = QLabel()
        self.assignee_label.setTextFormat(Qt.TextFormat.PlainText)
        self.assignee_label.setAccessibleName("Assigned to")
        self.assignee_label.setToolTip(NOT_AT_VENDOR)
        self.take_button = QPushButton("Ta&ke it")
        self.take_button.setToolTip("Make this ticket yours in the team (Ctrl+T). " + NOT_AT_VENDOR)
        self.take_button.clicked.connect(self.take)
        self.release_button = QPushButton("Re&lease")
        self.release_button.setToolTip("Let go of this ticket: nobody has it (Ctrl+Shift+T)")
        self.release_button.clicked.connect(self.release)
        self.give_button = QPushButton("&Give to…")
        self.give_button.setToolTip("Give this ticket to a teammate (Ctrl+G)")
        self.give_button.clicked.connect(self.give)
        self.presence_label = QLabel()
        self.presence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.presence_label.setAccessibleName("Colleagues on this ticket")
        self.presence_label.setToolTip("Teammates who have this ticket on screen now, and who is writing a reply")
        self.presence_label.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.assignee_label, 1)
        layout.addWidget(self.presence_label, 1)
        for button in (self.take_button, self.release_button, self.give_button):
            layout.addWidget(button)
        controller.assignee_shown.connect(self.show_assignee)
        controller.assignment_told.connect(self._told)
        controller.teammates_found.connect(self._choose_teammate)
        controller.current_changed.connect(self._current_changed)
        controller.presence.shown.connect(self.show_presence)
        self.hide()

    @property
    def mine(self) -> bool:
        return bool(self._assignee) and self._assignee.casefold() == self._controller.me.casefold()

    @Slot(object, str)
    def show_assignee(self, number: int, assignee: str) -> None:
        self._number, self._assignee = number, assignee
        if not assignee:
            text = "Nobody in the team has taken this ticket."
        elif self.mine:
            text = "You have this ticket."
        else:
            text = f"{single_line(self._controller.presence.name_of(assignee)[:80])} has this ticket."
        self.assignee_label.setText(text)
        self.take_button.setVisible(not self.mine)
        self.release_button.setVisible(self.mine)
        self._set_busy(False)
        self.show()

    @Slot(object, object)
    def show_presence(self, number: int, present: list) -> None:
        """"Jane Doe is replying · Sam Rivera is viewing" (names as their desks give them, shown as text)."""
        if number != self._number and self._number is not None:
            return
        words = [f"{single_line(p.who[:80])} is {p.state}" for p in present]  # names from the team's database
        self.presence_label.setText(" · ".join(words))
        self.presence_label.setVisible(bool(words))

    @Slot(object)
    def _current_changed(self, number: int | None) -> None:
        if not self._controller.in_team or number is None:
            self._number = None
            self.hide()

    @Slot()
    def take(self) -> None:
        if self._number is not None and not self.mine:
            self._set_busy(True)
            self._controller.take(self._number)

    @Slot()
    def release(self) -> None:
        if self._number is not None and self.mine:
            self._set_busy(True)
            self._controller.release(self._number)

    @Slot()
    def give(self) -> None:
        if self._number is not None:
            self._set_busy(True)
            self._controller.find_teammates(self._number)

    @Slot(object, object)
    def _choose_teammate(self, number: int, teammates: list[str]) -> None:
        if number != self._number:
            return
        me = self._controller.me.casefold()
        others = [t for t in teammates if t.casefold() not in (me, self._assignee.casefold())]
        chosen, ok = QInputDialog.getItem(self, f"Give #{number} to…",
                                          "Teammate (as their desk names them, usually their e-mail):",
                                          others, 0, True)
        if ok and chosen.strip() and number == self._number:
            self._controller.give(number, chosen.strip())
        else:
            self._set_busy(False)

    @Slot(object, str, bool)
    def _told(self, number: int, words: str, done: bool) -> None:
        if number == self._number:
            self._set_busy(False)
            if not done:
                self.assignee_label.setText(words)
            elif self._assignee and not self.mine:
                self.show_assignee(number, self._assignee)  # given away: by name

    def _set_busy(self, busy: bool) -> None:
        for button in (self.take_button, self.release_button, self.give_button):
            button.setEnabled(not busy)
