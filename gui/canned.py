"""Canned replies: named texts the agent inserts into a reply, with placeholders filled from the ticket and the agent.

No Qt, no storage: the local store keeps the agent's own, the team registry the team's;
this module says what a template is, how it is filled, and the plain file it is exchanged as.
A placeholder nobody knows stays in the text as typed, so a typo (``{frist_name}``) is seen
before sending rather than silently dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .api.errors import ValidationError

if TYPE_CHECKING:  # the team registry imports this module: it stays free of the desk's services
    from .api import Ticket
    from .services.tickets import Agent

NAME_CHARS = 200
TEXT_CHARS = 20_000  # a canned reply is a paragraph or a page, not a book
FILE_BYTES = 5_000_000  # an import file larger than this is refused before it is read
FILE_FORMAT = "togadesk-canned-replies"
PERSONAL, TEAM = "personal", "team"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

PLACEHOLDERS = {  # name: what it holds (the editor lists these)
    "first_name": "the requester's first name",
    "last_name": "the requester's last name",
    "requester": "the requester's name (or e-mail)",
    "email": "the requester's e-mail",
    "ticket_number": "the ticket's number",
    "subject": "the ticket's subject",
    "status": "the ticket's status",
    "priority": "the ticket's priority",
    "agent_first_name": "your first name",
    "agent_last_name": "your last name",
    "agent_name": "your name",
    "agent_email": "your e-mail",
}


class TemplateError(ValidationError):
    """A template or an import file that cannot be used, in words for the agent (the task bridge shows it)."""


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    status: str = ""  # set on send when the agent inserted it ('' : leave the status)
    scope: str = PERSONAL  # PERSONAL (this desk's store) or TEAM (the team registry)
    id: int = 0  # the owner's key; 0 for one not stored yet

    def checked(self) -> Template:
        """The template as it may be stored; TemplateError says what is wrong."""
        name = " ".join(self.name.split())
        if not name:
            raise TemplateError("A canned reply needs a name.")
        if len(name) > NAME_CHARS:
            raise TemplateError(f"The name is too long ({len(name):,} characters; at most {NAME_CHARS}).")
        if not self.text.strip():
            raise TemplateError(f"\u201c{name}\u201d has no text.")
        if len(self.text) > TEXT_CHARS:
            raise TemplateError(f"\u201c{name}\u201d is too long ({len(self.text):,} characters; at most "
                                f"{TEXT_CHARS:,}).")
        return Template(name, self.text, self.status.strip(), self.scope, self.id)


def values_for(ticket: Ticket | None, agent: Agent) -> dict[str, str]:
    """What each placeholder becomes for this ticket and agent ('' where the ticket has no such field)."""
    values = {
        "agent_first_name": agent.first_name, "agent_last_name": agent.last_name,
        "agent_name": " ".join(p for p in (agent.first_name, agent.last_name) if p),
        "agent_email": agent.email_address,
    }
    if ticket is not None:
        values.update({
            "first_name": ticket.first_name or "", "last_name": ticket.last_name or "",
            "requester": ticket.requester, "email": ticket.email_address or "",
            "ticket_number": str(ticket.ticket_number), "subject": ticket.subject or "",
            "status": str(ticket.status or "").replace("_", " ").title(),
            "priority": str(ticket.priority or "").title(),
        })
    return values


def fill(text: str, ticket: Ticket | None, agent: Agent) -> str:
    """The template's text with every known placeholder replaced; unknown ones stay visible, as typed."""
    values = values_for(ticket, agent)
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in ``text`` this desk does not fill: the editor warns about them."""
    return sorted({m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(1) not in PLACEHOLDERS})


def matching(query: str, templates: list[Template]) -> list[Template]:
    """The picker's list: every word typed in the name or the text; names that start with it first."""
    words = query.casefold().split()
    found = [t for t in templates if all(w in t.name.casefold() or w in t.text.casefold() for w in words)]
    return sorted(found, key=lambda t: (not t.name.casefold().startswith(words[0]) if words else False,
                                        t.name.casefold()))


def export_text(templates: list[Template]) -> str:
    """A plain, readable JSON file another desk (or a text editor) can take."""
    return json.dumps({"format": FILE_FORMAT, "version": 1, "replies": [
        {"name": t.name, "text": t.text, **({"status": t.status} if t.status else {})} for t in templates
    ]}, ensure_ascii=False, indent=2) + "\n"


def import_text(data: bytes) -> list[Template]:
    """The templates of an exported file (personal, not stored yet); TemplateError in words for anything else."""
    if len(data) > FILE_BYTES:
        raise TemplateError(f"The file is too large for canned replies ({len(data):,} bytes; at most "
                            f"{FILE_BYTES:,}).")
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise TemplateError(f"The file is not a canned-replies file (not JSON text: {error}).") from None
    if not isinstance(content, dict) or content.get("format") != FILE_FORMAT or \
            not isinstance(content.get("replies"), list):
        raise TemplateError("The file is not a canned-replies file (it was not exported by TOGaDesk Agent).")
    templates = []
    for position, entry in enumerate(content["replies"], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                not isinstance(entry.get("text"), str) or not isinstance(entry.get("status", ""), str):
            raise TemplateError(f"Entry {position} of the file is not a canned reply (a name and a text).")
        templates.append(Template(entry["name"], entry["text"], entry.get("status", "")).checked())
    return templates
