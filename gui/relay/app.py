"""The relay process: webhook listener, hint fetcher, and a loop that elects, polls and reports health.

``run(args)`` is what ``main.py --relay`` calls. Everything here is Qt-free and headless; SIGTERM
and Ctrl+C set one stop event, and every part ends within a second of it. Start-up problems (no
keys, a bad database URL, a port in use) are one line on standard error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from ..api import ApiError, TogaClient
from ..logs import configure
from ..services.refresh import RefreshPolicy
from ..services.webhook_listener import WebhookListener
from ..team import TeamError, TeamRegistry
from .election import LeaderElection
from .feed import RegistryFeed
from .health import HEARTBEAT_S, HealthWriter
from .hints import HintFetcher
from .keys import KeysError, load_keys
from .poller import RegistrySink, RelayPoller

log = logging.getLogger(__name__)

LOOP_THREAD = "togadesk-relay-loop"
DEFAULT_PATH = "/toga/webhook"


@dataclass
class RelayTimings:
    """How often the loop does each thing; tests shorten them."""

    tick_s: float = 0.5
    heartbeat_s: float = HEARTBEAT_S
    election_retry_s: float = 1.0
    hint_per_ticket_s: float = 1.0
    policy: RefreshPolicy | None = None  # None: the relay's own (poller.RELAY_POLICY)


class Relay:
    """One relay: ``start()`` binds and starts its threads, ``url`` is where webhooks go, ``stop()`` ends it."""

    def __init__(self, team_url: str, server_url: str, public_key: str, secret_key: str, *,
                 host: str = "127.0.0.1", port: int = 0, path: str = DEFAULT_PATH,
                 timings: RelayTimings | None = None) -> None:
        self.timings = timings or RelayTimings()
        self.client: TogaClient | None = None
        self.registry: TeamRegistry | None = None
        self.listener: WebhookListener | None = None
        self.hints: HintFetcher | None = None
        self._stop = threading.Event()
        self._loop: threading.Thread | None = None
        self._host, self._port, self._path = host, port, path
        self.failed: BaseException | None = None
        try:
            self.registry = TeamRegistry(team_url, agent="relay")
            self.registry._run("connect", lambda conn: None)  # connects and checks the schema, or says why not
            self.listener = WebhookListener(self._hint, host=host, port=port, path=path)
            self.client = TogaClient(server_url, public_key, secret_key, timeout=(5.0, 15.0))
        except BaseException:
            self.close()
            raise
        self.env = self.client.base_url  # the key desks use for this vendor server
        self.relay_id = f"{socket.gethostname()}:{self.listener.url.rsplit(':', 1)[1].split('/', 1)[0]}"
        self.registry.agent = f"relay {self.relay_id}"
        self.hints = HintFetcher(self.client.get_ticket, lambda ticket, at: self.registry.publish(self.env, ticket, at),
                                 per_ticket_s=self.timings.hint_per_ticket_s)
        self.poller = RelayPoller(self.client.get_ticket, RegistrySink(self.registry, self.env),
                                  policy=self.timings.policy)
        self.feed = RegistryFeed(self.registry, self.env, self.poller)
        self.election = LeaderElection(self.registry, self.env, retry_s=self.timings.election_retry_s)
        self.health = HealthWriter(self.registry, self.env, self.relay_id)

    @property
    def url(self) -> str:
        return self.listener.url if self.listener is not None else ""

    def _hint(self, event) -> None:
        if self.hints is not None:
            self.hints.offer(event)

    def start(self) -> Relay:
        self.hints.start()
        self._write_health(starting=True)
        self._loop = threading.Thread(target=self._run_loop, name=LOOP_THREAD, daemon=True)
        self._loop.start()
        self.listener.start()
        return self

    def stop(self) -> None:
        """Stops taking webhooks, ends the loop and the fetchers, gives up the lock, says so in its row."""
        self._stop.set()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.client is not None:
            self.client.cancel()  # a GET under way ends now
        if self.hints is not None:
            self.hints.stop()
        if self._loop is not None:
            self._loop.join(10)
            self._loop = None
        self.close()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.client is not None:
            self.client.close()
        if self.registry is not None:
            self.registry.close()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the relay has stopped (or its loop died)."""
        return self._stop.wait(timeout)

    # ------------------------------------------------------------ the loop

    def _run_loop(self) -> None:
        next_beat = 0.0
        try:
            while not self._stop.is_set():
                was_leader = self.election.leader
                leader = self.election.step()
                if leader != was_leader:
                    self._lead(leader)
                    next_beat = 0.0
                if leader:
                    self._poll_once()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.timings.heartbeat_s
                    self._write_health()
                self._stop.wait(self.timings.tick_s)
        except BaseException as exc:  # a bug: say so and stop the process rather than run half-dead
            log.exception("The relay's loop failed")
            self.failed = exc
            self._stop.set()
        finally:
            self.election.resign()
            self._write_health(leader=False)

    def _lead(self, leader: bool) -> None:
        if not leader:
            self.poller.reset()
            return
        try:
            count = self.feed.load()
            log.info("Polling %d tickets of %s for the team", count, self.env)
        except TeamError as error:
            log.warning("Could not read the team's tickets: %s", error)
            self.election.resign()

    def _poll_once(self) -> None:
        try:
            self.feed.sync()
        except TeamError as error:
            log.warning("Could not read the event log: %s", error)
            return
        self.poller.poll()

    def _write_health(self, *, starting: bool = False, leader: bool | None = None) -> None:
        last = self.poller.last_round
        try:
            self.health.write(
                leader=self.election.leader if leader is None else leader,
                last_poll=datetime.fromtimestamp(last, UTC) if last is not None else None,
                last_webhook=self.hints.last_webhook if self.hints is not None else None,
                lag_seconds=self.poller.lag_seconds if self.election.leader else None, starting=starting)
        except TeamError as error:
            log.warning("Could not write the relay's health: %s", error)


# ------------------------------------------------------------ main.py --relay

def _say(message: str) -> int:
    print(f"TOGaDesk relay: {message}", file=sys.stderr, flush=True)
    return 1


def run(args: argparse.Namespace) -> int:
    """``main.py --relay``: runs until SIGTERM or Ctrl+C (exit 0); a start-up problem is one line, exit 1."""
    if not args.team or not args.server:
        return _say("--relay needs --team URL (the team database) and --server URL (the vendor's API).")
    try:
        public, secret = load_keys(args.key_file)
    except KeysError as error:
        return _say(str(error))
    configure(None, getattr(logging, args.log_level, logging.INFO), to_stderr=True)
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set())
                for number in (signal.SIGINT, getattr(signal, "SIGTERM", signal.SIGINT))}
    try:
        relay = Relay(args.team, args.server, public, secret, host=args.host, port=args.port, path=args.path)
    except (TeamError, ApiError) as error:
        return _say(str(error))
    except OSError as error:
        return _say(f"Could not listen on {args.host}:{args.port}: {error.strerror or error}.")
    relay.start()
    print(f"TOGaDesk relay listening on {relay.url}", flush=True)
    log.info("Relay %s for %s; webhooks at %s", relay.relay_id, relay.env, relay.url)
    try:
        while not stop.wait(0.5) and not relay.wait(0):
            pass
    finally:
        relay.stop()
        for number, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(number, handler)
    if relay.failed is not None:
        return _say("stopped after an internal error (see the log above).")
    log.info("Relay stopped.")
    return 0
