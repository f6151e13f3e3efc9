"""The main window: the Tickets tab (list beside the open ticket), menus, toolbar and status bar.

Layout and wiring only: the ticket controller decides and owns the list's model; panes present.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Order, Priority, Status, Ticket
from ..canned import Template, fill

if TYPE_CHECKING:
    from ..services.canned_replies import CannedReplies, Library
from ..controller import TicketController
from ..plain_text import single_line
from ..saved_views import SavedViews
from ..services.orders import OrderService
from ..services.tickets import Agent
from ..settings import load_signature, save_signature
from ..spelling import Speller
from ..tasks import BACKGROUND
from .banner import Banner
from .bulk_bar import BulkBar
from .new_ticket_dialog import NewTicketDialog
from .orders_tab import OrdersTab
from .spell_check import SpellCheck
from .ticket_detail import TicketDetailPane
from .ticket_list import TicketListPane
from .welcome import WelcomeView

log = logging.getLogger(__name__)

LIST_SHARE = 0.62  # of the window's width, for the list at first run: its columns need it, the ticket the rest
ENVIRONMENT_COLOURS = {"Sandbox": "#2e7d32", "Beta": "#ef6c00", "Production": "#c62828"}


def environment_colour(environment: str) -> str:
    """Production is red so nobody answers a real customer thinking it is the sandbox."""
    return ENVIRONMENT_COLOURS.get(environment, "#6a1b9a")


class MainWindow(QMainWindow):
    settings_requested = Signal()
    explore_requested = Signal()
    about_requested = Signal()

    def __init__(self, controller: TicketController, environment: str, agent: Agent,
                 notice: str = "", settings: QSettings | None = None):
        super().__init__()
        self.controller = controller
        self._runner = controller.runner
        self._environment = environment
        self._settings = settings or QSettings()
        self._orders: OrderService | None = None
        self.speller: Speller | None = None  # loaded on a worker (use_spelling); None: no underlines
        self._spelling_wanted: tuple[str, Path | None] = ("", None)
        self._spelling_asked = False
        self._picking = False  # the canned replies are being read for the picker
        self._bulk_asked = ("", "")  # (field, value) of the last change to several tickets: "Try again" sends it
        self.resize(1200, 760)

        self.model = controller.model
        self.list_pane = TicketListPane(self.model)
        self.list_banner = Banner()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list_banner)
        left_layout.addWidget(self.list_pane, 1)
        self.detail = TicketDetailPane(controller, agent)
        self.composer_spelling = SpellCheck(self.detail.composer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)  # a bigger window widens both; the list does not take it all
        self.splitter.setStretchFactor(1, 1)
        self._share_kept = False  # first run: the list keeps LIST_SHARE of the width until the agent drags
        self.splitter.splitterMoved.connect(self._share_dragged)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workspace tabs")
        self.tabs.addTab(self.splitter, "T&ickets")  # Alt+T is the Ticket menu
        self.tabs.setTabToolTip(0, "Tickets tracked on this workstation (Ctrl+1)")
        self.orders_tab = OrdersTab(self._runner, None)
        self.tabs.addTab(self.orders_tab, "&Orders")
        self.tabs.setTabToolTip(1, "Look up orders and attach diagnostics (Ctrl+2)")
        self.welcome = WelcomeView()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.welcome)
        self.setCentralWidget(self.pages)

        self._build_actions()
        self._build_status_bar()

        self.list_pane.ticket_chosen.connect(controller.open)
        self.list_pane.reply_requested.connect(self.detail.focus_composer)
        self.detail.list_requested.connect(self.list_pane.focus_list)
        self.list_pane.searched.connect(controller.search)
        controller.current_changed.connect(self.list_pane.follow)
        controller.notice.connect(self._notice)
        controller.open_failed.connect(self._open_failed)
        controller.refresh_failed.connect(self._refresh_failed)
        controller.list_loading.connect(self._list_loading)
        controller.list_failed.connect(self._list_failed)
        controller.list_loaded.connect(self.list_pane.show_count)
        controller.status_message.connect(self._status_message)
        controller.refresh_state.connect(self._refresh_state)
        controller.team_state.connect(self._team_state)
        controller.team_detail.connect(self.team_label.setToolTip)
        controller.assignment_told.connect(lambda _number, words, _done: self._status_message(words))
        controller.bulk_progress.connect(self.bulk_bar.show_progress)
        controller.bulk_finished.connect(self._bulk_finished)
        controller.local_undo_offered.connect(self._offer_local_undo)
        controller.local_undo_withdrawn.connect(self._withdraw_local_undo)
        self.bulk_bar.cancel_requested.connect(controller.cancel_many)
        self.list_pane.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_pane.table.customContextMenuRequested.connect(self._list_menu)
        self.detail.order_requested.connect(self.open_order)
        self.orders_tab.new_ticket_requested.connect(self.new_ticket_for_order)
        self.orders_tab.diagnostic_requested.connect(self.add_diagnostic)
        self.welcome.connect_requested.connect(self.settings_requested)
        self.welcome.explore_requested.connect(self.explore_requested)
        self.model.modelReset.connect(self._update_title)
        self.model.dataChanged.connect(self._update_title)
        self.show_environment(environment, agent)
        if notice:
            self.list_banner.show_message(notice, kind="info")
        self._restore_layout()

    def show_environment(self, environment: str, agent: Agent, orders: OrderService | None = None) -> None:
        """Switches environment without a restart: the panes, the indicator and its colour (the controller
        has the data)."""
        connected = self.controller.connected
        listed = connected or self.controller.repository is not None  # the stored list shows before the server
        self.detail.clear()
        self._orders = orders
        self.orders_tab.set_service(orders)
        self._environment = environment
        self.detail.set_service(agent)
        self.detail.set_signature(load_signature(self._settings, environment, agent.email_address))
        self.list_pane.set_me(agent.email_address)
        self.list_pane.set_team(self.controller.in_team)
        tickets = self.controller.tickets  # the saved views are this environment's
        self.list_pane.set_saved_views(SavedViews(tickets.store, tickets.env) if tickets is not None else None)
        for action in (self.take_action, self.give_action, self.release_action):
            action.setVisible(self.controller.in_team)
        self.controller.agent_email = agent.email_address
        for action in (self.new_action, self.open_action, self.refresh_action, self.remove_action, self.edit_action):
            action.setEnabled(connected)
        self.pages.setCurrentWidget(self.tabs if listed else self.welcome)
        (self.list_pane.filter_edit if listed else self.welcome.connect_button).setFocus()
        self.environment_label.setText(f"  {environment}  ")
        colour = environment_colour(environment)
        self.environment_label.setStyleSheet(
            f"QLabel {{ background: {colour}; color: white; font-weight: bold; border-radius: 3px; }}"
        )
        self.refreshed_label.setText("Not refreshed yet")
        self.refreshed_label.setVisible(connected)
        self.list_banner.hide()
        self.welcome.banner.hide()
        self._update_title()

    @Slot()
    def _list_loading(self) -> None:
        self.list_pane.count_label.setText("Loading the ticket list…")

    @Slot(str)
    def _list_failed(self, text: str) -> None:
        self.list_pane.show_count()  # instead of "Loading…"
        self.notify(text, retry=self.controller.reload_list)

    @Slot(str, str)
    def _notice(self, text: str, kind: str) -> None:
        self.notify(text, kind=kind)

    @Slot(str, bool)
    def _open_failed(self, text: str, can_retry: bool) -> None:
        self.notify(text, retry=self.controller.retry_open if can_retry else None)

    @Slot(str)
    def _refresh_failed(self, text: str) -> None:
        self.notify(text, retry=self.refresh)

    @Slot(str)
    def _status_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    @Slot()
    def edit_signature(self) -> None:
        from .signature_dialog import SignatureDialog

        dialog = SignatureDialog(self.detail.signature, self._environment, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._signature_saved)
        self.signature_dialog = dialog
        dialog.open()

    @Slot(str)
    def _signature_saved(self, text: str) -> None:
        save_signature(self._settings, self._environment, self.detail.agent.email_address, text)
        self.detail.set_signature(text)

    @Slot(str)
    def _offer_undo(self, text: str) -> None:
        """The detail pane's status or priority change: the one Undo button sends the previous value back."""
        self.controller.withdraw_local_undo()  # one Undo at a time: the latest action is the one undone
        self._show_undo(text, "change", "Send the previous value back to the server")

    @Slot(str)
    def _offer_local_undo(self, text: str) -> None:
        """Several tickets marked read/unread or removed: the same button puts them back (on this computer)."""
        self._show_undo(text, "local", "Put the tickets back as they were (on this computer only)")

    def _show_undo(self, text: str, kind: str, tip: str) -> None:
        self._undo_kind = kind
        self.undo_label.setText(text)
        self.undo_button.setToolTip(tip)
        self.undo_label.show()
        self.undo_button.show()

    @Slot()
    def _undo(self) -> None:
        if self._undo_kind == "local":
            self.controller.undo_local()
        else:
            self.detail.undo_change()

    @Slot()
    def _withdraw_undo(self) -> None:
        if self._undo_kind == "change":
            self._hide_undo()

    @Slot()
    def _withdraw_local_undo(self) -> None:
        if self._undo_kind == "local":
            self._hide_undo()

    def _hide_undo(self) -> None:
        self._undo_kind = ""
        self.undo_label.hide()
        self.undo_button.hide()

    @Slot(str)
    def _refresh_state(self, text: str) -> None:
        self.refreshed_label.setText(text)

    @Slot(str)
    def _team_state(self, text: str) -> None:
        self.team_label.setText(text)
        self.team_label.setVisible(bool(text))

    def notify(self, text: str, *, kind: str = "error", retry=None, action_text: str = "&Retry") -> None:
        """A message in the banner the agent can see now: the welcome page's or the ticket list's."""
        banner = self.welcome.banner if self.pages.currentWidget() is self.welcome else self.list_banner
        banner.show_message(text, kind=kind, retry=retry, action_text=action_text)

    # ------------------------------------------------------------ building

    def _action(self, text: str, shortcut: QKeySequence | str | list, tip: str, slot, *,
                enabled: bool = True) -> QAction:
        action = QAction(text, self)
        keys = shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)]
        action.setShortcuts(keys)
        action.setToolTip(f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        action.setEnabled(enabled)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("&New ticket…", "Ctrl+N", "File a new ticket", self.new_ticket)
        self.open_action = self._action("&Open ticket #…", "Ctrl+L", "Open a ticket by its number",
                                        self.ask_ticket_number)
        self.refresh_action = self._action("&Refresh", [QKeySequence("F5")], "Fetch every listed ticket again",
                                           self.refresh)
        self.remove_action = self._action("Re&move from list", "Ctrl+Del",
                                          "Stop tracking the ticket here (the server keeps it); asks first",
                                          self.ask_remove)
        self.settings_action = self._action("&Settings…", [QKeySequence("Ctrl+,")],
                                            "Environment, API keys, your name and e-mail",
                                            self.settings_requested.emit)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = self._action("&Quit", "Ctrl+Q", "Close TOGaDesk Agent", self.close)
        self.filter_action = self._action("&Filter tickets", "Ctrl+F", "Type to filter the ticket list",
                                          self._focus_filter)
        self.next_action = self._action("&Next ticket", "Ctrl+Down", "Open the next ticket in the list",
                                        self._next)
        self.previous_action = self._action("&Previous ticket", "Ctrl+Up", "Open the previous ticket in the list",
                                            self._previous)
        self.tickets_tab_action = self._action("&Tickets tab", "Ctrl+1", "Show the Tickets tab",
                                               lambda: self.tabs.setCurrentIndex(0))
        self.orders_tab_action = self._action("&Orders tab", "Ctrl+2", "Show the Orders tab and its number field",
                                              self._show_orders)
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.new_action, self.open_action, self.refresh_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        ticket_menu = self.menuBar().addMenu("&Ticket")
        self.edit_action = self._action("&Edit ticket…", "Ctrl+E", "Edit the open ticket's subject, message "
                                        "and contact details", self.detail.edit_ticket)
        ticket_menu.addAction(self.edit_action)
        self.detail.send_action.setText("&Send reply")
        self.detail.send_action.setToolTip("Send the reply in the composer (Ctrl+Enter)")
        ticket_menu.addAction(self.detail.send_action)
        ticket_menu.addAction(self.remove_action)
        self._build_bulk_actions(ticket_menu)
        ticket_menu.addSeparator()
        row = self.detail.team_row
        self.take_action = self._action("Ta&ke it", "Ctrl+T", "Make the open ticket yours in the team", row.take)
        self.give_action = self._action("&Give to…", "Ctrl+G", "Give the open ticket to a teammate", row.give)
        self.release_action = self._action("Re&lease", "Ctrl+Shift+T", "Let go of the open ticket", row.release)
        for action in (self.take_action, self.give_action, self.release_action):
            action.setVisible(False)  # team mode only (assignment lives in the team's database)
            ticket_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        self.palette_action = self._action("&Command palette…", "Ctrl+K",
                                           "Every command by name, and any ticket by its number", self.show_palette)
        for action in (self.palette_action, self.filter_action, self.next_action, self.previous_action,
                       self.tickets_tab_action, self.orders_tab_action):
            view_menu.addAction(action)
        self.save_view_action = self._action("Save &view…", "Ctrl+Shift+S", "Save the list's filters and sort "
                                             "under a name (Views, above the list)",
                                             self.list_pane.views_bar.save_current)
        view_menu.addAction(self.save_view_action)
        self.about_action = QAction("&About TOGaDesk Agent", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.setStatusTip("Version, and where this app keeps its data and log")
        self.about_action.triggered.connect(self.about_requested.emit)
        self.reply_action = self._action("&Reply", "Ctrl+R", "Put the cursor in the open ticket's reply box",
                                         lambda: self.detail.focus_composer())  # not triggered's "checked"
        ticket_menu.insertAction(self.detail.send_action, self.reply_action)
        self.canned_action = self._action("Insert &canned reply…", "Ctrl+Shift+I",
                                          "Insert a canned reply into the open ticket's reply box, filled for it",
                                          self.pick_canned_reply)
        self.manage_canned_action = QAction("Canned replies…", self)  # no key of its own: the picker has Manage…
        self.manage_canned_action.setStatusTip("Add, edit, share, import and export canned replies")
        self.manage_canned_action.triggered.connect(self.manage_canned_replies)
        self.addAction(self.manage_canned_action)
        ticket_menu.insertAction(self.detail.send_action, self.canned_action)
        ticket_menu.insertAction(self.detail.send_action, self.manage_canned_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", [QKeySequence("F1"), QKeySequence("Ctrl+/")],
                                             "Every shortcut of this window", self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.journal_action = self._action("What this desk &sent…", "Ctrl+Shift+J",
                                           "Every reply, change and new ticket this desk sent, with its outcome",
                                           self.show_journal)
        help_menu.addAction(self.journal_action)
        help_menu.addAction(self.about_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setAccessibleName("Main toolbar")
        for action in (self.new_action, self.open_action, self.refresh_action):
            toolbar.addAction(action)

    def _build_bulk_actions(self, menu: QMenu) -> None:
        """Set status / priority, mark read / unread and remove for the selected rows (Shift/Ctrl-click,
        Shift+J/K, Ctrl+A in the list); enabled when more than one is selected (texts say how many)."""
        menu.addSeparator()
        self.status_many_menu = menu.addMenu("Set status of selected tickets")
        for status in Status:
            action = self.status_many_menu.addAction(status.value.replace("_", " ").title())
            action.triggered.connect(lambda _checked=False, value=status.value: self.change_selected("status", value))
        self.priority_many_menu = menu.addMenu("Set priority of selected tickets")
        for priority in Priority:
            action = self.priority_many_menu.addAction(priority.value.title())
            action.triggered.connect(lambda _checked=False, value=priority.value: self.change_selected("priority",
                                                                                                       value))
        self.mark_read_action = menu.addAction("Mark selected read")
        self.mark_read_action.triggered.connect(lambda: self.mark_selected(unread=False))
        self.mark_unread_action = menu.addAction("Mark selected unread")
        self.mark_unread_action.triggered.connect(lambda: self.mark_selected(unread=True))
        self.remove_many_action = menu.addAction("Remove selected from list")
        self.remove_many_action.triggered.connect(self.remove_selected)
        self.remove_many_action.setStatusTip("Stop tracking the selected tickets here (the server keeps them); "
                                             "Undo in the status bar puts them back")
        menu.aboutToShow.connect(self._update_bulk_actions)
        self._update_bulk_actions()

    @Slot()
    def _update_bulk_actions(self) -> None:
        """The bulk entries name how many tickets they act on; they wait while a change to several runs."""
        count = len(self.list_pane.selected_numbers()) if self.controller.connected else 0
        several = count > 1
        self.status_many_menu.setTitle(f"Set &status of {count} tickets" if several else "Set status of selected")
        self.priority_many_menu.setTitle(f"Set &priority of {count} tickets" if several
                                         else "Set priority of selected")
        for submenu in (self.status_many_menu, self.priority_many_menu):
            submenu.menuAction().setEnabled(several and not self.controller.bulk_running)
        self.mark_read_action.setText(f"Mark {count} &read" if several else "Mark selected read")
        self.mark_unread_action.setText(f"Mark {count} &unread" if several else "Mark selected unread")
        self.remove_many_action.setText(f"Remove {count} from &list" if several else "Remove selected from list")
        for action in (self.mark_read_action, self.mark_unread_action, self.remove_many_action):
            action.setEnabled(several)

    @Slot(object)
    def _list_menu(self, position) -> None:
        """Right-click in the list: the same bulk entries as the Ticket menu, for the rows selected."""
        self._update_bulk_actions()
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for submenu in (self.status_many_menu, self.priority_many_menu):
            menu.addMenu(submenu)
        for action in (self.mark_read_action, self.mark_unread_action, self.remove_many_action):
            menu.addAction(action)
        self.list_menu = menu
        menu.popup(self.list_pane.table.viewport().mapToGlobal(position))

    def change_selected(self, field: str, value: str) -> None:
        """The selected tickets' status or priority, one PUT after another in list order."""
        numbers = self.list_pane.selected_numbers()
        if len(numbers) > 1 and self.controller.change_many(numbers, field, value):
            self.list_banner.hide()
            self._bulk_asked = (field, value)

    @Slot(str, object, bool)
    def _bulk_finished(self, summary: str, not_changed: list[int], failed: bool) -> None:
        """The summary in the list's banner; what was not changed stays selected (Try again sends those)."""
        if not_changed:
            self.list_pane.set_selected(not_changed)
        field, value = self._bulk_asked
        again = (lambda: self.controller.change_many(not_changed, field, value)) if not_changed and field else None
        self.notify(summary, kind="error" if failed else "info", retry=again,
                    action_text=f"&Try {len(not_changed)} again")

    def mark_selected(self, *, unread: bool) -> None:
        self.controller.mark_many(self.list_pane.selected_numbers(), unread=unread)

    @Slot()
    def remove_selected(self) -> None:
        """Several at once leave the list without a question: Undo in the status bar lists them again."""
        numbers = self.list_pane.selected_numbers()
        if numbers:
            self.controller.remove_many(numbers)

    def _build_status_bar(self) -> None:
        self.environment_label = QLabel()
        self.environment_label.setAccessibleName("Environment")
        self.environment_label.setToolTip("Which server this window talks to (change it in Settings)")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(60)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.hide()
        self.busy_label = QLabel("Ready")
        self.busy_label.setAccessibleName("Activity")
        self.refreshed_label = QLabel("Not refreshed yet")
        self.refreshed_label.setAccessibleName("Last refresh")
        self.team_label = QLabel()
        self.team_label.setAccessibleName("Team")
        self.team_label.setToolTip("The team database this desk shares its tickets through")
        self.team_label.hide()
        self.undo_label = QLabel()
        self.undo_label.setAccessibleName("Last change")
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Send the previous value back to the server")
        self.undo_button.setAccessibleName("Undo the last change")
        self.undo_button.clicked.connect(self._undo)
        self._undo_kind = ""  # what the button undoes: "change" (the detail pane's) or "local" (bulk read/remove)
        self.bulk_bar = BulkBar()
        self.statusBar().addPermanentWidget(self.bulk_bar)
        for widget in (self.undo_label, self.undo_button):
            widget.hide()
            self.statusBar().addPermanentWidget(widget)
        self.detail.signature_requested.connect(self.edit_signature)
        self.detail.undo_offered.connect(self._offer_undo)
        self.detail.undo_withdrawn.connect(self._withdraw_undo)
        self.detail.undo_told.connect(self._status_message)
        self.statusBar().addPermanentWidget(self.team_label)
        self.statusBar().addPermanentWidget(self.refreshed_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.environment_label)
        self._runner.busy_changed.connect(self._show_busy)

    # ------------------------------------------------------------ tickets

    @Slot()
    def ask_ticket_number(self) -> None:
        text, ok = QInputDialog.getText(self, "Open ticket", "Ticket number:")
        if ok and text.strip():
            self.open_ticket_number(text.strip())

    def open_ticket_number(self, text: str | int) -> None:
        self.list_banner.hide()
        self.tabs.setCurrentIndex(0)
        if self.controller.open_number(text):
            self.list_pane.reveal(self.controller.current)
            self.detail.focus_composer(self.controller.current)  # the number, Return, then the reply

    @Slot()
    def _show_orders(self) -> None:
        self.tabs.setCurrentWidget(self.orders_tab)
        self.orders_tab.focus_number()

    @Slot(object)
    def open_order(self, number: int) -> None:
        """An order mentioned in a ticket: show it in the Orders tab."""
        self.tabs.setCurrentWidget(self.orders_tab)
        self.orders_tab.look_up(number)

    @Slot(object)
    def new_ticket_for_order(self, order: Order) -> None:
        prefill = {"email_address": order.email_address or "", "first_name": order.first_name or "",
                   "last_name": order.last_name or "", "subject": f"Order #{order.order_number}: "}
        self.tabs.setCurrentIndex(0)
        self.new_ticket(prefill)

    @Slot(object)
    def add_diagnostic(self, order: Order) -> None:
        if self._orders is None:
            return
        from .diagnostic_dialog import DiagnosticDialog  # with its file and system-information helpers: when used

        dialog = DiagnosticDialog(self._runner, self._orders, order, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sent.connect(self._diagnostic_sent)
        self.diagnostic_dialog = dialog
        dialog.open()

    @Slot(str)
    def _diagnostic_sent(self, when: str) -> None:
        self.orders_tab.show_history()
        self.orders_tab.banner.show_message(f"Diagnostic sent at {when}; the server accepted it.", kind="info")

    @Slot()
    def show_shortcuts(self) -> None:
        from .shortcut_sheet import ShortcutSheet

        sheet = ShortcutSheet(shortcut_rows(self), self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcut_sheet = sheet
        sheet.open()

    # ------------------------------------------------------------ spelling

    @property
    def spelling_language(self) -> str:
        """The dictionary asked for ('' : spelling off)."""
        return self._spelling_wanted[0]

    @property
    def spelling_asked(self) -> bool:
        """use_spelling has been called (at start, once the first frame is on screen)."""
        return self._spelling_asked

    def use_spelling(self, language: str, personal: Path | None) -> None:
        """Spelling in the reply box and the new-ticket message: the dictionary loads on a worker and the
        underlines appear when it is there; '' turns spelling off."""
        self._spelling_wanted = (language, personal)
        self._spelling_asked = True
        if not language:
            self._speller_loaded(None)
            return
        if self.speller is not None and self.speller.language == language:
            return
        self._runner.submit(Speller.load, language, personal, priority=BACKGROUND, on_done=self._speller_loaded,
                            on_error=self._speller_failed)

    @Slot(object)
    def _speller_loaded(self, speller: Speller | None) -> None:
        wanted = self._spelling_wanted[0]
        if speller is not None and speller.language != wanted:
            return  # another language was chosen while this one loaded
        if speller is None and wanted:
            self._status_message(f"Spelling is off: there is no dictionary for \u201c{wanted}\u201d.")
        self.speller = speller  # a New ticket form opened from now on checks its message too
        self.composer_spelling.set_speller(speller)

    @Slot(object)
    def _speller_failed(self, error: ApiError) -> None:
        log.warning("Spelling is off: the dictionary did not load (%s)", error.message)
        self._status_message(f"Spelling is off: the dictionary did not load. {error.message}")

    # ------------------------------------------------------------ canned replies

    def _canned(self) -> CannedReplies | None:
        from ..services.canned_replies import CannedReplies  # the team's driver with it: not part of start-up

        tickets = self.controller.tickets
        return CannedReplies(tickets.store, self.controller.team_registry) if tickets is not None else None

    @Slot()
    def pick_canned_reply(self) -> None:
        """Ctrl+Shift+I: the library is read on a worker (the team's is a network call), then the picker opens."""
        service = self._canned()
        if service is None or self.detail.ticket is None:
            self._status_message("Open a ticket first: a canned reply goes into its reply box.")
            return
        if self._picking:
            return  # the library is being read (the team's may be slow): one picker at a time
        self._picking = True
        self._runner.submit(service.read, on_done=self._show_picker, on_error=self._canned_failed)

    @Slot(object)
    def _show_picker(self, library: Library) -> None:
        from .canned_picker import CannedPicker

        self._picking = False
        ticket = self.detail.ticket
        if ticket is None:
            return
        agent = self.detail.agent
        picker = CannedPicker(library.templates, lambda t: fill(t.text, ticket, agent), library.problem, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self._insert_canned)
        picker.manage_requested.connect(self.manage_canned_replies)
        self.canned_picker = picker
        picker.open()

    @Slot(object)
    def _insert_canned(self, template: Template) -> None:
        ticket = self.detail.ticket
        if ticket is not None:
            self.detail.insert_reply(fill(template.text, ticket, self.detail.agent), template.status)

    @Slot()
    def manage_canned_replies(self) -> None:
        from .canned_library import CannedLibrary

        service = self._canned()
        if service is None:
            self._status_message("Canned replies are kept with this desk's tickets: connect to a server first.")
            return
        dialog = CannedLibrary(self._runner, service, self.speller, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.canned_library = dialog
        dialog.open()

    @Slot(object)
    def _canned_failed(self, error: ApiError) -> None:
        self._picking = False
        self.notify(f"Could not read the canned replies: {error.message}")

    @Slot()
    def show_palette(self) -> None:
        from .command_palette import CommandPalette, commands_of

        others = [a for a in self.actions() + self.detail.actions() if a is not self.palette_action]
        palette = CommandPalette(commands_of(others), self)
        palette.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        palette.open_requested.connect(self.open_ticket_number)
        self.command_palette = palette
        palette.open()

    @Slot()
    def show_journal(self) -> None:
        from .journal_dialog import JournalDialog  # when asked for: not part of the first paint

        dialog = JournalDialog(self.controller.journal(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.journal_dialog = dialog
        dialog.open()

    @Slot()
    def new_ticket(self, prefill: dict[str, str] | None = None) -> None:
        dialog = NewTicketDialog(self.controller, self, prefill=prefill)
        dialog.spelling = SpellCheck(dialog.message)
        dialog.spelling.set_speller(self.speller)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._created)
        dialog.open()
        self.new_ticket_dialog = dialog

    @Slot(object)
    def _created(self, ticket: Ticket) -> None:
        self.tabs.setCurrentIndex(0)
        self.controller.created(ticket)

    @Slot()
    def ask_remove(self) -> None:
        """Ctrl+Del: asks before the open ticket (the highlighted row) leaves the list; Return removes, Esc keeps.
        With several rows selected they all leave at once, with Undo instead of a question."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and not focus.isReadOnly():  # in a text box Ctrl+Del deletes a word,
            if not focus.hasSelectedText():                          # as it does everywhere else
                focus.cursorWordForward(True)
            focus.del_()
            return
        if isinstance(focus, (QPlainTextEdit, QTextEdit)) and not focus.isReadOnly():
            cursor = focus.textCursor()
            if not cursor.hasSelection():
                cursor.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            focus.setTextCursor(cursor)
            return
        if len(self.list_pane.selected_numbers()) > 1:
            self.remove_selected()  # several selected: they go together, with Undo
            return
        number = self.controller.current
        if number is None:
            return
        ticket = self.controller.tickets.snapshot(number) if self.controller.tickets is not None else None
        subject = single_line((ticket.subject if ticket is not None else "")[:80]) or "(no subject)"
        box = QMessageBox(QMessageBox.Icon.Question, "Remove from list",
                          f"Remove #{number} “{subject}” from this list?", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the subject is the server's text: never interpreted
        box.setInformativeText("The server keeps the ticket; opening it by number (Ctrl+L) brings it back.")
        remove = box.addButton("&Remove", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Keep", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(remove)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: button is remove and self.remove_current(number))
        self.remove_question = box
        box.open()

    def remove_current(self, number: int | None = None) -> None:
        """Removes ``number`` (the open ticket unless told) without asking."""
        self.controller.remove(number)

    @Slot()
    def refresh(self) -> None:
        """F5: every listed ticket, through the one refresh engine."""
        self.list_banner.hide()
        self.controller.refresh()

    # ------------------------------------------------------------ small things

    @Slot()
    def _focus_filter(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.list_pane.focus_filter()

    @Slot()
    def _next(self) -> None:
        self.list_pane.move(+1)

    @Slot()
    def _previous(self) -> None:
        self.list_pane.move(-1)

    @Slot(int)
    def _show_busy(self, count: int) -> None:
        self.busy_bar.setVisible(bool(count))
        self.busy_label.setText(f"{count} request{'s' if count != 1 else ''} running" if count else "Ready")

    @Slot()
    def _update_title(self) -> None:
        unread = self.model.unread_count()
        prefix = f"({unread}) " if unread else ""
        self.setWindowTitle(f"{prefix}TOGaDesk Agent — {self._environment}")

    def _fit_screen(self, restored: bool) -> None:
        """First run: the window fills most of the screen it opens on (a fixed 1200x760 cut the status bar at
        1366x768 and hid Send at 1024x600). A saved geometry from a bigger or absent screen comes back on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        if not restored:
            width, height = min(room.width(), max(1024, int(room.width() * 0.9))), int(room.height() * 0.9)
            self.resize(min(width, 1600), min(height, 1000))
            self.move(room.center() - self.rect().center())
            if not self._settings.contains("window/splitter"):  # the list a little wider than the ticket, kept
                self._share_kept = True                          # so as the window is resized, until dragged
                self._keep_share()
            return
        if self.width() > room.width() or self.height() > room.height():
            self.resize(min(self.width(), room.width()), min(self.height(), room.height()))
        if not room.intersects(self.frameGeometry()):
            self.move(room.center() - self.rect().center())

    def _keep_share(self) -> None:
        width = self.splitter.width() or self.width()
        self.splitter.setSizes([int(width * LIST_SHARE), width - int(width * LIST_SHARE)])

    @Slot()
    def _share_dragged(self) -> None:
        self._share_kept = False  # the agent chose the split: it is theirs from now on (and saved)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if getattr(self, "_share_kept", False):  # (not yet set while the window is being built)
            self._keep_share()

    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        restored = isinstance(geometry, QByteArray) and not geometry.isEmpty()
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState),
                             ("window/splitter", self.splitter.restoreState),
                             ("window/reply-splitter", self.detail.reply_splitter.restoreState),
                             ("window/ticket-columns", self.list_pane.table.horizontalHeader().restoreState)):
            value = self._settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                restore(value)
        header = self.list_pane.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._fit_screen(restored)

    def save_layout(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        self._settings.setValue("window/reply-splitter", self.detail.reply_splitter.saveState())  # the reply box
        self._settings.setValue("window/ticket-columns", self.list_pane.table.horizontalHeader().saveState())
        self._settings.sync()  # on disk now: a quit that ends with os._exit skips QSettings' own flush

    def closeEvent(self, event: QCloseEvent) -> None:
        self.detail.save_draft()
        self.save_layout()
        super().closeEvent(event)


# Keys that are not actions of the window (they act where the focus is); the sheet lists them after the actions.
PLAIN_KEYS = [
    ("J / K", "Next / previous ticket (in the list)"),
    ("Shift+J / Shift+K, Ctrl+A", "Select several tickets (in the list): the Ticket menu then changes them all"),
    ("Alt+1 … Alt+9", "Show saved view 1 to 9, in the order of the Views list above the tickets"),
    ("Return or R", "Open the highlighted ticket and put the cursor in its reply box (in the list)"),
    ("Esc", "Back to the list (in the ticket pane); clear the filter (in the filter)"),
    ("Ctrl+Enter", "Create the ticket (in the New ticket form)"),
]


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every action of the window with a shortcut, then PLAIN_KEYS: made from the
    actions themselves, so the sheet cannot drift from what the keys do."""
    rows = []
    for action in window.actions() + window.detail.actions():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys and action.text() and action.isVisible():
            rows.append((" or ".join(keys), action.text().replace("&", "").rstrip("…").strip()))
    return rows + PLAIN_KEYS
