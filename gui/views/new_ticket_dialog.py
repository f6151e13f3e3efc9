"""The New ticket dialog: inline validation next to each field, kept as a draft until the server has it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Priority, Ticket, ValidationError
from ..api import validation as v
from ..controller import TicketController
from .banner import Banner, error_label

TEXT_FIELDS = ("email_address", "subject", "first_name", "last_name", "phone_number")
CREATE, CREATE_TIP = "&Create", "File the ticket with the server (Ctrl+Enter)"
CREATE_ANYWAY = "Create &anyway"
CREATE_ANYWAY_TIP = "The ticket may exist already: this files it again, possibly as a second copy"
MAYBE_SAVED = "The change may or may not have been saved."  # the client's words; the dialog says it its own way


class NewTicketDialog(QDialog):
    created = Signal(object)  # the Ticket as the server stored it
    failed = Signal(str)

    def __init__(self, controller: TicketController, parent: QWidget | None = None,
                 prefill: dict[str, str] | None = None):
        super().__init__(parent)
        self.setWindowTitle("New ticket")
        self.setMinimumWidth(520)
        self._controller = controller
        self.banner = Banner()

        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        labels = {
            "email_address": ("E-mail *", "Requester's e-mail address (required)"),
            "subject": ("Subject *", "A short summary (required)"),
            "first_name": ("First name", "Requester's first name"),
            "last_name": ("Last name", "Requester's last name"),
            "phone_number": ("Phone", "Requester's phone number"),
        }
        form = QFormLayout()

        def add_text(name: str) -> None:
            edit = QLineEdit()
            text, tip = labels[name]
            edit.setAccessibleName(text.rstrip(" *"))
            edit.setToolTip(tip)
            edit.textChanged.connect(self._changed)
            self.edits[name] = edit
            form.addRow(text, edit)
            self.errors[name] = self._error_label(form)

        # The three required fields first (Ctrl+N, e-mail, Tab, subject, Tab, message, Ctrl+Enter), then the rest.
        add_text("email_address")
        add_text("subject")
        self.message = QPlainTextEdit()
        self.message.setAccessibleName("Message")
        self.message.setToolTip("What the requester needs (required); Ctrl+Enter creates the ticket")
        self.message.setTabChangesFocus(True)
        self.message.textChanged.connect(self._changed)
        form.addRow("Message *", self.message)
        self.errors["message"] = self._error_label(form)
        for name in ("first_name", "last_name", "phone_number"):
            add_text(name)
        self.priority = QComboBox()
        for priority in Priority:
            self.priority.addItem(priority.value.title(), priority.value)
        self.priority.setCurrentIndex(self.priority.findData(Priority.NORMAL.value))
        self.priority.setAccessibleName("Priority")
        self.priority.setToolTip("How urgent the ticket is")
        self.priority.currentIndexChanged.connect(self._changed)
        form.addRow("Priority", self.priority)
        submit = QAction(self)
        submit.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        submit.triggered.connect(self._submit_by_key)
        self.addAction(submit)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Creating")
        self.progress.hide()
        self.buttons = QDialogButtonBox()
        self.create_button = QPushButton(CREATE)
        self.create_button.setToolTip(CREATE_TIP)
        self.create_button.setDefault(True)
        self.buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip("Close; what you typed is kept for next time")
        self.discard_button = self.buttons.addButton("&Discard draft", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.discard_button.setToolTip("Empty the form and forget the draft")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.discard_button.clicked.connect(self._discard)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

        self._touched: set[str] = set()
        self._busy = False
        self.may_exist = False  # a create got no answer that proves it failed: Create is "Create anyway" now
        self._restoring = True
        self._load(controller.new_ticket_draft() or prefill or {})
        self._restoring = False
        self._validate(show_all=False)
        earlier = controller.may_exist()
        if earlier:  # the app stopped (or got no clear answer) while creating: never offer Create silently
            subjects = ", ".join(f'"{e.body.get("subject", "")}"' for e in earlier)
            self._offer_create_anyway(True)
            self.banner.show_message(
                f"A ticket you were creating ({subjects}) may exist on the server: no answer came back that proves "
                "otherwise, and its number is not known. Look for it in the list or ask the requester before "
                "creating it again; Discard draft if it exists.")

    @staticmethod
    def _error_label(form: QFormLayout) -> QLabel:
        label = error_label()
        form.addRow("", label)
        return label

    # ------------------------------------------------------------- values

    def fields(self) -> dict[str, Any]:
        """The form as TogaClient.create_ticket's keyword arguments (blank optional fields left out)."""
        values: dict[str, Any] = {name: self.edits[name].text().strip() for name in TEXT_FIELDS}
        values["message"] = self.message.toPlainText()
        values["priority"] = self.priority.currentData()
        return {k: val for k, val in values.items() if val or k in ("email_address", "subject", "message")}

    def _load(self, fields: dict[str, Any]) -> None:
        for name in TEXT_FIELDS:
            self.edits[name].setText(str(fields.get(name) or ""))
        self.message.setPlainText(str(fields.get("message") or ""))
        index = self.priority.findData(fields.get("priority") or Priority.NORMAL.value)
        self.priority.setCurrentIndex(max(index, 0))

    def problems(self) -> dict[str, str]:
        """Field name -> the reason it is not acceptable yet, using the client's own rules."""
        values = self.fields()
        checks = {
            "email_address": lambda: v.email(values.get("email_address")),
            "subject": lambda: v.required_text(values.get("subject"), "subject", "subject"),
            "message": lambda: v.required_text(values.get("message"), "message", "message"),
        }
        found = {}
        for name, check in checks.items():
            try:
                check()
            except ValidationError as error:
                found[name] = error.message
        return found

    # ------------------------------------------------------------- slots

    @Slot()
    def _changed(self) -> None:
        if self._restoring:
            return
        sender = self.sender()
        for name, edit in self.edits.items():
            if edit is sender:
                self._touched.add(name)
        if sender is self.message:
            self._touched.add("message")
        self._validate(show_all=False)
        self.save_draft()  # every change, at once: kill -9 loses nothing

    def _validate(self, *, show_all: bool) -> bool:
        problems = self.problems()
        for name, label in self.errors.items():
            text = problems.get(name, "")
            visible = bool(text) and (show_all or name in self._touched)
            label.setText(text)
            label.setVisible(visible)
        self.create_button.setEnabled(not problems)
        return not problems

    @Slot()
    def save_draft(self) -> None:
        if self._busy:
            return
        fields = self.fields()
        typed = any(str(val).strip() for key, val in fields.items() if key != "priority")
        problem = self._controller.save_new_ticket_draft(fields if typed else None)
        if problem:
            self.banner.show_message(problem)

    @Slot()
    def _discard(self) -> None:
        if self.may_exist:
            self._controller.forget_may_exist("the agent discarded the form")
        self._offer_create_anyway(False)
        self._controller.save_new_ticket_draft(None)
        self._restoring = True
        self._load({})
        self._restoring = False
        self._touched.clear()
        self._validate(show_all=False)

    @Slot()
    def _submit_by_key(self) -> None:
        """Ctrl+Enter: Create, as the button would, unless a ticket that may exist makes it "Create anyway"
        (then only a deliberate click files it again)."""
        if self.may_exist:
            self.banner.show_message("This ticket may exist already: click Create anyway to file it again, or "
                                     "Discard draft.", kind="info")
            return
        if not self._busy:
            self.submit()  # an incomplete form says what is missing

    @Slot()
    def submit(self) -> None:
        if not self._validate(show_all=True):
            return
        self.save_draft()
        self._set_busy(True)
        self.banner.hide()
        self._controller.create(self.fields(), on_done=self._created, on_error=self._failed)

    @Slot(object)
    def _created(self, ticket: Ticket) -> None:
        self._set_busy(False)
        self._restoring = True  # the draft is gone on the server's word; nothing may write it back
        self.created.emit(ticket)
        super().done(QDialog.DialogCode.Accepted)

    @Slot(object)
    def _failed(self, error: ApiError) -> None:
        self._set_busy(False)
        if error.maybe_applied or self.may_exist:  # an earlier try may have created it even if this one did not
            self._offer_create_anyway(True)
            reason = error.message.replace(MAYBE_SAVED, "").strip()
            if error.maybe_applied:
                text = (f"The ticket may have been created: no answer came back that says it was not ({reason}). "
                        "The API cannot search tickets, so check with the requester or your team before creating "
                        "it again. The form is kept; Create anyway files it again, possibly as a second ticket.")
            else:
                text = (f"This try did not create the ticket ({reason}), but the earlier one may have. Check before "
                        "creating it again. The form is kept; Create anyway files it again, possibly as a second "
                        "ticket.")
        else:
            text = f"The ticket was not created: {error.message} The form is kept."
        self.banner.show_message(text)
        self.failed.emit(error.message)

    def _offer_create_anyway(self, may_exist: bool) -> None:
        """After an answer that does not prove the create failed, Create becomes "Create anyway": one more
        deliberate click, never Enter in a field (the button stops being the default)."""
        self.may_exist = may_exist
        self.create_button.setText(CREATE_ANYWAY if may_exist else CREATE)
        self.create_button.setToolTip(CREATE_ANYWAY_TIP if may_exist else CREATE_TIP)
        self.create_button.setDefault(not may_exist)
        self.create_button.setAutoDefault(not may_exist)

    def _set_busy(self, busy: bool) -> None:
        """While the server works on it, the form is frozen: nothing can be changed, discarded or closed."""
        self._busy = busy
        self.progress.setVisible(busy)
        self.buttons.setEnabled(not busy)
        self.create_button.setEnabled(not busy)
        self.priority.setEnabled(not busy)
        for edit in self.edits.values():
            edit.setReadOnly(busy)
        self.message.setReadOnly(busy)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.may_exist:  # the button box makes its accept button the default when shown: not this one
            self._offer_create_anyway(True)

    def done(self, result: int) -> None:
        """Closing by accident (Esc, Cancel, window close) keeps the draft; not while creating."""
        if self._busy:
            return  # the answer decides: created (draft gone) or failed (form stays)
        if result != QDialog.DialogCode.Accepted:
            self.save_draft()
        super().done(result)
