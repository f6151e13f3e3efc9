"""Ctrl+K: every action of the window by name, with its shortcut, and "open #N" by typing a number.

The palette lists the window's own QActions (the same ones the menus and the shortcut sheet
show), so a new action appears here without anyone remembering to add it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

KEYS_APART = "  \u00b7  "  # between a command's name and its keys
NUMBER_DIGITS = 19  # a ticket number fits in a signed 64-bit integer


@dataclass(frozen=True)
class Command:
    name: str  # what the agent reads ("Take it"), without mnemonics
    keys: str  # its shortcut as the platform writes it, '' without one
    run: Callable[[], None]


def commands_of(actions: Iterable[QAction]) -> list[Command]:
    """The enabled, visible actions with a name, each once, in the order given."""
    seen: set[str] = set()
    commands = []
    for action in actions:
        name = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()
        if not name or action.isSeparator() or action.menu() is not None or name in seen:
            continue
        if not (action.isEnabled() and action.isVisible()):
            continue
        seen.add(name)
        keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
        commands.append(Command(name, keys, action.trigger))
    return commands


def matching(query: str, commands: list[Command]) -> list[Command]:
    """Commands whose name holds every word typed; names starting with the query first, then by name order."""
    words = query.casefold().split()
    if not words:
        return list(commands)
    found = [c for c in commands if all(word in c.name.casefold() for word in words)]
    return sorted(found, key=lambda c: not c.name.casefold().startswith(words[0]))


def ticket_number_in(query: str) -> int | None:
    """'123', '#123' or 'open 123': the ticket number the agent means, or None."""
    text = query.strip().casefold()
    for prefix in ("open ticket", "open", "ticket"):
        if text.startswith(prefix + " "):
            text = text[len(prefix):].strip()
            break
    text = text.removeprefix("#")
    if text.isascii() and text.isdigit() and len(text) <= NUMBER_DIGITS and int(text) > 0:
        number = int(text)
        return number if number < 2**63 else None
    return None


class CommandPalette(QDialog):
    """Type to narrow the list; Return runs the highlighted command; Esc closes."""

    open_requested = Signal(object)  # a ticket number typed into the palette

    def __init__(self, commands: list[Command], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Command palette")
        self._commands = commands
        self.query = QLineEdit()
        self.query.setPlaceholderText("Type a command, or a ticket number to open it")
        self.query.setAccessibleName("Command")
        self.list = QListWidget()
        self.list.setAccessibleName("Commands")
        self.list.setUniformItemSizes(True)
        self.hint = QLabel("Return runs the highlighted command · Up/Down to choose · Esc closes")
        self.hint.setAccessibleName("How to use the palette")
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        self.resize(520, 420)
        self.query.textChanged.connect(self._refill)
        self.query.installEventFilter(self)
        self.list.itemActivated.connect(self._run_item)
        self._refill("")

    def shown_names(self) -> list[str]:
        return [self.list.item(row).text().split(KEYS_APART)[0] for row in range(self.list.count())]

    @Slot(str)
    def _refill(self, query: str) -> None:
        self.list.clear()
        number = ticket_number_in(query)
        self._entries: list[Callable[[], None]] = []
        if number is not None:
            self._add(f"Open ticket #{number}", "Return", lambda n=number: self.open_requested.emit(n))
        for command in matching(query, self._commands):
            self._add(command.name, command.keys, command.run)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _add(self, name: str, keys: str, run: Callable[[], None]) -> None:
        item = QListWidgetItem(f"{name}{KEYS_APART}{keys}" if keys else name)
        item.setData(Qt.ItemDataRole.UserRole, len(self._entries))
        item.setToolTip(f"{name} ({keys})" if keys else name)
        self._entries.append(run)
        self.list.addItem(item)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/Return in the query box move and run the list, so the hands never leave the keyboard's home."""
        if watched is self.query and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self._run_item(item)
                return True
        return super().eventFilter(watched, event)

    @Slot(QListWidgetItem)
    def _run_item(self, item: QListWidgetItem) -> None:
        run = self._entries[item.data(Qt.ItemDataRole.UserRole)]
        self.accept()  # closed first: the command may open a dialog of its own
        run()
