"""The reply thread as HTML we build ourselves: every server text is escaped, only links are made live.

Server text is never interpreted as markup: ``<b>`` shows as ``<b>``. URLs (http, https)
and e-mail addresses become links; everything else is plain, wrapped, selectable text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from datetime import datetime
from itertools import islice
from operator import attrgetter, le
from urllib.parse import quote

from ..api import Reply, Ticket
from ..time_text import relative, when  # noqa: F401  (relative: re-exported for existing importers)

# Linear in the text's length, whatever it holds (``linkify("a" * 40000)`` took 4.7 s when it was quadratic):
# - an e-mail address starts only where a run of its characters starts (the look-behind), so the scan does not
#   try every position of a long word and run to its end each time; its runs are possessive (``++``): nothing
#   after them could match one of their characters, so giving characters back can never help;
# - the spaces around "order", "no." and "#" are possessive too: a run of spaces is read once, not shared out
#   between three ``\s*`` in every possible way;
# - a URL starts only at "http", and its one backtrack (trailing punctuation) is bounded by that punctuation.
_LINK = re.compile(
    r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
    r"|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+"
    r"|\border\s*+(?:no\.?|number|#)?\s*+#?\s*+(?P<order>\d{4,12})\b",
    re.IGNORECASE,
)
ORDER_MENTION = re.compile(r"\border\s*+(?:no\.?|number|#)?\s*+#?\s*+(\d{4,12})\b", re.IGNORECASE)


def order_numbers(*texts: str | None) -> list[int]:
    """Order numbers mentioned as "order 12345678", "Order #12345678", "order no. 12345678"."""
    found: dict[int, None] = {}
    for text in texts:
        for match in ORDER_MENTION.finditer((text or "")[:MESSAGE_SHOWN]):  # what the thread shows of it
            found[int(match.group(1))] = None
    return list(found)


def linkify(text: str) -> str:
    """Escaped text with http(s) URLs, e-mail addresses and order mentions as links."""
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        parts.append(html.escape(text[last:match.start()]))
        target = match.group(0)
        if match.group("order"):
            href = f"order:{int(match.group('order'))}"
        elif target.lower().startswith("http"):
            href = target
        else:
            href = "mailto:" + quote(target, safe="@+")
        parts.append(f'<a href="{html.escape(href, quote=True)}">{html.escape(target)}</a>')
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts).replace("\n", "<br>")


def _entry(author: str, email: str | None, moment: datetime | None, body: str | None, *, css: str,
           label: str, show_time: bool = True, key: int = 0) -> str:
    address = f" &lt;{linkify(email[:MESSAGE_SHOWN])}&gt;" if email else ""
    meta = f"{label} · {when(moment)}" if show_time else label
    body = body or ""
    whole = ""
    if len(body) > MESSAGE_SHOWN:  # laying out megabytes of text stalls the window: the rest on request
        whole = (f'<br><a href="{WHOLE_MESSAGE}{key}">Show the whole message ({size_in_words(body)})</a>')
        body = body[:MESSAGE_SHOWN] + "…"
    return (
        f'<table width="100%" class="{css}" cellpadding="8"><tr><td>'
        f'<span class="who">{html.escape(author[:MESSAGE_SHOWN])}</span>{address}'
        f' <span class="meta">· {html.escape(meta)}</span><br>'
        f'<span class="body">{linkify(body)}</span>{whole}'
        "</td></tr></table>"
    )


def size_in_words(text: str) -> str:
    """The size people read ("2.1 MB"), from the length in characters: encoding megabytes to count their
    bytes would cost the UI thread more than showing the first page."""
    size = len(text)
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


def shown_length(text: str | None) -> int:
    """How many characters of a message the thread lays out (the rest behind "Show the whole message")."""
    return min(len(text or ""), MESSAGE_SHOWN)


def message_of(ticket: Ticket, key: int) -> str | None:
    """The message a "Show the whole message" link names: 0 the original, k the k-th reply in time order."""
    if key == 0:
        return ticket.message
    replies = in_time_order(ticket.replies)
    return replies[key - 1].message if 0 < key <= len(replies) else None


def in_time_order(replies: list[Reply]) -> list[Reply]:
    """Replies by their time, undated last (ties keep their order). The server's are in order already: that is
    checked in C-level loops first, so a thread of 100,000 replies is not sorted with a Python key per reply."""
    moments = list(map(_REPLIED_ON, replies))
    if None not in moments:
        if all(map(le, moments, islice(moments, 1, None))):
            return list(replies)
        return sorted(replies, key=_REPLIED_ON)
    return sorted(replies, key=lambda r: (r.replied_on is None, r.replied_on or datetime.min))


_REPLIED_ON = attrgetter("replied_on")


SHOW_EARLIER = "thread:earlier"  # the link that unfolds the replies a long thread starts with folded
WHOLE_MESSAGE = "message:"  # + the message's key: opens it whole in a plain-text viewer
MESSAGE_SHOWN = 8_000  # characters of one message laid out in the thread (a support message is far shorter)


def render_thread(ticket: Ticket, agent_email: str = "", *, folded: int = 0, agents: Collection[str] = (),
                  first_seen: str = "") -> str:
    """The original message, then the replies in time order, each labelled by who wrote it: "you", an
    "agent" (``agents``: casefolded addresses known as agents'), the "customer" (the requester's address),
    or a plain "reply" from an address the desk does not know.

    ``folded``: how many of the earliest replies stand folded behind a link that unfolds them
    (laying out hundreds of replies stalls the window). ``first_seen``: when this desk first saw the
    ticket (ISO 8601), the only time the original message has (the API gives it none).
    """
    own = agent_email.strip().casefold()
    customer = (ticket.email_address or "").strip().casefold()
    replies = in_time_order(ticket.replies)
    opened = f"opened the ticket · first seen by this desk {when(first_seen)}" if first_seen else "opened the ticket"
    blocks = [_entry(ticket.requester or "Requester", ticket.email_address, None, ticket.message,
                     css="original", label=opened, show_time=False, key=0)]
    earlier = min(max(folded, 0), len(replies))
    if earlier:
        blocks.append(f'<p class="earlier"><a href="{SHOW_EARLIER}">Show {earlier} earlier '
                      f'repl{"y" if earlier == 1 else "ies"}</a></p>')
    for key, reply in enumerate(replies[earlier:], start=earlier + 1):
        role = _role((reply.email_address or "").strip().casefold(), own, customer, agents)
        blocks.append(_entry(reply.author, reply.email_address, reply.replied_on, reply.message,
                             css=ROLE_CSS[role], label=role, key=key))
    return "".join(blocks)


ROLE_CSS = {"you": "own", "agent": "agent", "customer": "customer", "reply": "reply"}


def _role(address: str, own: str, customer: str, agents: Collection[str]) -> str:
    """Who wrote a reply, by its (casefolded) address: this desk's agent first, then the requester, then a
    known agent (the requester's own address wins when an agent filed a ticket for themselves)."""
    if not address:
        return "reply"
    if address == own:
        return "you"
    if address == customer:
        return "customer"
    return "agent" if address in agents else "reply"


THREAD_CSS = """
.who { font-weight: bold; }
.meta { color: #808080; }
table.original { background-color: rgba(127, 127, 127, 0.10); }
table.reply { background-color: rgba(127, 127, 127, 0.04); }
table.customer { background-color: rgba(127, 127, 127, 0.10); }
table.agent { background-color: rgba(25, 118, 210, 0.12); margin-left: 24px; }
table.own { background-color: rgba(46, 125, 50, 0.14); margin-left: 24px; }
table { margin-bottom: 6px; }
p.earlier { margin: 6px 0 12px 8px; }
"""
