"""One environment's live connection: the shared client, the ticket owner, the services, its task scope,
and the built-in sandbox if chosen.

No widgets here. Switching environment closes one Connection and opens another; the
local store is shared and partitioned by ``Profile.store_key``. Closing cancels the
scope first: tasks still queued are skipped and requests in flight stop at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, AuthError, NotFoundError, TogaClient
from .services.orders import OrderService
from .services.tickets import Agent, TicketService
from .settings import SANDBOX, Profile
from .store import LocalStore
from .tasks import TaskScope
from .tickets import TicketRepository

if TYPE_CHECKING:
    from .sandbox import SandboxServer
    from .team.sync import TeamSync

log = logging.getLogger(__name__)

PROBE_TICKET = 1  # ticket numbers are 8 digits: asking for #1 tells good keys (404) from bad ones (401)


@dataclass(frozen=True)
class SandboxFaults:
    """How the built-in sandbox misbehaves on purpose (``--demo --latency-ms 3000``): see a slow server."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    answer_delay_ms: float = 0.0  # after the change is committed (a slow gateway): ``--demo --answer-delay-ms``
    server_url: str = ""  # a sandbox already running there (``--demo --server URL``) instead of a new one


class Connection:
    def __init__(self, profile: Profile, secret: str, store: LocalStore, sandbox_db: Path | None = None,
                 faults: SandboxFaults | None = None, repository: TicketRepository | None = None,
                 team_url: str = "", team_password: str = ""):
        """``repository``: the owner of this environment's tickets if the window already shows its stored list.
        ``team_url``: the team registry's PostgreSQL URL (no password in it: libpq's PGPASSFILE/PGPASSWORD)."""
        self.profile = profile
        self.sandbox: SandboxServer | None = None
        self.scope = TaskScope(profile.label)
        faults = faults or SandboxFaults()
        if profile.environment == SANDBOX and faults.server_url:
            self.client = TogaClient(faults.server_url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
        elif profile.environment == SANDBOX:
            path = str(sandbox_db) if sandbox_db else None
            if sandbox_db:
                sandbox_db.parent.mkdir(parents=True, exist_ok=True)
            from .sandbox import SandboxServer  # here: an HTTP server's modules are not what the first paint needs

            self.sandbox = SandboxServer(db_path=path, latency_ms=faults.latency_ms)
            self.sandbox.faults.error_rate = faults.error_rate
            self.sandbox.faults.drop_rate = faults.drop_rate
            self.sandbox.faults.answer_delay_ms = faults.answer_delay_ms
            self.sandbox.start()
            self.client = TogaClient(self.sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
        else:
            self.client = TogaClient(profile.base_url, profile.public_key, secret)
        fits = repository is not None and repository.env == profile.store_key and repository.store is store
        self.repository = repository if fits and not repository.closed else TicketRepository(store, profile.store_key)
        self.team: TeamSync | None = None
        if team_url:
            from .team import TeamRegistry
            from .team.sync import TeamSync

            agent = profile.email_address or " ".join(p for p in (profile.first_name, profile.last_name) if p)
            registry = TeamRegistry(team_url, agent=agent or "a desk", password=team_password or None)
            self.team = TeamSync(registry, self.repository, self.client.base_url)  # stopped with the scope
            self.team.name = " ".join(p for p in (profile.first_name, profile.last_name) if p)
        self.tickets = TicketService(self.client, self.repository, team=self.team)
        self.orders = OrderService(self.client, store, profile.store_key)
        self.scope.on_cancel(self.repository.close)
        self.scope.on_cancel(self.client.cancel)
        log.info("Connected to %s", profile.label)

    @property
    def agent(self) -> Agent:
        return Agent(self.profile.first_name, self.profile.last_name, self.profile.email_address)

    def close(self) -> None:
        """Stops everything this connection started; tasks still running end at their next step."""
        self.scope.cancel()
        self.client.close()
        if self.team is not None:
            self.team.join()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None


def check_keys(base_url: str, public_key: str, secret_key: str) -> str:
    """A signed request with these values; the result in words. Raises ApiError when they do not work."""
    with TogaClient(base_url, public_key, secret_key, timeout=(5, 15), max_tries=1) as client:
        try:
            client.get_ticket(PROBE_TICKET)
        except NotFoundError:
            return "The keys work: the server accepted the signed request."
        except AuthError as error:
            raise AuthError(f"The server refused these keys: {error.message}", error.status) from None
    return "The keys work: the server accepted the signed request."
