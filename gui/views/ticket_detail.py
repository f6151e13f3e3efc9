"""The open ticket: header with status and priority controls, the reply thread, and the composer.

It shows what the controller says is open and asks the controller for every request;
results arrive on bound slots. What the agent types is saved as a draft while typing and
kept through every failure.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..api import ApiError, NetworkError, Priority, ServerError, Status, Ticket
from ..controller import TicketController
from ..plain_text import single_line
from ..services.tickets import Agent, Collision
from .banner import Banner
from .composer import BusyWords, ReplyBox, SendProgress
from .edit_ticket_dialog import EditTicketDialog
from .team_row import TeamRow
from .thread_html import (
    SHOW_EARLIER,
    THREAD_CSS,
    WHOLE_MESSAGE,
    in_time_order,
    message_of,
    order_numbers,
    render_thread,
    shown_length,
)

PLACEHOLDER = "Choose a ticket on the left, or open one by number (Ctrl+L)."
WRITE_HERE = "Write a reply… (Ctrl+Enter sends)"
WRITE_NEXT = "Your reply is on its way. Write the next one here; it is kept as a draft."
SAVING = ("status", "priority")
UNDO_MS = 10_000  # how long the status bar offers to undo the agent's own status or priority change
HISTORY_SHOWN = 5  # the requester's other tickets listed under the header


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _label(accessible: str, *, selectable: bool = True) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAccessibleName(accessible)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


TITLE_CHARS = 160  # about two lines of the title at the pane's usual width
TOOLTIP_CHARS = 2000
LATEST_REPLIES = 50  # a longer thread opens with only its latest replies; a link unfolds the rest (see tooltip)
THREAD_CHARS = 60_000  # characters of messages laid out when a ticket opens; earlier replies fold beyond it


def _first_shown(ticket: Ticket) -> int:
    """How many of the earliest replies start folded: beyond the latest LATEST_REPLIES, or beyond THREAD_CHARS of
    text counted from the newest (the original message always shows, cut to MESSAGE_SHOWN)."""
    replies = in_time_order(ticket.replies)
    folded = max(0, len(replies) - LATEST_REPLIES)
    budget = THREAD_CHARS - shown_length(ticket.message)
    for position in range(len(replies) - 1, folded - 1, -1):
        budget -= shown_length(replies[position].message)
        if budget < 0:
            return position + 1
    return folded


def _earlier_page(ticket: Ticket, folded: int) -> int:
    """The folded count after "Show N earlier replies": up to LATEST_REPLIES more, within THREAD_CHARS of text."""
    replies = in_time_order(ticket.replies)
    budget, position = THREAD_CHARS, min(folded, len(replies))
    while position > 0 and folded - position < LATEST_REPLIES:
        budget -= shown_length(replies[position - 1].message)
        if budget < 0 and position < folded:
            break
        position -= 1
    return position


class TicketDetailPane(QWidget):
    ticket_changed = Signal(object)  # a fresh Ticket from the server (reply sent, field changed, reloaded)
    reply_sent = Signal(object)
    send_failed = Signal(str)
    collision_found = Signal(str)
    order_requested = Signal(object)  # an order number mentioned in the ticket was clicked
    list_requested = Signal()  # Esc in the ticket pane: back to the list
    signature_requested = Signal()  # the Signature… button: the window edits it (it keeps it in the settings)
    undo_offered = Signal(str)  # the agent changed a status or priority: Undo may send it back for UNDO_MS
    undo_withdrawn = Signal()  # too late, another change, or done
    undo_told = Signal(str)  # what the Undo did

    def __init__(self, controller: TicketController, agent: Agent, parent: QWidget | None = None):
        super().__init__(parent)
        self._controller = controller
        self.agent = agent
        self._ticket: Ticket | None = None
        self._pending_status: str | None = None
        self._status_on_send: dict[int, str] = {}  # a canned reply inserted here sets this status when sent
        self._canned_status: dict[int, str | None] = {}  # that status, taken by the send on its way
        self._last_change: tuple[int, str, str, str] | None = None  # (number, field, old, new): what Undo sends back
        self.undo_timer = QTimer(self)
        self.undo_timer.setSingleShot(True)
        self.undo_timer.setInterval(UNDO_MS)
        self.undo_timer.timeout.connect(self._undo_expired)
        self._failed_number = 0
        # (field, its box or None, the value to roll back to, number, the value sent, an Undo) while one is saved
        self._change_field: tuple[str, QComboBox | None, str, int, str, bool] | None = None
        self._thread_html = ""  # what the thread shows, to skip laying out the same text again
        self._draft_unsaved = False  # the last draft write failed: its warning is on screen
        self._folded = 0  # earliest replies of this ticket folded away; fixed until another ticket or unfolding
        self._first_seen = (0, "")  # (ticket, when this desk first saw it): asked once per ticket that has one
        self._wait_told = False  # the banner says a reply is still on its way

        self.banner = Banner()
        self.title = _label("Ticket subject")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.number_label = _label("Ticket number")
        self.requester_label = _label("Requester")
        self.email_label = QLabel()
        self.email_label.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text only
        self.email_label.setOpenExternalLinks(True)
        self.email_label.setAccessibleName("Requester e-mail")
        self.email_label.setToolTip("Write to the requester with your e-mail program")
        self.phone_label = _label("Requester phone")

        self.status_box = QComboBox()
        for status in Status:
            self.status_box.addItem(status.value.replace("_", " ").title(), status.value)
        self.status_box.setAccessibleName("Status")
        self.status_box.setToolTip("Change the ticket's status (sent to the server at once)")
        self.priority_box = QComboBox()
        for priority in Priority:
            self.priority_box.addItem(priority.value.title(), priority.value)
        self.priority_box.setAccessibleName("Priority")
        self.priority_box.setToolTip("Change the ticket's priority (sent to the server at once)")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip("Edit the subject, message and contact details (Ctrl+E)")
        self.edit_button.setAccessibleName("Edit ticket")
        self.edit_button.clicked.connect(self.edit_ticket)
        self.status_box.activated.connect(self._status_chosen)
        self.priority_box.activated.connect(self._priority_chosen)
        self.saving = BusyWords([f"Saving {field}…" for field in SAVING], "Saving", bar_width=24)

        self.team_row = TeamRow(controller)
        self.history_label = QLabel()
        self.history_label.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text only
        self.history_label.setWordWrap(True)
        self.history_label.setAccessibleName("The requester's other tickets")
        self.history_label.setToolTip("Other tickets from this requester (same e-mail, or phone in team mode); "
                                      "click one to open it")
        self.history_label.linkActivated.connect(self._link_clicked)
        self.history_label.hide()
        self.orders_label = QLabel()
        self.orders_label.setTextFormat(Qt.TextFormat.RichText)  # only digits we matched go in
        self.orders_label.setAccessibleName("Orders mentioned")
        self.orders_label.setToolTip("Orders mentioned in this ticket; click to open one in the Orders tab")
        self.orders_label.linkActivated.connect(self._link_clicked)
        self.thread = QTextBrowser()
        self.thread.setOpenLinks(False)  # we route links: orders to the Orders tab, the rest to the OS
        self.thread.anchorClicked.connect(self._anchor_clicked)
        self.thread.setAccessibleName("Conversation")
        self.thread.setToolTip("The original message and the replies, oldest first (a long thread opens with its "
                                "latest 50: click Show earlier replies for the rest)")
        self.thread.document().setDefaultStyleSheet(THREAD_CSS)

        self.from_label = _label("Replying as", selectable=False)
        self.composer = ReplyBox()
        self.composer.setPlaceholderText(WRITE_HERE)
        self.composer.setAccessibleName("Reply")
        self.composer.setToolTip("Your reply; it is kept as a draft until the server has it. Drag the bar above "
                                 "it for a taller box.")
        self.composer.setTabChangesFocus(True)
        self.reply_splitter = QSplitter(Qt.Orientation.Vertical)  # the thread above, the reply box below
        self.reply_splitter.setChildrenCollapsible(False)
        self.reply_splitter.addWidget(self.thread)
        self.reply_splitter.addWidget(self.composer)
        self.reply_splitter.setStretchFactor(0, 1)  # a taller window gives the thread the room
        self.reply_splitter.setStretchFactor(1, 0)
        self.reply_splitter.setAccessibleName("Thread and reply box")
        self.send_progress = SendProgress()
        self.reply_row = QStackedWidget()  # who replies, or how the send is going: the same room either way
        self.reply_row.addWidget(self.from_label)
        self.reply_row.addWidget(self.send_progress)
        self.send_button = QPushButton("&Send")
        self.send_button.setToolTip("Send the reply (Ctrl+Enter)")
        self.send_button.setAccessibleName("Send reply")
        self.send_button.clicked.connect(self.send)
        self.signature = ""  # appended to every reply sent from here (this agent, this environment)
        self.signature_button = QToolButton()
        self.signature_button.setText("Si&gnature…")
        self.signature_button.setAccessibleName("Signature")
        self.signature_button.clicked.connect(self.signature_requested.emit)
        self.send_status_button = QToolButton()
        self.send_status_button.setText("Send and set status")
        self.send_status_button.setToolTip("Send the reply, then change the ticket's status")
        self.send_status_button.setAccessibleName("Send and set status")
        self.send_status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.send_status_button)
        for status in (Status.AWAITING_USER, Status.IN_PROGRESS, Status.REVIEW, Status.CLOSED):
            action = menu.addAction(f"Send and set {status.value.replace('_', ' ').title()}")
            action.setData(status.value)
        menu.triggered.connect(self._send_with_status)
        self.send_status_button.setMenu(menu)

        self.send_action = QAction("Send reply", self)
        self.send_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.send_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.send_action.triggered.connect(self.send)
        self.addAction(self.send_action)
        back = QAction(self)
        back.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self.list_requested.emit)
        self.addAction(back)
        self._reply_pending: int | None = None  # the ticket whose reply box gets the cursor once it is shown

        header = QFormLayout()
        header.addRow(self.title)
        contact = QHBoxLayout()
        contact.addWidget(self.number_label)
        contact.addWidget(self.requester_label)
        contact.addWidget(self.email_label)
        contact.addWidget(self.phone_label)
        contact.addStretch(1)
        header.addRow(contact)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Status:"))
        controls.addWidget(self.status_box)
        controls.addWidget(QLabel("Priority:"))
        controls.addWidget(self.priority_box)
        controls.addWidget(self.saving)
        controls.addStretch(1)
        controls.addWidget(self.edit_button)
        header.addRow(controls)
        header.addRow(self.team_row)
        header.addRow(self.orders_label)
        header.addRow(self.history_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reply_row, 1)
        buttons.addWidget(self.signature_button)
        buttons.addWidget(self.send_status_button)
        buttons.addWidget(self.send_button)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(header)
        body.addWidget(self.reply_splitter, 1)
        body.addLayout(buttons)
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self.body, 1)
        self.body.hide()

        self.composer.textChanged.connect(self.save_draft)  # every change, at once: kill -9 loses nothing
        self.set_agent(agent)
        controller.ticket_shown.connect(self.show_ticket)
        controller.opening.connect(self.show_opening)
        controller.current_changed.connect(self._current_changed)
        controller.busy_changed.connect(self._busy_changed)
        controller.history_shown.connect(self.show_history)
        controller.draft_changed.connect(self._draft_changed)
        theme.palette_changes().connect(self._palette_changed)
        controller.send_phase.connect(self._send_phase)
        controller.agents_changed.connect(self._agents_changed)

    # ------------------------------------------------------------ showing

    @property
    def ticket(self) -> Ticket | None:
        return self._ticket

    def set_service(self, agent: Agent) -> None:
        """Another environment: nothing of the previous one stays on screen (nor an Undo for it)."""
        self._withdraw_undo()
        self._status_on_send.clear()
        self._change_field = None
        self._set_changing(None)
        self.banner.hide()
        self.set_agent(agent)

    def set_agent(self, agent: Agent) -> None:
        self.agent = agent
        self._say_who()

    def _say_who(self) -> None:
        """Who replies, signed or not, and the status a canned reply will set: in view until the reply goes."""
        agent = self.agent
        name = " ".join(p for p in (agent.first_name, agent.last_name) if p) or "(no name set)"
        status = self.status_on_send()
        self.from_label.setText(f"Replying as {name} <{agent.email_address or 'no e-mail set'}>"
                                + (", signed" if self.signature.strip() else "")
                                + (f"; sending sets {status.replace('_', ' ').title()}" if status else ""))

    def set_signature(self, text: str) -> None:
        """What every reply sent from here ends with ('' none); shown on the button's tooltip."""
        self.signature = text
        first = single_line(text.strip().splitlines()[0][:80]) if text.strip() else ""
        self.signature_button.setToolTip(
            "<p>" + html.escape(f"Your signature, added to every reply you send: \u201c{first}\u201d"
                                + ("…" if "\n" in text.strip() else "")) + "</p>" if first else
            "Add a signature to every reply you send")
        self.set_agent(self.agent)

    @Slot(object)
    def show_ticket(self, ticket: Ticket) -> None:
        """Shows ``ticket`` (the ticket owner has already dropped copies older than the one on screen);
        switching to another ticket first keeps the current draft."""
        switching = self._ticket is None or self._ticket.ticket_number != ticket.ticket_number
        if switching:
            self.save_draft()
            self.banner.hide()
            self.history_label.hide()  # the requester's other tickets follow for this one
            self._folded = _first_shown(ticket)  # new replies then add below, nothing jumps
        self._ticket = ticket
        if switching:
            self._say_who()  # this ticket's pending status, if a canned reply set one
        self.placeholder.hide()
        self.body.show()
        subject = ticket.subject or "(no subject)"
        shown = single_line(subject[:TITLE_CHARS]) + ("…" if len(subject) > TITLE_CHARS else "")
        self.title.setText(shown)  # a long subject is cut to a couple of lines; all of it on hover and in Edit
        self.title.setToolTip("<p>" + html.escape(single_line(subject[:TOOLTIP_CHARS])) + "</p>")
        self.number_label.setText(f"#{ticket.ticket_number}")
        self.requester_label.setText(single_line((ticket.requester or "")[:TITLE_CHARS]))
        email = ticket.email_address or ""
        self.email_label.setText(
            f'<a href="mailto:{html.escape(quote(email, safe="@+"), quote=True)}">{html.escape(email)}</a>'
            if email else ""
        )
        self.phone_label.setText(ticket.phone_number or "")
        self._set_combo(self.status_box, str(ticket.status or ""))
        self._set_combo(self.priority_box, str(ticket.priority or ""))
        self._render_thread(ticket, keep_position=not switching)
        mentioned = order_numbers(ticket.subject, ticket.message,  # the thread's latest replies, not all 100,000
                                  *(r.message for r in ticket.replies[-LATEST_REPLIES:]))
        self.orders_label.setText(
            "Orders mentioned: " + ", ".join(f'<a href="order:{n}">#{n}</a>' for n in mentioned) if mentioned else ""
        )
        self.orders_label.setVisible(bool(mentioned))
        if switching:
            self._show_draft(self._controller.draft(ticket.ticket_number))
        self._update_busy()
        if self._reply_pending == ticket.ticket_number:
            self._reply_pending = None
            self.composer.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_composer(self, number: int | None = None) -> None:
        """The cursor to the reply box: now, or once ``number`` is on screen (it may still be opening)."""
        if number is not None and not self._is_current(number):
            self._reply_pending = number
            return
        if self._ticket is not None:
            self._reply_pending = None
            self.composer.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(object)
    def show_opening(self, number: int) -> None:
        """No stored copy: say so in the pane itself while the server is asked."""
        self.save_draft()
        self._ticket = None
        self.body.hide()
        self.banner.hide()
        self.placeholder.setText(f"Opening #{number}…")
        self.placeholder.show()

    @Slot(object)
    def _draft_changed(self, number: int) -> None:
        """An earlier send was settled after a restart: the composer shows what is left to send (or nothing)."""
        if self._is_current(number):
            text = self._controller.draft(number)
            if text != self.composer.toPlainText():  # unchanged: the cursor stays where the agent is typing
                self._show_draft(text)

    def _show_draft(self, text: str) -> None:
        """The reply box shows ``text`` (already stored): a fresh undo history, the cursor at its end."""
        self.composer.blockSignals(True)
        self.composer.setPlainText(text)
        self.composer.moveCursor(QTextCursor.MoveOperation.End)
        self.composer.blockSignals(False)
        self.composer.update_count()

    @Slot(object)
    def _current_changed(self, number: int | None) -> None:
        if number is None:
            self.clear()
        elif self._ticket is not None and self._ticket.ticket_number != number:
            self.save_draft()  # the stored copy (or "Opening…") follows

    @Slot(object, object)
    def show_history(self, number: int, others: list[tuple[int, str, str]]) -> None:
        """The requester's other tickets under the header, each a link (text escaped, never interpreted)."""
        if not self._is_current(number):
            return
        links = [f'<a href="ticket:{n}">#{n}</a> {html.escape(_short(subject))} '
                 f'({html.escape(status.replace("_", " ").title())})' for n, subject, status in others[:HISTORY_SHOWN]]
        more = f" and {len(others) - HISTORY_SHOWN} more" if len(others) > HISTORY_SHOWN else ""
        self.history_label.setText("Also from this requester: " + ", ".join(links) + more if links else "")
        self.history_label.setVisible(bool(links))

    def clear(self) -> None:
        self.save_draft()
        self._ticket = None
        self.body.hide()
        self.placeholder.setText(PLACEHOLDER)
        self.placeholder.show()

    @Slot(object)
    def _busy_changed(self, number: int) -> None:
        if self._is_current(number):
            self._update_busy()

    def _update_busy(self) -> None:
        if self._ticket is None:
            return
        number = self._ticket.ticket_number
        self._set_sending(self._controller.is_sending(number))
        mine = self._change_field[0] if self._change_field is not None and self._change_field[3] == number else None
        self._set_changing(mine or self._controller.changing_field(number),
                           busy=self._change_field is not None or self._controller.is_changing(number))

    @Slot(object, str)
    def _send_phase(self, number: int, _phase: str) -> None:
        if self._is_current(number):
            self._set_sending(True)

    @Slot()
    def _agents_changed(self) -> None:
        if self._ticket is not None:
            self._render_thread(self._ticket, keep_position=True)

    def _render_thread(self, ticket: Ticket, *, keep_position: bool) -> None:
        """Lays the thread out again only when its text changed: at 500 replies that costs about 100 ms.

        Opening a ticket shows the stored copy, then the server's, usually the same; and a
        selection the agent made in the thread survives a refresh that brought nothing new.
        """
        number = ticket.ticket_number
        if self._first_seen[0] != number or not self._first_seen[1]:
            self._first_seen = (number, self._controller.first_seen(number))
        html = render_thread(ticket, self.agent.email_address, folded=self._folded,
                             agents=self._controller.agent_addresses, first_seen=self._first_seen[1])
        if keep_position and html == self._thread_html:
            return
        bar = self.thread.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        position = bar.value()
        self._thread_html = html
        self.thread.setHtml(html)
        bar.setValue(bar.maximum() if (not keep_position or at_end) else position)

    @Slot()
    def _palette_changed(self) -> None:
        """Light/Dark switched: the thread's links take their colour when its HTML is set, so set it again."""
        if self._ticket is not None:
            self._thread_html = ""
            self._render_thread(self._ticket, keep_position=True)

    def _scroll_to_end(self) -> None:
        bar = self.thread.verticalScrollBar()
        bar.setValue(bar.maximum())

    @staticmethod
    def _set_combo(box: QComboBox, value: str) -> None:
        index = box.findData(value)
        if index < 0 and value:  # a status the server invented: show it rather than lie
            box.addItem(value, value)
            index = box.count() - 1
        box.setCurrentIndex(index)

    @Slot(QUrl)
    def _anchor_clicked(self, url: QUrl) -> None:
        self._link_clicked(url.toString())

    @Slot(str)
    def _link_clicked(self, link: str) -> None:
        url = QUrl(link)
        if link == SHOW_EARLIER and self._ticket is not None:
            self._folded = _earlier_page(self._ticket, self._folded)  # a page at a time: 100,000 would stall it
            self._render_thread(self._ticket, keep_position=False)
            self.thread.verticalScrollBar().setValue(0)  # the agent asked for the start of the thread
        elif link.startswith(WHOLE_MESSAGE) and link[len(WHOLE_MESSAGE):].isdigit() and self._ticket is not None:
            text = message_of(self._ticket, int(link[len(WHOLE_MESSAGE):]))
            if text is not None:
                from .whole_message import WholeMessage

                viewer = WholeMessage(f"#{self._ticket.ticket_number}: the whole message", text, self)
                viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                self.whole_message = viewer
                viewer.open()
        elif url.scheme() == "order" and url.path().isdigit():
            self.order_requested.emit(int(url.path()))
        elif url.scheme() == "ticket" and url.path().isdigit():
            self._controller.open(int(url.path()))
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)

    # ------------------------------------------------------------ drafts

    @Slot()
    def save_draft(self) -> None:
        """Writes the composer to the store at every change, on switch and on quit; a refusal stays on screen."""
        if self._ticket is None:
            return
        problem = self._controller.save_draft(self._ticket.ticket_number, self.composer.toPlainText())
        if problem:
            self.banner.show_message(problem)
        elif self._draft_unsaved:
            self.banner.hide()  # saved again
        self._draft_unsaved = bool(problem)

    # ------------------------------------------------------------ sending

    @Slot()
    def send(self, *, status: str | None = None, force: bool = False, despite_colleagues: bool = False) -> None:
        """``despite_colleagues``: the agent saw that a colleague is replying right now and sends anyway (the
        vendor's copy is still checked first, unless ``force``)."""
        if self._ticket is None:
            return
        if self._controller.is_sending(self._ticket.ticket_number):
            self.banner.show_message("Your reply to this ticket is still on its way; this one is kept as a draft: "
                                     "send it when that one is done.", kind="info")
            self._wait_told = True  # said while it was on its way: gone once it has arrived
            return
        if self._controller.sending_any:
            self.banner.show_message("Another reply is still being sent; send this one when it is done.",
                                     kind="info")
            return
        if self._controller.earlier_send_unsettled(self._ticket.ticket_number):
            self.banner.show_message("A reply you sent to this ticket before the app stopped is being looked for "
                                     "on the server first (so it is never sent twice); send this one when that is "
                                     "told.", kind="info")
            return
        text = self.composer.toPlainText()
        if not text.strip():
            self.banner.show_message("Write a reply before sending.", kind="info")
            self.composer.setFocus()
            return
        if not self.agent.email_address:
            self.banner.show_message("Set your e-mail address in the settings before replying.")
            return
        number = self._ticket.ticket_number
        replying = [p.who for p in self._controller.presence.colleagues_on(number) if p.state == "replying"]
        if replying and not despite_colleagues:
            self.banner.show_message(
                f"{', '.join(replying)} {'is' if len(replying) == 1 else 'are'} writing a reply to this ticket right "
                "now. Wait for it, or send yours anyway.", kind="info", action_text="Send &anyway",
                retry=lambda: self.send(status=status, force=force, despite_colleagues=True))
            return
        self.banner.hide()
        canned = self._status_on_send.pop(number, None)  # a canned reply's status goes with this send
        self._say_who()
        self._canned_status[number] = canned
        if status is None:
            status = canned
        self._pending_status = status
        self._failed_number = number
        problem = self._controller.send_reply(self._ticket, self.agent, text, status=status, force=force,
                                              signature=self.signature, on_done=self._send_done,
                                              on_error=self._send_error)
        self._show_draft("")  # the text on its way is fixed; what is typed now is the next reply
        if problem:
            self.banner.show_message(problem)

    def insert_reply(self, text: str, status: str = "") -> None:
        """A canned reply at the cursor (one undo step, saved as the draft like typing); its ``status`` is set
        when this reply is sent, unless the agent says otherwise."""
        if self._ticket is None:
            return
        number = self._ticket.ticket_number
        cursor = self.composer.textCursor()
        before = self.composer.document().characterAt(cursor.selectionStart() - 1) if cursor.selectionStart() else ""
        if before and not before.isspace() and text and not text[0].isspace():
            text = " " + text  # not glued to the word before the cursor
        self.composer.insertPlainText(text)
        QTimer.singleShot(0, self.composer, self.composer.setFocus)  # once the picker has given focus back
        if status:
            self._status_on_send[number] = status
            self._say_who()
            words = status.replace("_", " ").title()
            self.banner.show_message(f"Sending this reply sets the status to {words}.", kind="info",
                                     action_text="&Keep the status", retry=lambda: self._keep_status(number))

    def _keep_status(self, number: int) -> None:
        self._status_on_send.pop(number, None)
        self._say_who()
        self.banner.hide()

    def status_on_send(self) -> str:
        """The status a canned reply asked to set when the open ticket's reply is sent ('' none)."""
        return self._status_on_send.get(self._ticket.ticket_number, "") if self._ticket is not None else ""

    @Slot(object)
    def _send_with_status(self, action: QAction) -> None:
        self.send(status=action.data())

    def _is_current(self, number: int) -> bool:
        return self._ticket is not None and self._ticket.ticket_number == number

    def _take_back(self, number: int) -> None:
        """The reply did not go: its text is back in the reply box, in front of what was typed meanwhile (and a
        canned reply's status with it, unless another canned reply asked for one since)."""
        canned = self._canned_status.pop(number, None)
        if canned:
            self._status_on_send.setdefault(number, canned)
            self._say_who()
        current = self._is_current(number)
        text = self._controller.reply_ended(number, sent=False,
                                            typed=self.composer.toPlainText() if current else None)
        if current and text is not None:
            self._show_draft(text)

    @Slot(object)
    def _send_done(self, result: Any) -> None:
        if isinstance(result, Collision):
            number = result.ticket.ticket_number
            self._take_back(number)
            self.ticket_changed.emit(result.ticket)
            if self._is_current(number):
                status = self._pending_status
                self.banner.show_message(
                    result.describe() + " Read the thread above, then send anyway or revise your reply.",
                    kind="info", retry=lambda: self.send(status=status, force=True), action_text="Send &anyway",
                )
            else:  # the agent moved on: say so here; the text waits as #number's draft
                self.banner.show_message(
                    f"Your reply to #{number} was not sent: {result.describe()} It is kept as a draft there."
                )
            self.collision_found.emit(result.describe())
            return
        number = result.ticket.ticket_number
        self._controller.reply_ended(number, sent=True)  # what was typed meanwhile stays, as the next draft
        self._canned_status.pop(number, None)  # a canned reply's status went with it (not the next reply's)
        if self._is_current(number):
            if self._wait_told and self.banner.kind() == "info":
                self.banner.hide()
            self._scroll_to_end()
            QTimer.singleShot(0, self._scroll_to_end)  # and once the thread's new layout is done
        self._wait_told = False
        if result.warning:
            self.banner.show_message(result.warning, kind="info")
        self.ticket_changed.emit(result.ticket)
        self.reply_sent.emit(number)

    @Slot(object)
    def _send_error(self, error: ApiError) -> None:
        number = self._failed_number
        self._take_back(number)
        safe = isinstance(error, (NetworkError, ServerError)) and not error.maybe_applied
        if self._is_current(number):
            status = self._pending_status
            self.banner.show_message(
                f"The reply was not sent: {error.message} Your text is kept.",
                retry=(lambda: self.send(status=status)) if safe else None,
            )
        else:
            self.banner.show_message(
                f"Your reply to #{number} was not sent: {error.message} It is kept as a draft there."
            )
        self.send_failed.emit(error.message)

    def _set_sending(self, sending: bool) -> None:
        """The reply box stays open for the next reply; Send waits; the phase is said where "Replying as" was."""
        self.send_button.setEnabled(not sending)
        self.send_status_button.setEnabled(not sending)
        self.composer.setPlaceholderText(WRITE_NEXT if sending else WRITE_HERE)
        self.composer.viewport().update()  # Qt repaints a placeholder only when it appears or goes
        if sending and self._ticket is not None:
            number = self._ticket.ticket_number
            self.send_progress.show_send(self._controller.send_phase_of(number), self._controller.sending_text(number))
            self.reply_row.setCurrentWidget(self.send_progress)
        else:
            self.send_progress.clear()
            self.reply_row.setCurrentWidget(self.from_label)

    # ------------------------------------------------------ editing

    @Slot()
    def edit_ticket(self) -> None:
        if self._ticket is None:
            return
        dialog = EditTicketDialog(self._controller, self._ticket, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._change_done_edit)
        self.edit_dialog = dialog
        dialog.open()

    @Slot(object)
    def _change_done_edit(self, ticket: Ticket) -> None:
        self.ticket_changed.emit(ticket)

    # ------------------------------------------------------ status/priority

    @Slot(int)
    def _status_chosen(self, _index: int) -> None:
        self._change("status", self.status_box)

    @Slot(int)
    def _priority_chosen(self, _index: int) -> None:
        self._change("priority", self.priority_box)

    def _change(self, field: str, box: QComboBox) -> None:
        """One change at a time: both controls wait until the server has answered."""
        if self._ticket is None or self._change_field is not None:
            return
        number = self._ticket.ticket_number
        value = box.currentData()
        current = str(getattr(self._ticket, field) or "")
        if value == current or self._controller.is_changing(number):
            return
        self._withdraw_undo()
        self._change_field = (field, box, current, number, value, False)
        self._controller.change(number, field, value, on_done=self._change_done, on_error=self._change_error)
        self._update_busy()

    def undo_change(self) -> None:
        """The status bar's Undo: the agent's last status or priority change, within UNDO_MS, sent back."""
        last, self._last_change = self._last_change, None
        self._withdraw_undo()
        if last is None:
            return
        number, field, old, new = last
        if self._change_field is not None or self._controller.is_changing(number):
            self.undo_told.emit(f"Not undone: another change to #{number} is on its way; change it back by hand "
                                "once it is saved.")
            return
        box = (self.status_box if field == "status" else self.priority_box) if self._is_current(number) else None
        if box is not None:
            self._set_combo(box, old)
        self._change_field = (field, box, new, number, old, True)
        self._controller.change(number, field, old, on_done=self._change_done, on_error=self._change_error)
        self._update_busy()

    def _withdraw_undo(self) -> None:
        if self.undo_timer.isActive() or self._last_change is not None:
            self.undo_timer.stop()
            self._last_change = None
            self.undo_withdrawn.emit()

    def _set_changing(self, field: str | None, *, busy: bool | None = None) -> None:
        """Status and priority wait while either is saved (or a reply will set the status); the words say which."""
        busy = field is not None if busy is None else busy
        self.status_box.setEnabled(not busy)
        self.priority_box.setEnabled(not busy)
        self.saving.say(f"Saving {field}…" if busy and field else "")

    @Slot(object)
    def _change_done(self, ticket: Ticket) -> None:
        field, _box, old, number, value, undoing = self._change_field
        self._change_field = None
        self._controller.change_ended(number)
        self._update_busy()
        self.ticket_changed.emit(ticket)
        words = str(value).replace("_", " ").title()
        if undoing:
            self.undo_told.emit(f"Undone: the {field} of #{number} is {words} again.")
        elif old:
            self._last_change = (number, field, old, value)
            self.undo_timer.start()
            self.undo_offered.emit(f"#{number}: {field} set to {words}.")

    @Slot()
    def _undo_expired(self) -> None:
        self._last_change = None
        self.undo_withdrawn.emit()

    @Slot(object)
    def _change_error(self, error: ApiError) -> None:
        field, box, old, number, _value, undoing = self._change_field
        self._change_field = None
        self._controller.change_ended(number)
        self._update_busy()
        if self._is_current(number) and box is not None:
            self._set_combo(box, old)  # roll back: the server did not take it
        what = "changed back" if undoing else "changed"
        self.banner.show_message(f"The {field} of #{number} was not {what}: {error.message}")
