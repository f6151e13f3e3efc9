"""The API's data: enums and dataclasses, parsed tolerantly from what the server sends.

Parse tolerantly: an unknown enum value is kept as its raw string, a missing optional
field is None, a wrongly typed scalar is turned into text. Only an answer that lacks
what identifies the record (a ticket without a number) raises ``ResponseError``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from .errors import ResponseError


class Status(enum.StrEnum):
    """Ticket statuses, in the order a ticket usually moves through them."""

    NEW_TICKET = "NEW_TICKET"
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    AWAITING_USER = "AWAITING_USER"
    REVIEW = "REVIEW"
    CLOSED = "CLOSED"


class Priority(enum.StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


class OrderType(enum.StrEnum):
    NEW = "NEW"
    EXISTING = "EXISTING"
    REFURB = "REFURB"


class WebhookType(enum.StrEnum):
    TICKET_STATUS_CHANGE = "TICKET_STATUS_CHANGE"
    TICKET_REPLY = "TICKET_REPLY"


E = TypeVar("E", bound=enum.Enum)

MAX_NUMBER = 2**63 - 1  # ticket and order numbers: what SQLite's INTEGER and Qt's qint64 hold


def record_number(value: int) -> bool:
    """True for a ticket or order number the desk can store and show: 1 to 2**63 - 1."""
    return 1 <= value <= MAX_NUMBER


def enum_or_raw(enum_type: type[E], value: Any) -> E | str | None:
    """The enum member for ``value``, or the raw text when the server sent a value we do not know."""
    if value is None:
        return None
    text = value if isinstance(value, str) else _text(value)
    if text is None:
        return None
    try:
        return enum_type(text)
    except ValueError:
        return text


def _text(value: Any) -> str | None:
    """A string field as text; scalars of the wrong type become text, containers None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    """A record number from the server (an integer, digits, or a whole float) in 1..2**63-1; else None."""
    number = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        # isdigit() alone accepts '²' and '①'; very long digit strings exceed int()'s limit
        if text.isascii() and text.isdigit() and len(text) <= 19:
            number = int(text)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    return number if number is not None and record_number(number) else None


# Every moment the desk keeps can be moved to any time zone (UTC-14..UTC+14 and beyond) without leaving
# datetime's years 1..9999: 9999-12-31T23:00-05:00 is in year 10000 in UTC, and .astimezone() raised
# OverflowError. Moments closer than this to either end are pulled in to it, in UTC.
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LATEST = datetime.max.replace(tzinfo=UTC, microsecond=0) - timedelta(days=2)


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time keeping its offset; a value without one is taken as UTC.

    A moment within two days of year 1 or the end of year 9999 (a placeholder date, or a
    hostile one) is kept but pulled in to 0001-01-03 / 9999-12-29 UTC, so that converting
    it to any time zone, sorting or storing it never overflows.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        if _EARLIEST <= moment <= _LATEST:
            return moment
    except OverflowError:  # pragma: no cover - aware comparisons do not overflow in CPython
        pass
    return _EARLIEST if moment.year < 5000 else _LATEST


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ResponseError(f"The server sent a {what} that is not a JSON object.")
    return data


