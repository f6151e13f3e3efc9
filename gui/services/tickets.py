"""Ticket use cases: each call talks to the API and keeps the local store in step.

Plain Python, no Qt: the views run these on workers through ``gui.tasks`` and get the
results back on the UI thread. Every method may raise only ``ApiError``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..api import ApiError, NetworkError, ServerError, Status, Ticket, TogaClient
from ..store import LocalStore, Saved

log = logging.getLogger(__name__)

REPLY_DRAFT = "reply"
NEW_TICKET_DRAFT = "new"


@dataclass(frozen=True)
class Agent:
    """Who is answering: prefilled in the composer, and how the thread tells our replies apart."""

    first_name: str = ""
    last_name: str = ""
    email_address: str = ""


@dataclass(frozen=True)
class Collision:
    """What changed on the server since the agent opened the ticket."""

    ticket: Ticket
    new_replies: int
    old_status: str
    new_status: str

    def describe(self) -> str:
        parts = []
        if self.new_replies:
            authors = ", ".join(dict.fromkeys(r.author for r in self.ticket.replies[-self.new_replies:]))
            plural = "y" if self.new_replies == 1 else "ies"
            parts.append(f"{self.new_replies} new repl{plural} (from {authors})")
        if self.old_status != self.new_status:
            parts.append(f"the status changed from {self.old_status} to {self.new_status}")
        return f"Since you opened #{self.ticket.ticket_number}: " + " and ".join(parts) + "."


@dataclass(frozen=True)
class Refreshed:
    number: int
    saved: Saved | None
    error: ApiError | None


@dataclass(frozen=True)
class ReplySent:
    """The server has the reply. ``warning`` tells what went wrong afterwards, if anything."""

    ticket: Ticket
    status_set: str | None = None
    warning: str | None = None


class TicketService:
    def __init__(self, client: TogaClient, store: LocalStore, env: str):
        self.client = client
        self.store = store
        self.env = env

    # ------------------------------------------------------------ reading

    def open(self, number: int) -> Ticket:
        """Fetches the ticket the agent is looking at; it joins the list and is marked read."""
        ticket = self.client.get_ticket(number)
        self.store.save_snapshot(self.env, ticket, seen=True)
        return ticket

    def refresh(self, number: int, *, on_screen: bool = False) -> Saved:
        ticket = self.client.get_ticket(number)
        return self.store.save_snapshot(self.env, ticket, seen=on_screen)

    def refresh_quietly(self, number: int, *, on_screen: bool = False) -> Refreshed:
        """Like ``refresh`` but never raises: background refresh must know which ticket failed."""
        try:
            return Refreshed(number, self.refresh(number, on_screen=on_screen), None)
        except ApiError as error:
            return Refreshed(number, None, error)
        except Exception as error:  # a bug must not leave the ticket "in flight" for ever
            log.exception("Refreshing #%s failed unexpectedly", number)
            return Refreshed(number, None, ApiError(f"Something went wrong inside the app: {error}"))

    # ------------------------------------------------------------ writing

    def create(self, fields: dict[str, Any]) -> Ticket:
        """Files a new ticket, then fetches it so the list shows what the server stored."""
        number = self.client.create_ticket(**fields)
        self.store.delete_draft(self.env, NEW_TICKET_DRAFT, 0)
        try:
            return self.open(number)
        except ApiError:
            # Created, but the follow-up GET failed: keep a minimal row rather than lose the number.
            ticket = Ticket(
                ticket_number=number, subject=fields.get("subject"), message=fields.get("message"),
                status=Status.NEW_TICKET, email_address=fields.get("email_address"),
                first_name=fields.get("first_name"), last_name=fields.get("last_name"),
            )
            self.store.save_snapshot(self.env, ticket, seen=True)
            return ticket

    def check_collision(self, seen: Ticket) -> Collision | None:
        """Fetches the ticket again: did it gain replies or change status since ``seen``?"""
        now = self.client.get_ticket(seen.ticket_number)
        self.store.save_snapshot(self.env, now, seen=True)
        added = len(now.replies) - len(seen.replies)
        if added > 0 or str(now.status) != str(seen.status):
            return Collision(now, max(0, added), str(seen.status), str(now.status))
        return None

    def send_reply(self, seen: Ticket, agent: Agent, message: str, *, status: Status | str | None = None,
                   force: bool = False) -> ReplySent | Collision:
        """Sends the reply unless the ticket changed meanwhile (then returns the Collision).

        A POST that may have landed (timeout, 408/502/504) is checked with a GET: if the
        reply is there it counts as sent; if it is not, the error says it is safe to send
        again; if the check itself fails, the error says so and offers nothing. Once the
        server has the reply this never raises: later trouble (the status change, the
        final fetch) comes back as ``ReplySent.warning``.
        """
        if not force:
            collision = self.check_collision(seen)
            if collision is not None:
                return collision
        before = self.client.get_ticket(seen.ticket_number) if force else self.store.snapshot(
            self.env, seen.ticket_number) or seen
        try:
            self.client.add_reply(
                seen.ticket_number, agent.email_address, message,
                first_name=agent.first_name or None, last_name=agent.last_name or None,
            )
        except (NetworkError, ServerError) as error:
            if not error.maybe_applied:
                raise
            landed = self._reply_landed(before, agent, message)
            if landed is None:
                raise type(error)(
                    "No clear answer came back and the ticket could not be checked, so the reply may or may not "
                    "have arrived. Refresh the ticket (F5) before sending it again.",
                    error.status, maybe_applied=True,
                ) from None
            if not landed:
                raise type(error)(
                    "No clear answer came back, and the reply is not on the ticket: it is safe to send it again.",
                    error.status,
                ) from None
        self.store.delete_draft(self.env, REPLY_DRAFT, seen.ticket_number)
        warnings = []
        status_set = None
        if status is not None:
            try:
                self.client.update_ticket(seen.ticket_number, status=status)
                status_set = str(status)
            except ApiError as error:
                warnings.append(f"The reply was sent, but the status was not changed: {error.message}")
        try:
            ticket = self.open(seen.ticket_number)
        except ApiError as error:
            ticket = before
            warnings.append(f"The reply was sent, but the ticket could not be reloaded: {error.message}")
        return ReplySent(ticket, status_set, " ".join(warnings) or None)

    def _reply_landed(self, before: Ticket, agent: Agent, message: str) -> bool | None:
        """True if the reply is on the ticket now, False if not, None if we could not look."""
        try:
            now = self.client.get_ticket(before.ticket_number)
        except ApiError:
            return None
        fresh = now.replies[len(before.replies):]
        return any(r.message == message and (r.email_address or "") == agent.email_address for r in fresh)

    def update(self, number: int, **changes: Any) -> Ticket:
        """Sends only the changed fields, then returns the ticket as the server now has it."""
        self.client.update_ticket(number, **changes)
        return self.open(number)

    def remove(self, number: int) -> None:
        self.store.remove(self.env, number)

    # ------------------------------------------------------------- drafts

    def save_draft(self, kind: str, number: int, fields: dict[str, Any]) -> None:
        self.store.save_draft(self.env, kind, number, fields)

    def draft(self, kind: str, number: int) -> dict[str, Any] | None:
        return self.store.draft(self.env, kind, number)

    def delete_draft(self, kind: str, number: int) -> None:
        self.store.delete_draft(self.env, kind, number)
