"""Edit a ticket's subject, message and contact fields; only what changed is sent (PUT).

"Changed" compares normalised text: line endings (the server's CRLF, the editor's LF) and
spaces at the ends of lines do not count, so nothing is changed before the agent types.
What is sent for a changed field is the text exactly as the editor holds it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Ticket, ValidationError
from ..api import validation as v
from ..controller import TicketController
from .banner import Banner, error_label

LINE_FIELDS = (
    ("subject", "Subject"), ("first_name", "First name"), ("last_name", "Last name"),
    ("email_address", "E-mail"), ("phone_number", "Phone"),
)


def normalised(text: str) -> str:
    """``text`` for comparing, not for sending: LF line endings, no spaces at the ends of lines or of the text.

    The editor's paragraph separators (U+2029) count as line breaks too.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


class EditTicketDialog(QDialog):
    saved = Signal(object)  # the Ticket as the server now has it
    failed = Signal(str)

    def __init__(self, controller: TicketController, ticket: Ticket, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Edit ticket #{ticket.ticket_number}")
        self.setMinimumWidth(520)
        self._controller = controller
        self._ticket = ticket
        self._busy = False
        self.banner = Banner()
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, label in LINE_FIELDS:
            edit = QLineEdit(getattr(ticket, name) or "")
            edit.setAccessibleName(label)
            edit.setToolTip(f"The ticket's {label.lower()}")
            edit.textChanged.connect(self._validate)
            self.edits[name] = edit
            form.addRow(label, edit)
        self.message = QPlainTextEdit(ticket.message or "")
        self.message.setAccessibleName("Message")
        self.message.setToolTip("The ticket's original message")
        self.message.setTabChangesFocus(True)
        self.message.textChanged.connect(self._validate)
        form.addRow("Message", self.message)
        self.error = error_label()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Send the changed fields to the server")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._validate()

    def changes(self) -> dict[str, Any]:
        """Only the fields the agent really changed, each exactly as typed.

        A field counts as changed when its normalised text (see ``normalised``) differs from
        the ticket's as opened: the editor turning CRLF into LF, or a trailing space the
        server sent, is no change.
        """
        values: dict[str, Any] = {name: self.edits[name].text() for name, _ in LINE_FIELDS}
        values["message"] = self.message.toPlainText()
        return {k: val for k, val in values.items()
                if normalised(val) != normalised(getattr(self._ticket, k) or "")}

    @Slot()
    def _validate(self) -> bool:
        changes = self.changes()
        problem = ""
        try:
            if "email_address" in changes:
                v.email(changes["email_address"])
            for name in ("subject", "message"):
                if name in changes:
                    v.required_text(changes[name], name, name)
        except ValidationError as error:
            problem = error.message
        blank_optional = [k for k in ("first_name", "last_name", "phone_number")
                          if k in changes and not changes[k].strip()]
        if not problem and blank_optional:
            problem = "The API cannot empty a field; type a new value instead."
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        self.save_button.setEnabled(bool(changes) and not problem)
        return bool(changes) and not problem

    @Slot()
    def submit(self) -> None:
        if not self._validate():
            return
        self._set_busy(True)
        self._controller.edit(self._ticket.ticket_number, self.changes(), on_done=self._saved, on_error=self._failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.buttons.setEnabled(not busy)
        for edit in self.edits.values():
            edit.setReadOnly(busy)
        self.message.setReadOnly(busy)

    def done(self, result: int) -> None:
        if not self._busy:  # while saving, the answer decides
            super().done(result)

    @Slot(object)
    def _saved(self, ticket: Ticket) -> None:
        self._set_busy(False)
        self.saved.emit(ticket)
        self.accept()

    @Slot(object)
    def _failed(self, error: ApiError) -> None:
        self._set_busy(False)
        self._validate()
        self.banner.show_message(f"The ticket was not changed: {error.message}")
        self.failed.emit(error.message)
