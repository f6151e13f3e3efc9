"""The team registry on PostgreSQL: the team's tickets per environment, an event log, search.

No Qt here: a desk calls it from worker threads, the relay and scripts use it as is. Connection,
permission and data problems all raise ``TeamError`` with a message fit for the status bar.
"""

from .errors import TeamError
from .registry import Assignment, RegistryTicket, TeamEvent, TeamRegistry, phone_digits
from .schema import CHANNEL, DESK_ROLE, RELAY_ROLE, SCHEMA, SCHEMA_VERSION
from .setup import setup_team

__all__ = [
    "CHANNEL", "DESK_ROLE", "RELAY_ROLE", "SCHEMA", "SCHEMA_VERSION", "Assignment", "RegistryTicket", "TeamError",
    "TeamEvent", "TeamRegistry", "phone_digits", "setup_team",
]
