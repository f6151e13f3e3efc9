"""Ticket use cases: each call talks to the API and keeps the local store in step.

Plain Python, no Qt: the views run these on workers through ``gui.tasks`` and get the
results back on the UI thread. Every method may raise only ``ApiError``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..api import ApiError, NotFoundError, Status, Ticket, TogaClient
from ..store import JournalEntry, Saved
from ..tickets import Fetch, TicketRepository

if TYPE_CHECKING:
    from ..team.sync import TeamSync

log = logging.getLogger(__name__)

REPLY_DRAFT = "reply"  # the reply box of a ticket
SENDING_DRAFT = "sending"  # the text of a reply on its way: kept apart from what the agent types meanwhile
NEW_TICKET_DRAFT = "new"

# The phases of a send, reported as they begin (the view says them in words)
CHECKING = "checking"  # the vendor's copy is read: did anyone reply or change the status meanwhile?
EARLIER = "earlier"  # an earlier send to the ticket got no clear answer: it is looked for first
POSTING = "posting"
LOOKING = "looking"  # the POST got no clear answer: is the reply on the ticket?
SETTING_STATUS = "status"
CONFIRMING = "confirming"  # the ticket is read back as the server now has it

LANDED_LOOKS = (0.0, 1.0, 2.0)  # seconds before each look: a gateway may answer 504 and the server commit later


def same_text(a: str | None, b: str | None) -> bool:
    """Equal as a person reads them: line endings and trailing spaces do not count."""
    return _normal(a) == _normal(b)


def _normal(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


MAY_EXIST = ("It may exist on the server: no answer came back that proves otherwise, and its number is not "
             "known. Look for it before creating it again.")
MAY_EXIST_SHORT = "It may exist on the server"


def after_sent(sent: str, typed: str) -> str:
    """The reply box once a reply did not go: its text, then what was typed while it was on its way."""
    if not typed.strip():
        return sent
    if _normal(typed).startswith(_normal(sent)):
        return typed  # already back in front (put back once before a crash)
    return sent.rstrip("\n") + "\n\n" + typed.lstrip("\n")


def _copies(ticket: Ticket, email: str | None, message: str | None) -> int:
    """Replies on ``ticket`` from this address (any case) with this text (line endings, trailing space aside)."""
    email = (email or "").casefold()
    return sum(1 for r in ticket.replies
               if (r.email_address or "").casefold() == email and same_text(r.message, message))


_SNAPSHOT_FIELDS = {"first_name": "first_name", "last_name": "last_name", "email_address": "email_address",
                    "phone_number": "phone_number", "subject": "subject", "message": "message",
                    "status": "status", "priority": "priority"}


def _field_of(ticket: Ticket, key: str) -> Any:
    return getattr(ticket, _SNAPSHOT_FIELDS.get(key, key), None)


@dataclass(frozen=True)
class Settled:
    """What checking one earlier request found: ``landed`` True/False, or None when it is not known."""

    entry: JournalEntry
    landed: bool | None
    words: str

    def describe(self) -> str:
        what = {"reply": f"Your reply to #{self.entry.ticket_number}",
                "change": f"Your change to #{self.entry.ticket_number}",
                "create": f"The ticket you were creating (\"{self.entry.body.get('subject', '')}\")"}[self.entry.kind]
        try:
            when = datetime.fromisoformat(self.entry.started_at).astimezone().strftime("%H:%M on %d %b")
        except ValueError:
            when = self.entry.started_at
        return f"{what}, sent at {when} without a clear answer, {self.words}."


@dataclass(frozen=True)
class Agent:
    """Who is answering: prefilled in the composer, and how the thread tells our replies apart."""

    first_name: str = ""
    last_name: str = ""
    email_address: str = ""


def signed(text: str, signature: str) -> str:
    """The reply as sent: the signature after it, unless it already ends with it (a canned reply that has it)."""
    mark = signature.strip()
    if not mark or text.rstrip().endswith(mark):
        return text
    return text.rstrip() + "\n\n" + mark


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


def _quiet(_phase: str) -> None:
    """No one listens to the phases of this send."""


class TicketService:
    """Calls the vendor API and hands every answer to the environment's ticket owner (``tickets``)."""

    def __init__(self, client: TogaClient, tickets: TicketRepository, *,
                 landed_looks: tuple[float, ...] = LANDED_LOOKS, team: TeamSync | None = None):
        self.client = client
        self.tickets = tickets
        self.landed_looks = landed_looks
        self.team = team  # in team mode, every copy the desk takes from the vendor is published

    # ------------------------------------------------------------ reading

    def _fetch(self, number: int, *, seen: bool, join: bool, fetch: Fetch | None = None,
               created_by: str = "") -> tuple[Ticket, Saved | None]:
        """``fetch``: the token taken when the agent (or the planner) asked, on the UI thread; the answer is then
        ordered after everything asked for before, such as a removal, even if its worker started late."""
        fetch = fetch or self.tickets.begin_fetch(number)
        try:
            ticket = self.client.get_ticket(number)
        except NotFoundError:
            if self.team is not None:
                self.team.missing(number, fetch.at)  # the team's copy is marked, not deleted
            raise
        saved = self.tickets.accept(fetch, ticket, seen=seen, join=join, created_by=created_by)
        if saved is not None and self.team is not None:
            self.team.publish(ticket, fetch.at)
        return ticket, saved

    def open(self, number: int, fetch: Fetch | None = None) -> Ticket:
        """Fetches the ticket the agent asked for; it joins the list (even if removed before) and is marked read."""
        return self._fetch(number, seen=True, join=True, fetch=fetch)[0]

    def requester_history(self, ticket: Ticket) -> tuple[int, list[tuple[int, str, str]]]:
        """The requester's other tickets as (number, subject, status), newest first: the team's (same e-mail or
        phone, taken into this desk's list so one click opens them) in team mode, else this desk's own."""
        found: dict[int, tuple[int, str, str]] = {}
        if self.team is not None:
            for known in self.team.history(ticket):
                self.tickets.accept_published(known.ticket, known.fetched_at, seen=True)
                found[known.number] = (known.number, known.ticket.subject or "", str(known.ticket.status or ""))
        for row in self.tickets.requester_tickets(ticket):
            found.setdefault(row.number, (row.number, row.subject, row.status))
        return ticket.ticket_number, sorted(found.values(), reverse=True)

    def learn(self, number: int) -> Ticket:
        """A ticket heard of elsewhere (the demo's sandbox): listed as read, unless the agent removed it."""
        return self._fetch(number, seen=True, join=False)[0]

    def refresh(self, number: int, *, on_screen: bool = False, fetch: Fetch | None = None) -> Saved | None:
        """A background fetch; None when its answer was out of date or the ticket was removed meanwhile."""
        return self._fetch(number, seen=on_screen, join=False, fetch=fetch)[1]

    def refresh_quietly(self, number: int, *, on_screen: bool = False, fetch: Fetch | None = None) -> Refreshed:
        """Like ``refresh`` but never raises: background refresh must know which ticket failed."""
        try:
            return Refreshed(number, self.refresh(number, on_screen=on_screen, fetch=fetch), None)
        except ApiError as error:
            return Refreshed(number, None, error)
        except Exception as error:  # a bug must not leave the ticket "in flight" for ever
            log.exception("Refreshing #%s failed unexpectedly", number)
            return Refreshed(number, None, ApiError(f"Something went wrong inside the app: {error}"))

    # ------------------------------------------------------------ writing

    def create(self, fields: dict[str, Any], created_by: str = "") -> Ticket:
        """Files a new ticket, then fetches it so the list shows what the server stored.
        ``created_by``: the agent's e-mail, so the ticket is in their "Mine" view."""
        entry = self.tickets.journal_open("create", 0, fields)
        try:
            number = self.client.create_ticket(**fields)
        except ApiError as error:
            self._unclear(entry, error, MAY_EXIST if error.maybe_applied else f"Not created: {error.message}")
            raise
        self.tickets.journal_settle(entry, "done", f"Created #{number}", number=number)
        self.settle_creates(f"The ticket was created again as #{number}")
        self.tickets.delete_draft(NEW_TICKET_DRAFT, 0)
        try:
            return self._fetch(number, seen=True, join=True, created_by=created_by)[0]
        except ApiError:
            # Created, but the follow-up GET failed: keep a minimal row rather than lose the number.
            ticket = Ticket(
                ticket_number=number, subject=fields.get("subject"), message=fields.get("message"),
                status=Status.NEW_TICKET, email_address=fields.get("email_address"),
                first_name=fields.get("first_name"), last_name=fields.get("last_name"),
            )
            self.tickets.accept(self.tickets.begin_fetch(number), ticket, seen=True, join=True, created_by=created_by)
            return ticket

    def check_collision(self, seen: Ticket) -> Collision | None:
        """Fetches the ticket again: did it gain replies or change status since ``seen``?"""
        now = self._fetch(seen.ticket_number, seen=True, join=False)[0]
        added = len(now.replies) - len(seen.replies)
        if added > 0 or str(now.status) != str(seen.status):
            return Collision(now, max(0, added), str(seen.status), str(now.status))
        return None

    def send_reply(self, seen: Ticket, agent: Agent, message: str, *, status: Status | str | None = None,
                   force: bool = False, progress: Callable[[str], None] | None = None) -> ReplySent | Collision:
        """Sends the reply unless the ticket changed meanwhile (then returns the Collision).

        A POST that may have landed (timeout, 408/502/504) is checked with a GET: if the
        reply is there it counts as sent; if it is not, the error says it is safe to send
        again; if the check itself fails, the error says so and offers nothing. Once the
        server has the reply this never raises: later trouble (the status change, the
        final fetch) comes back as ``ReplySent.warning``.

        The text on its way is the ``SENDING_DRAFT`` (the caller stores it); it is deleted once the
        server has it, before the journal says so, so a crash in between never offers it again. The
        reply box's own draft (what the agent types meanwhile) is not touched. ``progress``: told each
        phase as it begins (CHECKING, EARLIER, POSTING, LOOKING, SETTING_STATUS, CONFIRMING).
        """
        tell = progress or _quiet
        number = seen.ticket_number
        if not force:
            tell(CHECKING)
            collision = self.check_collision(seen)
            if collision is not None:
                return collision
        earlier = self._settle_earlier_replies(number, message, tell)
        if earlier is not None:
            self.tickets.delete_draft(SENDING_DRAFT, number)
            return ReplySent(earlier, None, "This reply had reached the server before the app stopped, so it was "
                                            "not sent again.")
        if force:
            tell(CHECKING)
        before = self.client.get_ticket(number) if force else self.tickets.snapshot(number) or seen
        entry = self.tickets.journal_open("reply", number,
                                          {"emailAddress": agent.email_address, "message": message},
                                          had=_copies(before, agent.email_address, message))
        tell(POSTING)
        try:
            self.client.add_reply(
                number, agent.email_address, message,
                first_name=agent.first_name or None, last_name=agent.last_name or None,
            )
        except ApiError as error:  # any answer that does not prove the reply absent is checked
            if not error.maybe_applied:
                self.tickets.journal_settle(entry, "failed", f"Not sent: {error.message}")
                raise
            tell(LOOKING)
            landed = self._reply_landed(before, agent, message)
            said = error.message.rstrip(".")  # what the server (or the network) said, kept in the words
            if landed is None:
                self.tickets.journal_settle(entry, "unknown", f"{said}; not checked yet: it may or may not have "
                                                              "arrived")
                raise type(error)(
                    f"{said}. No clear answer came back and the ticket could not be checked, so the reply may or "
                    "may not have arrived. Refresh the ticket (F5) before sending it again.",
                    error.status, maybe_applied=True,
                ) from None
            if not landed:
                waited = sum(self.landed_looks)
                self.tickets.journal_settle(entry, "failed", f"{said}; not on the ticket after "
                                                             f"{len(self.landed_looks)} looks: not sent")
                raise type(error)(
                    f"{said}. The reply is not on the ticket (looked {len(self.landed_looks)} times over "
                    f"{waited:.0f} s): it is safe to send it again.",
                    error.status,
                ) from None
        self.tickets.delete_draft(SENDING_DRAFT, number)  # first: a crash now leaves the journal to look it up
        self.tickets.journal_settle(entry, "done", "Reply sent")
        self.tickets.wrote(number)
        warnings = []
        status_set = None
        if status is not None:
            tell(SETTING_STATUS)
            try:
                self._change(number, {"status": str(status)})
                status_set = str(status)
            except ApiError as error:
                warnings.append(f"The reply was sent, but the status was not changed: {error.message}")
        tell(CONFIRMING)
        try:
            ticket = self._fetch(number, seen=True, join=False)[0]
        except ApiError as error:
            ticket = before
            warnings.append(f"The reply was sent, but the ticket could not be reloaded: {error.message}")
        return ReplySent(ticket, status_set, " ".join(warnings) or None)

    def _reply_landed(self, before: Ticket, agent: Agent, message: str) -> bool | None:
        """True if the reply is on the ticket now, False if not after several looks, None if we could not look.

        Found by content, not by position (replies are in time order, and another may be dated later):
        more replies from this agent's address (any case) with this text than before.
        """
        def copies(ticket: Ticket) -> int:
            return _copies(ticket, agent.email_address, message)

        had, looked = copies(before), False
        for delay in self.landed_looks:
            if delay and self.client.wait(delay):
                break  # the app is closing: no verdict
            try:
                now = self.client.get_ticket(before.ticket_number)
            except ApiError:
                continue
            looked = True
            if copies(now) > had:
                return True
        return False if looked else None

    def update(self, number: int, *, seen: bool = True, **changes: Any) -> Ticket:
        """Sends only the changed fields, then returns the ticket as the server now has it. ``seen``: the agent
        is looking at it (a change to several tickets leaves the others' unread mark as it was)."""
        self._change(number, changes)
        return self._fetch(number, seen=seen, join=False)[0]

    def _change(self, number: int, changes: dict[str, Any]) -> None:
        entry = self.tickets.journal_open("change", number, {k: v for k, v in changes.items() if v is not None})
        try:
            self.client.update_ticket(number, **changes)
        except ApiError as error:
            self._unclear(entry, error, f"{error.message.rstrip('.')}; not checked yet" if error.maybe_applied
                          else f"Not changed: {error.message}")
            raise
        self.tickets.journal_settle(entry, "done", "Changed")
        self.tickets.wrote(number)

    def _unclear(self, entry: int, error: ApiError, words: str) -> None:
        self.tickets.journal_settle(entry, "unknown" if error.maybe_applied else "failed", words)

    # ------------------------------------------------------------ settling what was in flight

    def _settle_earlier_replies(self, number: int, message: str,
                                tell: Callable[[str], None] = _quiet) -> Ticket | None:
        """Before a reply leaves: an earlier send to this ticket whose outcome is unknown (the app stopped, or no
        clear answer came) is looked for on the ticket first. Returns the ticket if this text is there already.
        Raises ApiError when the ticket cannot be read (sending now could make a second copy)."""
        earlier = [e for e in self.tickets.journal(unsettled=True) if e.kind == "reply" and e.ticket_number == number]
        if earlier:
            tell(EARLIER)
        found = None
        for entry in earlier:
            landed, now = self._look_for(entry)
            if landed is None:
                raise ApiError(f"A reply you sent to #{number} earlier got no clear answer and the ticket cannot be "
                               "read now, so sending again could make a second copy. Try again when the server "
                               "answers.", maybe_applied=True)
            if landed and same_text(entry.body.get("message"), message):
                found = now
        return found

    def _look_for(self, entry: JournalEntry) -> tuple[bool | None, Ticket | None]:
        """Is the reply of ``entry`` on its ticket? Looked for by content (author's address in any case, text
        as a person reads it), a few times over some seconds (a gateway may commit late). Settles the entry,
        unless the ticket could not be read at all (None)."""
        email, message, now = entry.body.get("emailAddress"), entry.body.get("message"), None
        for delay in self.landed_looks:
            if delay and self.client.wait(delay):
                return None, None  # the app is closing: no verdict
            try:
                now = self._fetch(entry.ticket_number, seen=False, join=False)[0]
            except ApiError:
                continue
            if _copies(now, email, message) > entry.had:
                sending = self.tickets.draft(SENDING_DRAFT, entry.ticket_number) or {}
                if same_text(sending.get("message"), message):  # on the server: never offered again
                    self.tickets.delete_draft(SENDING_DRAFT, entry.ticket_number)
                self.tickets.journal_settle(entry.id, "done", "Reply sent (found on the ticket afterwards)")
                return True, now
        if now is None:
            return None, None
        self.tickets.journal_settle(entry.id, "failed", f"Not on the ticket after {len(self.landed_looks)} looks: "
                                                        "not sent")
        return False, now

    def settle_unsettled(self) -> list[Settled]:
        """At start: every request whose outcome is unknown is checked on the server: a reply by its content, a
        change by its fields. A created ticket whose number never came back cannot be looked up (the API lists
        nothing): it stays "may exist" until the agent decides."""
        told: list[Settled] = []
        for entry in self.tickets.journal(unsettled=True):
            if entry.kind == "create":
                told.append(Settled(entry, None, "may exist on the server (its number never came back): look for "
                                                 "it before creating it again"))
                continue
            if entry.kind == "reply":
                landed, _ = self._look_for(entry)
                if landed is None:
                    told.append(Settled(entry, None, "could not be checked yet: the server did not answer"))
                    continue
                draft = self.tickets.draft(REPLY_DRAFT, entry.ticket_number) or {}
                sending = self.tickets.draft(SENDING_DRAFT, entry.ticket_number) or {}
                if same_text(sending.get("message"), entry.body.get("message")):
                    pass  # sent: deleted by the look; not sent: the controller puts it back in the reply box
                elif landed and same_text(draft.get("message"), entry.body.get("message")):
                    self.tickets.delete_draft(REPLY_DRAFT, entry.ticket_number)  # sent: never offered again
                elif not landed and not (draft.get("message") or "").strip():
                    self.tickets.save_draft(REPLY_DRAFT, entry.ticket_number, {"message": entry.body["message"]})
                told.append(Settled(entry, landed, "reached the server" if landed else
                                    "did not reach the server; it is in the composer to send again"))
                continue
            try:
                now = self._fetch(entry.ticket_number, seen=False, join=False)[0]
            except ApiError as error:
                told.append(Settled(entry, None, f"could not be checked yet ({error.message})"))
                continue
            applied = all(str(_field_of(now, key) or "") == str(value or "") for key, value in entry.body.items())
            self.tickets.journal_settle(entry.id, "done" if applied else "failed",
                                        "Changed (found on the ticket afterwards)" if applied
                                        else "Not on the ticket afterwards: not changed")
            told.append(Settled(entry, applied, "was applied" if applied else "was not applied"))
        return told

    def reply_addresses(self) -> set[str]:
        """The addresses this desk has sent replies as (its journal), casefolded: agents, in the thread."""
        found = {str(e.body.get("emailAddress") or "").strip().casefold()
                 for e in self.tickets.journal() if e.kind == "reply"}
        return found - {""}

    def settle_creates(self, words: str) -> None:
        """The agent decided about tickets that may exist (created again, or discarded the form)."""
        for entry in self.tickets.journal(unsettled=True):
            if entry.kind == "create":
                self.tickets.journal_settle(entry.id, "done", f"{MAY_EXIST_SHORT}; {words}")

    def journal(self) -> list[JournalEntry]:
        return self.tickets.journal()
