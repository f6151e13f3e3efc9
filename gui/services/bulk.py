"""A status or priority change asked of several tickets at once: whose turn it is, what each came to, the words.

No Qt and no requests: the controller sends each ticket's PUT itself, one ticket at a time in the order the
list showed them, through the same path (lane, journal, fetch) as a single change. This object only keeps
the tally, so the progress line and the summary say the same thing the tests read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api import ApiError

SUMMARY_NAMES = 5  # failures named in the summary; the rest are counted


def value_words(value: str) -> str:
    """A status or priority as the boxes show it: IN_PROGRESS -> In Progress."""
    return str(value).replace("_", " ").title()


def reason_of(error: ApiError) -> str:
    """Why one ticket was not changed, in a few words (the server's own text kept; shown as plain text)."""
    message = error.message.rstrip(".")
    if error.maybe_applied:
        return f"no clear answer, it may have changed: {message}"
    if error.status is not None and 400 <= error.status < 500:
        return f"the server refused: {message}"
    return message


@dataclass
class Batch:
    """One bulk change: ``numbers`` in list order, each ``field`` set to ``value``."""

    field: str
    value: str
    numbers: list[int]
    changed: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # had the value: nothing was sent
    failed: dict[int, str] = field(default_factory=dict)  # number -> why not
    cancelled: bool = False
    current: int | None = None  # the ticket whose PUT is on its way (one at a time)
    _next: int = 0

    @property
    def total(self) -> int:
        return len(self.numbers)

    @property
    def handled(self) -> int:
        return len(self.changed) + len(self.already) + len(self.failed)

    @property
    def finished(self) -> bool:
        return self.current is None and (self.cancelled or self._next >= len(self.numbers))

    def take_next(self) -> int | None:
        """The next ticket to change, or None when all were (or the rest were cancelled)."""
        if self.current is not None:
            raise RuntimeError("one ticket at a time: the previous one has not answered")
        if self.cancelled or self._next >= len(self.numbers):
            return None
        self.current = self.numbers[self._next]
        self._next += 1
        return self.current

    def done(self) -> None:
        self.changed.append(self._end())

    def had_it(self) -> None:
        self.already.append(self._end())

    def refused(self, reason: str) -> None:
        self.failed[self._end()] = reason

    def _end(self) -> int:
        number, self.current = self.current, None
        if number is None:
            raise RuntimeError("no ticket is being changed")
        return number

    def cancel(self) -> None:
        """The rest are not sent; the one on its way (if any) still answers."""
        self.cancelled = True

    @property
    def not_sent(self) -> list[int]:
        """Tickets never tried (cancelled), in list order."""
        return self.numbers[self._next:] if self.cancelled else []

    @property
    def not_changed(self) -> list[int]:
        """Failed or never sent, in list order: what stays selected afterwards."""
        left = set(self.failed) | set(self.not_sent)
        return [n for n in self.numbers if n in left]

    def progress(self) -> str:
        """The progress line: "Setting status to Closed: 3 of 20…" (the ticket on its way counts)."""
        step = min(self.handled + (self.current is not None), self.total)
        return f"Setting {self.field} to {value_words(self.value)}: {step} of {self.total}\u2026"

    def summary(self) -> str:
        """What it came to: "17 changed, 3 not: #123 (the server refused: …)"."""
        words = value_words(self.value)
        parts = [f"{len(self.changed)} changed to {words}" if self.changed else "none changed"]
        if self.already:
            parts.append(f"{len(self.already)} {'was' if len(self.already) == 1 else 'were'} {words} already")
        text = ", ".join(parts)
        if self.failed:
            named = [f"#{n} ({why})" for n, why in list(self.failed.items())[:SUMMARY_NAMES]]
            more = len(self.failed) - len(named)
            text += f", {len(self.failed)} not: " + ", ".join(named) + (f" and {more} more" if more else "")
        if self.not_sent:
            text += f"; cancelled: {len(self.not_sent)} not sent"
        head = f"The {self.field} of {self.total} tickets: "
        return head + text + "."
