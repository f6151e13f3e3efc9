"""What to tell the agent about a change the background refresh found. No Qt.

Nothing is said about the agent's own actions: their replies carry their e-mail address.

The text is plain, for desktop notification servers of every kind: some render a subset
of HTML in the body (``<b>``, ``<a href>``, ``<img>``, entities), others show it raw. So
the subject and names from the server go through ``single_line`` (no hidden direction
changes or invisible characters, one line) and lose their markup characters: ``<``, ``>``
and ``&`` become the look-alikes U+2039, U+203A and U+FF06, which no server interprets and
every server shows. A subject is cut at ``MAX_FIELD`` characters.
"""

from __future__ import annotations

from ..api import Ticket
from ..plain_text import single_line
from ..store import Change, Saved

MAX_FIELD = 120
_MARKUP = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06"})


def plain(text: str | None) -> str:
    """Server text as a notification may carry it: one line, no markup, no hidden characters, bounded."""
    line = single_line(text).translate(_MARKUP)
    return line if len(line) <= MAX_FIELD else line[:MAX_FIELD - 1].rstrip() + "…"


def describe_change(saved: Saved, ticket: Ticket | None, agent_email: str) -> str | None:
    """A one-line notification, or None when there is nothing worth interrupting the agent for."""
    if ticket is None or saved.change is Change.SAME:
        return None
    number = saved.row.number
    own = agent_email.strip().casefold()
    fresh = ticket.replies[-saved.new_replies:] if saved.new_replies else []
    others = [r for r in fresh if (r.email_address or "").casefold() != own or not own]
    if saved.change is Change.NEW:
        return f"#{number} was added to your list: {plain(ticket.subject) or '(no subject)'}"
    if others:
        authors = ", ".join(dict.fromkeys(plain(r.author) for r in others))
        plural = "replies" if len(others) > 1 else "reply"
        return f"New {plural} on #{number} from {authors}"
    if saved.old_status is not None and saved.old_status != saved.row.status and not fresh:
        return f"#{number} is now {plain(str(saved.row.status))}"
    return None
