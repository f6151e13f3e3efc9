"""The team registry's one error family."""

from __future__ import annotations


class TeamError(Exception):
    """The team database cannot do what was asked: unreachable, refused, or it answered nonsense.

    The message is one readable sentence naming the database by host, database and user; it never
    holds the password, the connection string or a traceback, so it can go to the status bar and
    the log as it is.
    """
