"""The sandbox's request logic, free of HTTP plumbing: (method, path, headers, body) -> answer.

Mirrors the vendor documents: the same routes, shapes and status codes, signature checks
with a clock window, and readable ``error`` texts that name the offending field.
"""

from __future__ import annotations

import hmac
import json
import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api.signing import signature
from .store import SandboxStore

MAX_NUMBER = 2**63 - 1
PRIORITIES = ("LOW", "NORMAL", "HIGH")
STATUSES = ("NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "CLOSED", "REVIEW")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
TICKET_TEXT_FIELDS = ("firstName", "lastName", "emailAddress", "phoneNumber", "subject", "message")

ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(r"^/ticket$"), {"POST": "_create_ticket"}),
    (re.compile(r"^/ticket/([^/]+)$"), {"GET": "_get_ticket", "PUT": "_put_ticket"}),
    (re.compile(r"^/ticket/([^/]+)/reply$"), {"POST": "_add_reply"}),
    (re.compile(r"^/order/([^/]+)$"), {"GET": "_get_order"}),
    (re.compile(r"^/order/([^/]+)/diagnostic$"), {"POST": "_create_diagnostic"}),
]


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):
    """Ends a request early with an error answer."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.answer = Answer(status, {"success": False, "error": error}, headers or {})


def ok(status: int, **fields: Any) -> Answer:
    return Answer(status, {"success": True, "error": "", **fields})


class SandboxApi:
    def __init__(
        self,
        store: SandboxStore,
        keys: Mapping[str, str],
        *,
        clock_window: float = 300.0,
        clock_offset: float = 0.0,
        on_webhook: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.store = store
        self.keys = dict(keys)
        self.clock_window = clock_window
        self.clock_offset = clock_offset
        self.on_webhook = on_webhook
        self._number_lock = threading.Lock()
        self._random = random.Random()

    def now(self) -> datetime:
        """The server's clock (``clock_offset`` lets tests put it ahead of the client's)."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def precheck(self, method: str, path: str, headers: Mapping[str, str]) -> Answer | None:
        """The refusal due from the route and the headers alone (404, 405, 401), or None: checked before the
        body is read, so an unauthenticated client cannot make the sandbox read or keep megabytes."""
        try:
            self._route(method, path.split("?", 1)[0].rstrip("/") or "/")
            self._authenticate(headers)
        except Refusal as refusal:
            return refusal.answer
        return None

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        try:
            handler, number = self._route(method, path.split("?", 1)[0].rstrip("/") or "/")
            self._authenticate(headers)
            if method in ("POST", "PUT"):
                return handler(number, self._json_object(body))
            return handler(number, None)
        except Refusal as refusal:
            return refusal.answer

    # ---------------------------------------------------------------- checks

    def _route(self, method: str, path: str) -> tuple[Callable[[int | None, Any], Answer], int | None]:
        for pattern, methods in ROUTES:
            match = pattern.match(path)
            if not match:
                continue
            if method not in methods:
                raise Refusal(405, f"Method {method} is not allowed on {path}.", {"Allow": ", ".join(methods)})
            handler = getattr(self, methods[method])
            number = None
            if match.groups():
                raw = match.group(1)
                what = "ticketNumber" if path.startswith("/ticket") else "orderNumber"
                if not raw.isascii() or not raw.isdigit() or not raw.strip("0"):
                    raise Refusal(400, f"{what} must be a positive integer.")
                # beyond SQLite's integers no such record can exist; int() of 5000 digits would raise
                if len(raw.lstrip("0")) > 19 or int(raw) > MAX_NUMBER:
                    shown = raw if len(raw) <= 40 else raw[:40] + "…"
                    raise Refusal(404, f"No record has the number {shown}.")
                number = int(raw)
            return handler, number
        raise Refusal(404, f"No such route: {path}")

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        timestamp = headers.get("Timestamp")
        authorization = headers.get("Authorization")
        if not timestamp or not authorization:
            raise Refusal(401, "Missing Timestamp or Authorization header.")
        public_key, dot, given = authorization.strip().partition(".")
        if not dot or not public_key or not given:
            raise Refusal(401, "Authorization must be {publicKey}.{signature}.")
        secret = self.keys.get(public_key)
        if secret is None:
            raise Refusal(401, "Unknown public API key.")
        try:
            moment = datetime.fromisoformat(timestamp.strip())
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise Refusal(401, "Timestamp must be ISO 8601 with a UTC offset, e.g. 2019-01-02T17:34:52-05:00.")
        if abs((self.now() - moment).total_seconds()) > self.clock_window:
            raise Refusal(401, "Timestamp is outside the allowed window; check the computer's clock.")
        expected = signature(secret, timestamp)
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            raise Refusal(401, "Signature does not match.")

    @staticmethod
    def _json_object(body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise Refusal(400, "The request body is not valid JSON.") from None
        except RecursionError:
            raise Refusal(400, "The request body is nested too deeply.") from None
        if not isinstance(data, dict):
            raise Refusal(400, "The request body must be a JSON object.")
        return data

    # ------------------------------------------------------------- validation

    @staticmethod
    def _text(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                raise Refusal(400, f"{name} is required.")
            return None
        if not isinstance(value, str):
            raise Refusal(400, f"{name} must be a string.")
        if required and not value.strip():
            raise Refusal(400, f"{name} is required.")
        return value

    def _email(self, data: dict[str, Any], *, required: bool) -> str | None:
        value = self._text(data, "emailAddress", required=required)
        if value is not None and not EMAIL.match(value.strip()):
            raise Refusal(400, "emailAddress is not a valid e-mail address.")
        return value

    def _choice(self, data: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
        value = self._text(data, name)
        if value is not None and value not in allowed:
            raise Refusal(400, f"{name} must be one of {', '.join(allowed)}.")
        return value

    # -------------------------------------------------------------- tickets

    def _new_number(self) -> int:
        while True:
            number = self._random.randint(10_000_000, 99_999_999)
            if not self.store.ticket_exists(number):
                return number

    def _create_ticket(self, _number: int | None, data: dict[str, Any]) -> Answer:
        fields = {
            "emailAddress": self._email(data, required=True),
            "subject": self._text(data, "subject", required=True),
            "message": self._text(data, "message", required=True),
            "priority": self._choice(data, "priority", PRIORITIES) or "NORMAL",
            "status": "NEW_TICKET",
            "firstName": self._text(data, "firstName"),
            "lastName": self._text(data, "lastName"),
            "phoneNumber": self._text(data, "phoneNumber"),
        }
        with self._number_lock:
            number = self._new_number()
            self.store.insert_ticket(number, {k: v for k, v in fields.items() if v is not None})
        return ok(201, ticketNumber=number)

    def _get_ticket(self, number: int | None, _data: Any) -> Answer:
        ticket = self.store.ticket(number)
        if ticket is None:
            raise Refusal(404, f"Ticket {number} was not found.")
        return ok(200, ticket=ticket)

    def _put_ticket(self, number: int | None, data: dict[str, Any]) -> Answer:
        known = ("priority", "status", *TICKET_TEXT_FIELDS)
        if not any(name in data for name in known):
            raise Refusal(400, f"Nothing to update: give at least one of {', '.join(known)}.")
        fields = {
            "priority": self._choice(data, "priority", PRIORITIES),
            "status": self._choice(data, "status", STATUSES),
            "emailAddress": self._email(data, required=False),
        }
        for name in ("firstName", "lastName", "phoneNumber"):
            fields[name] = self._text(data, name)
        for name in ("subject", "message"):
            value = self._text(data, name)
            if value is not None and not value.strip():
                raise Refusal(400, f"{name} must not be empty.")
            fields[name] = value
        fields = {k: v for k, v in fields.items() if v is not None}
        if not fields:
            raise Refusal(400, "Nothing to update: every field given was null.")
        before = self.store.update_ticket(number, fields)
        if before is None:
            raise Refusal(404, f"Ticket {number} was not found.")
        if "status" in fields and fields["status"] != before:
            self._webhook({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": number, "status": fields["status"]})
        return ok(200, ticketNumber=number)

    def _add_reply(self, number: int | None, data: dict[str, Any]) -> Answer:
        replied_on = self._text(data, "repliedOn")
        if replied_on is not None:
            try:
                parsed = datetime.fromisoformat(replied_on.strip())
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                raise Refusal(400, "repliedOn must be an ISO 8601 date-time with a UTC offset.")
            replied_on = parsed.isoformat(timespec="seconds")
        reply = {
            "repliedOn": replied_on or self.now().astimezone().isoformat(timespec="seconds"),
            "firstName": self._text(data, "firstName"),
            "lastName": self._text(data, "lastName"),
            "emailAddress": self._email(data, required=True),
            "message": self._text(data, "message", required=True),
        }
        reply = {k: v for k, v in reply.items() if v is not None}
        if not self.store.add_reply(number, reply):
            raise Refusal(404, f"Ticket {number} was not found.")
        self._webhook({"webhook": "TICKET_REPLY", "ticketNumber": number, "reply": reply})
        return ok(201, ticketNumber=number)

    # --------------------------------------------------------------- orders

    def _get_order(self, number: int | None, _data: Any) -> Answer:
        order = self.store.order(number)
        if order is None:
            raise Refusal(404, f"Order {number} was not found.")
        return ok(200, **order)

    def _create_diagnostic(self, number: int | None, data: dict[str, Any]) -> Answer:
        eligible = data.get("windowsUpgradeEligibility")
        if eligible is None:
            raise Refusal(400, "windowsUpgradeEligibility is required.")
        if not isinstance(eligible, bool):
            raise Refusal(400, "windowsUpgradeEligibility must be a boolean (true or false).")
        diagnostic = {
            "resultCode": self._text(data, "resultCode", required=True),
            "windowsUpgradeEligibility": eligible,
            "document": self._text(data, "document"),
            "systemInformation": self._text(data, "systemInformation"),
        }
        if not self.store.add_diagnostic(number, self.now().isoformat(timespec="seconds"), diagnostic):
            raise Refusal(404, f"Order {number} was not found.")
        return ok(201, orderNumber=number)

    def _webhook(self, payload: dict[str, Any]) -> None:
        if self.on_webhook is not None:
            self.on_webhook(payload)
