"""Saved views of the ticket list: the agent's filters kept under a name, per environment. No Qt.

A view is everything that decides which tickets the list shows and in which order: the filter text as typed,
the statuses, the priority, All / Mine / Unassigned, the sort, and the conditions the filter bar cannot say
alone (only unread, no activity for some hours). This module says what a view is, how it is written down
(``to_json`` / ``from_json``, tolerant of what an older or newer desk wrote) and turns it into the index's
``Filter`` at a given moment; the local store keeps them (``LocalStore.saved_views``) and ``SavedViews`` binds
the store to one environment for the widgets. The name is the agent's own text, always shown as plain text.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .api.errors import ValidationError
from .ticket_index import ACTIVITY, COLUMNS, EVERY_STATUS_BUT, UNASSIGNED, Filter, make_filter, statuses

if TYPE_CHECKING:
    from .store import LocalStore

NAME_CHARS = 80  # a view's name fits a list beside the tickets
IDLE_HOURS_MAX = 24 * 365  # "no activity for more than a year" is the longest that means anything
SHORTCUT_VIEWS = 9  # the first nine views have a key each (Alt+1 ... Alt+9)
ALL, MINE, UNASSIGNED_VIEW = "all", "mine", "unassigned"  # the list's view box, by its data
WHO = (ALL, MINE, UNASSIGNED_VIEW)


class SavedViewError(ValidationError):
    """A view that cannot be saved as asked (no name, a name another view has), said in words."""


@dataclass(frozen=True)
class SavedView:
    """One saved view; ``id`` 0 until stored."""

    name: str
    text: str = ""  # the filter text as the agent typed it
    statuses: frozenset[str] = field(default_factory=frozenset)  # as ticket_index.statuses reads it
    priority: str = ""
    who: str = ALL  # ALL, MINE or UNASSIGNED_VIEW
    sort_column: int = ACTIVITY
    descending: bool = True
    unread: bool = False  # only unread tickets
    idle_hours: int = 0  # only tickets whose last activity is more than this many hours ago (0: any)
    id: int = 0

    def checked(self) -> SavedView:
        """The view as it is stored: its name on one line and trimmed, each part within its range."""
        name = " ".join(self.name.split())
        if not name:
            raise SavedViewError("A saved view needs a name.")
        if len(name) > NAME_CHARS:
            raise SavedViewError(f"A view's name can be {NAME_CHARS} characters at most.")
        return replace(self, name=name, statuses=statuses(self.statuses),
                       who=self.who if self.who in WHO else ALL,
                       sort_column=self.sort_column if 0 <= self.sort_column < COLUMNS else ACTIVITY,
                       idle_hours=max(0, min(IDLE_HOURS_MAX, int(self.idle_hours))))

    def filter_at(self, now: datetime, me: str, in_team: bool, text: str | None = None) -> Filter:
        """The index's filter for this view at ``now``: ``me`` is the agent as ``store.person`` writes them
        (no one: "Mine" shows every ticket, as the list does), Unassigned only in a team; ``text``: the filter
        text as the list searches it (a phone number as its digits), if not the view's own."""
        person = me if self.who == MINE else UNASSIGNED if self.who == UNASSIGNED_VIEW and in_team else ""
        return make_filter(self.text if text is None else text, self.statuses, self.priority, person,
                           self.unread, older_than(self.idle_hours, now))

    def to_json(self) -> str:
        shown = sorted(self.statuses - {EVERY_STATUS_BUT})
        return json.dumps({
            "text": self.text, "statuses": shown, "all_but": EVERY_STATUS_BUT in self.statuses,
            "priority": self.priority, "who": self.who, "sort_column": self.sort_column,
            "descending": self.descending, "unread": self.unread, "idle_hours": self.idle_hours,
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, name: str, text: str, id_: int = 0) -> SavedView:
        """Tolerant: a part missing or of the wrong kind takes its default, unknown parts are ignored; a text that
        is not a JSON object raises ValueError."""
        parts = json.loads(text)
        if not isinstance(parts, dict):
            raise ValueError("a saved view is a JSON object")

        def get(key: str, kind: type, default: Any) -> Any:
            value = parts.get(key, default)
            return value if isinstance(value, kind) and not (kind is int and isinstance(value, bool)) else default

        names = [s for s in get("statuses", list, []) if isinstance(s, str)]
        wanted = frozenset(names) | ({EVERY_STATUS_BUT} if get("all_but", bool, False) and names else set())
        return cls(name, get("text", str, ""), statuses(wanted), get("priority", str, ""), get("who", str, ALL),
                   get("sort_column", int, ACTIVITY), get("descending", bool, True), get("unread", bool, False),
                   get("idle_hours", int, 0), id_).checked()

    def conditions(self) -> str:
        """The conditions beyond the filter bar, in words ("unread, idle over 2 days"); '' for none."""
        return conditions_text(self.unread, self.idle_hours)


def conditions_text(unread: bool, idle_hours: int) -> str:
    parts = ["unread"] if unread else []
    if idle_hours:
        parts.append(f"idle over {hours_text(idle_hours)}")
    return ", ".join(parts)


def hours_text(hours: int) -> str:
    """48 -> "2 days", 36 -> "36 hours", 1 -> "1 hour"."""
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def older_than(idle_hours: int, now: datetime) -> str:
    """The ``Filter`` bound for "no activity for more than ``idle_hours``" at ``now``: that time in UTC as the
    store writes ``last_activity``, to the minute (so that one minute's filters are the same and cached)."""
    if idle_hours <= 0:
        return ""
    moment = (now.astimezone(UTC) - timedelta(hours=idle_hours)).replace(second=0, microsecond=0)
    return moment.isoformat(timespec="seconds")


class SavedViews:
    """The saved views of one environment in the local store, in the agent's order (the keys follow it)."""

    def __init__(self, store: LocalStore, env: str):
        self.store = store
        self.env = env

    def all(self) -> list[SavedView]:
        """Every view; one that cannot be read (written by a newer desk, say) is left out, and left alone."""
        views = []
        for id_, name, definition in self.store.saved_views(self.env):
            try:
                views.append(SavedView.from_json(name, definition, id_))
            except ValueError:
                continue
        return views

    def save(self, view: SavedView) -> SavedView:
        """Adds (id 0) or replaces one; SavedViewError for a name another view of this environment has."""
        view = view.checked()
        try:
            stored = self.store.save_view(self.env, view.id, view.name, view.to_json())
        except sqlite3.IntegrityError:
            raise SavedViewError(f"You already have a view named \u201c{view.name}\u201d.") from None
        if stored is None:
            raise SavedViewError(f"\u201c{view.name}\u201d is no longer stored here.")
        return replace(view, id=stored)

    def delete(self, view_id: int) -> None:
        self.store.delete_view(self.env, view_id)
