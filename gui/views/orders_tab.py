"""The Orders tab: look up an order by number, recent lookups beside it, the order as a card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, NotFoundError, Order, OrderType
from ..api import validation as v
from ..models.recent_orders import NUMBER_ROLE, RecentOrdersModel
from ..services.orders import OrderService
from ..tasks import TaskRunner
from ..time_text import local_time
from .banner import Banner

TYPE_MEANINGS = {
    OrderType.NEW: "New computer setup",
    OrderType.EXISTING: "Existing computer setup",
    OrderType.REFURB: "Refurbishment",
}
TYPE_COLOURS = {OrderType.NEW: "#1565c0", OrderType.EXISTING: "#2e7d32", OrderType.REFURB: "#6a1b9a"}


def _value_label(name: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    return label


class OrdersTab(QWidget):
    order_shown = Signal(object)  # the Order now on the card
    lookup_failed = Signal(str)
    new_ticket_requested = Signal(object)  # Order
    diagnostic_requested = Signal(object)  # Order
    recent_loaded = Signal()  # the recent lookups list was read again
    history_loaded = Signal()  # the card's diagnostics sent from here were read

    def __init__(self, runner: TaskRunner, service: OrderService | None, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = runner
        self._service = service
        self._order: Order | None = None

        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText("Order number, then Enter")
        self.number_edit.setAccessibleName("Order number")
        self.number_edit.setToolTip("Type an order number and press Enter to look it up")
        self.number_edit.returnPressed.connect(self.look_up)
        self.lookup_button = QPushButton("&Look up")
        self.lookup_button.setToolTip("Fetch the order from the server (Enter)")
        self.lookup_button.clicked.connect(self.look_up)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter recent lookups")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter recent orders")
        self.filter_edit.setToolTip("Show only recent lookups containing this text")
        self.recent_model = RecentOrdersModel(self)
        self.recent = QTableView()
        self.recent.setModel(self.recent_model)
        self.recent.setAccessibleName("Recent order lookups")
        self.recent.setToolTip("Orders looked up on this workstation; click one to open it again")
        self.recent.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.recent.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.recent.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recent.verticalHeader().hide()
        self.recent.setWordWrap(False)
        self.recent.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.recent.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.recent.clicked.connect(self._recent_clicked)
        self.recent.activated.connect(self._recent_clicked)
        self.filter_edit.textChanged.connect(self.recent_model.set_filter)

        self.banner = Banner()
        self.card = QFrame()
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = _value_label("Order")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.type_badge = _value_label("Order type")
        self.customer = _value_label("Customer name")
        self.email = _value_label("Customer e-mail")
        self.associate = _value_label("Associate id")
        self.store_number = _value_label("Store number")
        self.new_ticket_button = QPushButton("New &ticket for this order…")
        self.new_ticket_button.setToolTip("File a ticket prefilled with this customer and order number")
        self.new_ticket_button.clicked.connect(lambda: self._order and self.new_ticket_requested.emit(self._order))
        self.diagnostic_button = QPushButton("Add &diagnostic…")
        self.diagnostic_button.setToolTip("Attach a diagnostic result to this order")
        self.diagnostic_button.clicked.connect(lambda: self._order and self.diagnostic_requested.emit(self._order))
        self.history = _value_label("Diagnostics sent")
        self.history.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Customer", self.customer)
        form.addRow("E-mail", self.email)
        form.addRow("Associate id", self.associate)
        form.addRow("Store number", self.store_number)
        form.addRow("Diagnostics sent", self.history)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_ticket_button)
        buttons.addWidget(self.diagnostic_button)
        buttons.addStretch(1)
        card = QVBoxLayout(self.card)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.type_badge)
        header.addStretch(1)
        card.addLayout(header)
        card.addLayout(form)
        card.addLayout(buttons)
        card.addStretch(1)
        self.placeholder = QLabel("Look up an order by its number, or pick a recent one.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.number_edit, 1)
        row.addWidget(self.lookup_button)
        left_layout.addLayout(row)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.recent, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.placeholder, 1)
        right_layout.addWidget(self.card, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.set_service(service)

    @property
    def order(self) -> Order | None:
        return self._order

    def set_service(self, service: OrderService | None) -> None:
        self._service = service
        self._looking_up_in: OrderService | None = None
        self._order = None
        self.lookup_button.setEnabled(True)  # a lookup still running belongs to the old environment
        self.card.hide()
        self.placeholder.show()
        self.banner.hide()
        self.reload_recent()

    def reload_recent(self) -> None:
        """The recent lookups, read on a worker (the local store is a disk)."""
        if self._service is None:
            self.recent_model.set_rows([])
            return
        self._runner.submit(_tagged, self._service, self._service.recent, on_done=self._recent_read)

    @Slot(object)
    def _recent_read(self, tagged: tuple[OrderService, tuple, list]) -> None:
        service, _, rows = tagged
        if service is self._service:  # not from an environment left meanwhile
            self.recent_model.set_rows(rows)
            self.recent_loaded.emit()

    def focus_number(self) -> None:
        self.number_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.number_edit.selectAll()

    @Slot()
    def look_up(self, number: int | str | None = None) -> None:
        if self._service is None or not self.lookup_button.isEnabled():
            return  # one lookup at a time, so answers cannot arrive out of order
        text = self.number_edit.text().strip().lstrip("#") if number is None else number
        try:
            value = v.number(text, "order number")
        except ApiError as error:
            self.banner.show_message(error.message)
            return
        self.number_edit.setText(str(value))
        self.banner.hide()
        if self._order is not None and self._order.order_number != value:
            self.clear_card()  # nothing may act on the previous order while (or if) this one is not found
        self.lookup_button.setEnabled(False)
        self._looking_up_in = self._service
        self._runner.submit(self._service.lookup, value, on_done=self._found, on_error=self._failed)

    @Slot(object)
    def _found(self, order: Order) -> None:
        if self._looking_up_in is not self._service:
            return  # asked of an environment left meanwhile
        self.lookup_button.setEnabled(True)
        self.show_order(order)
        self.reload_recent()

    @Slot(object)
    def _failed(self, error: ApiError) -> None:
        if self._looking_up_in is not self._service:
            return
        self.lookup_button.setEnabled(True)
        if isinstance(error, NotFoundError):
            self.banner.show_message(f"No such order in this environment. {error.message}")
        else:
            self.banner.show_message(f"Could not look up the order: {error.message}", retry=self.look_up)
        self.lookup_failed.emit(error.message)

    def clear_card(self) -> None:
        """No order on the card: its actions (Add diagnostic, New ticket) cannot reach the wrong order."""
        self._order = None
        self.card.hide()
        self.placeholder.show()

    def show_order(self, order: Order) -> None:
        self._order = order
        self.placeholder.hide()
        self.card.show()
        self.title.setText(f"Order #{order.order_number}")
        kind = order.type
        meaning = TYPE_MEANINGS.get(kind, "type not known to this app") if kind else "no type given"
        self.type_badge.setText(f" {kind or '?'}: {meaning} ")
        colour = TYPE_COLOURS.get(kind, "#455a64")
        self.type_badge.setStyleSheet(f"QLabel {{ background: {colour}; color: white; border-radius: 3px; }}")
        self.customer.setText(order.customer or "—")
        self.email.setText(order.email_address or "—")
        self.associate.setText(order.associate_id or "—")
        self.store_number.setText(order.store_number or "—")
        self.show_history()
        self.order_shown.emit(order)

    def show_history(self) -> None:
        """Diagnostics this workstation sent for the order on the card (read on a worker)."""
        if self._order is None or self._service is None:
            return
        self._runner.submit(_tagged, self._service, self._service.diagnostics_sent, self._order.order_number,
                            on_done=self._history_read)

    @Slot(object)
    def _history_read(self, tagged: tuple[OrderService, tuple[int], list]) -> None:
        service, (number,), sent = tagged
        if service is not self._service or self._order is None or self._order.order_number != number:
            return
        lines = [f"{code} · eligible: {'yes' if eligible else 'no'}"
                 + (f" · {document}" if document else "") + f" · {local_time(sent_at)}"
                 for code, eligible, document, sent_at in sent]
        self.history.setText("\n".join(lines) if lines else "none from this workstation")
        self.history_loaded.emit()

    @Slot()
    def _recent_clicked(self) -> None:
        number = self.recent.currentIndex().data(NUMBER_ROLE)
        if number is None or self._service is None:
            return
        self._runner.submit(_tagged, self._service, self._service.snapshot, number, on_done=self._stored_read)
        self.look_up(number)

    @Slot(object)
    def _stored_read(self, tagged: tuple[OrderService, tuple, Order | None]) -> None:
        """The stored copy of a recent lookup, shown while the server is asked (unless it answered already)."""
        service, _, order = tagged
        if service is self._service and order is not None and not self.lookup_button.isEnabled():
            self.show_order(order)


def _tagged(service: OrderService, read: Callable[..., Any], *args: Any) -> tuple[OrderService, tuple, Any]:
    """On a worker: ``read(*args)`` with what it was asked of, so an answer for a left environment is dropped."""
    return service, args, read(*args)
