"""What to tell the agent about a change the background refresh found. No Qt.

Nothing is said about the agent's own actions: their replies carry their e-mail address.
"""

from __future__ import annotations

from ..api import Ticket
from ..store import Change, Saved


def describe_change(saved: Saved, ticket: Ticket | None, agent_email: str) -> str | None:
    """A one-line notification, or None when there is nothing worth interrupting the agent for."""
    if ticket is None or saved.change is Change.SAME:
        return None
    number = saved.row.number
    own = agent_email.strip().casefold()
    fresh = ticket.replies[-saved.new_replies:] if saved.new_replies else []
    others = [r for r in fresh if (r.email_address or "").casefold() != own or not own]
    if saved.change is Change.NEW:
        return f"#{number} was added to your list: {ticket.subject or '(no subject)'}"
    if others:
        authors = ", ".join(dict.fromkeys(r.author for r in others))
        plural = "replies" if len(others) > 1 else "reply"
        return f"New {plural} on #{number} from {authors}"
    if saved.old_status is not None and saved.old_status != saved.row.status and not fresh:
        return f"#{number} is now {saved.row.status}"
    return None
