"""How the desk writes a moment for people: one format everywhere (local time, minutes; relative where it helps).

The server and the stores keep ISO 8601 in UTC; nothing but this module turns one into words.
"""

from __future__ import annotations

from datetime import UTC, datetime

FORMAT = "%Y-%m-%d %H:%M"  # local time, to the minute: the list, the thread, orders, diagnostics
PRECISE = "%Y-%m-%d %H:%M:%S"  # where seconds tell two events apart (the journal of what was sent)


def parse(iso: str | datetime | None) -> datetime | None:
    """An ISO 8601 text (or a datetime) as an aware datetime; None when empty or not a time. Naive means UTC."""
    if iso is None or iso == "":
        return None
    if isinstance(iso, datetime):
        moment = iso
    else:
        try:
            moment = datetime.fromisoformat(str(iso).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_time(iso: str | datetime | None, *, precise: bool = False) -> str:
    """Local time in the one format; text that is not a time is shown as it came (never hidden, never a crash)."""
    moment = parse(iso)
    if moment is None:
        return "" if iso is None else str(iso)
    try:
        return moment.astimezone().strftime(PRECISE if precise else FORMAT)
    except (OverflowError, OSError, ValueError):  # year 1 or 9999 in a far time zone
        return moment.strftime(PRECISE if precise else FORMAT) + " UTC"


def relative(moment: datetime | None, now: datetime | None = None) -> str:
    """'3 h ago'; '' without a moment."""
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 0:
        return "in the future"
    for size, unit in ((86400 * 365, "y"), (86400 * 30, "mo"), (86400 * 7, "w"), (86400, "d"), (3600, "h"),
                       (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def when(moment: str | datetime | None) -> str:
    """Local time with how long ago: '2026-12-01 14:05 (3 h ago)'."""
    parsed = parse(moment)
    if parsed is None:
        return "time unknown"
    return f"{local_time(parsed)} ({relative(parsed)})"