@dataclass(frozen=True)
class Reply:
    message: str | None
    email_address: str | None
    first_name: str | None = None
    last_name: str | None = None
    replied_on: datetime | None = None

    @property
    def author(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email_address or "Unknown"

    @classmethod
    def from_json(cls, data: Any) -> Reply:
        data = _object(data, "reply")
        return cls(
            message=_text(data.get("message")),
            email_address=_text(data.get("emailAddress")),
            first_name=_text(data.get("firstName")),
            last_name=_text(data.get("lastName")),
            replied_on=parse_datetime(data.get("repliedOn")),
        )

    def to_json(self) -> dict[str, Any]:
        """The spec's shape, so a stored snapshot parses back with ``from_json``."""
        return _without_none({
            "repliedOn": self.replied_on.isoformat() if self.replied_on else None,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.email_address,
            "message": self.message,
        })


@dataclass(frozen=True)
class Ticket:
    ticket_number: int
    subject: str | None = None
    message: str | None = None
    status: Status | str | None = None
    priority: Priority | str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    replies: list[Reply] = field(default_factory=list)

    @property
    def requester(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email_address or ""

    @classmethod
    def from_json(cls, data: Any) -> Ticket:
        data = _object(data, "ticket")
        number = _int(data.get("ticketNumber"))
        if number is None:
            raise ResponseError("The server sent a ticket without a valid ticket number.")
        raw_replies = data.get("replies")
        if not isinstance(raw_replies, list):
            raw_replies = []
        replies = [Reply.from_json(r) for r in raw_replies if isinstance(r, dict)]
        return cls(
            ticket_number=number,
            subject=_text(data.get("subject")),
            message=_text(data.get("message")),
            status=enum_or_raw(Status, data.get("status")),
            priority=enum_or_raw(Priority, data.get("priority")),
            first_name=_text(data.get("firstName")),
            last_name=_text(data.get("lastName")),
            email_address=_text(data.get("emailAddress")),
            phone_number=_text(data.get("phoneNumber")),
            replies=replies,
        )

    def to_json(self) -> dict[str, Any]:
        """The spec's shape, so a stored snapshot parses back with ``from_json``."""
        return _without_none({
            "ticketNumber": self.ticket_number,
            "subject": self.subject,
            "message": self.message,
            "status": None if self.status is None else str(self.status),
            "priority": None if self.priority is None else str(self.priority),
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.email_address,
            "phoneNumber": self.phone_number,
            "replies": [reply.to_json() for reply in self.replies],
        })

    @property
    def last_activity(self) -> datetime | None:
        """When the latest reply was made; None for a ticket without replies."""
        moments = [r.replied_on for r in self.replies if r.replied_on is not None]
        return max(moments) if moments else None


@dataclass(frozen=True)
class Order:
    order_number: int
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    associate_id: str | None = None
    store_number: str | None = None
    type: OrderType | str | None = None

    @property
    def customer(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @classmethod
    def from_json(cls, data: Any) -> Order:
        data = _object(data, "order")
        number = _int(data.get("orderNumber"))
        if number is None:
            raise ResponseError("The server sent an order without a valid order number.")
        return cls(
            order_number=number,
            first_name=_text(data.get("firstName")),
            last_name=_text(data.get("lastName")),
            email_address=_text(data.get("emailAddress")),
            associate_id=_text(data.get("associateId")),
            store_number=_text(data.get("storeNumber")),
            type=enum_or_raw(OrderType, data.get("type")),
        )

    def to_json(self) -> dict[str, Any]:
        """The spec's shape, so a stored lookup parses back with ``from_json``."""
        return _without_none({
            "orderNumber": self.order_number,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.email_address,
            "associateId": self.associate_id,
            "storeNumber": self.store_number,
            "type": None if self.type is None else str(self.type),
        })


@dataclass(frozen=True)
class WebhookEvent:
    """A webhook as received. It carries no signature: treat it as a hint, then GET the ticket."""

    webhook: WebhookType
    ticket_number: int
    status: Status | None = None
    reply: Reply | None = None

    @classmethod
    def from_json(cls, data: Any) -> WebhookEvent:
        """Strict, because the payload comes from the network unauthenticated."""
        data = _object(data, "webhook")
        try:
            kind = WebhookType(data.get("webhook"))
        except ValueError:
            raise ResponseError("Unknown webhook type.") from None
        number = data.get("ticketNumber")
        if isinstance(number, bool) or not isinstance(number, int) or not record_number(number):
            raise ResponseError(f"The webhook's ticketNumber is not a whole number from 1 to {MAX_NUMBER}.")
        if kind is WebhookType.TICKET_STATUS_CHANGE:
            try:
                status = Status(data.get("status"))
            except ValueError:
                raise ResponseError("The webhook's status is not a known ticket status.") from None
            return cls(kind, number, status=status)
        reply = data.get("reply")
        if not isinstance(reply, dict):
            raise ResponseError("The webhook's reply is not an object.")
        return cls(kind, number, reply=Reply.from_json(reply))
