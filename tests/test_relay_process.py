"""``python main.py --relay`` as a team runs it: its first line, a clean stop on SIGTERM, one-line start-up
errors, no Qt in the process, and two relays where the standby polls within seconds of the leader's kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from psycopg.conninfo import conninfo_to_dict

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, Status, Ticket
from gui.relay.health import polling_relay, relay_health
from gui.relay.keys import KeysError, load_keys
from gui.team import RELAY_ROLE, TeamRegistry
from tests.team_postgres import free_port, login_role, with_database

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "relay-secret-77c"
WAIT = 10.0
FIRST_LINE = "TOGaDesk relay listening on http://127.0.0.1:"


@pytest.fixture(scope="module")
def relay_url(team_schema: str) -> Iterator[str]:
    with login_role(team_schema, "relay", PASSWORD, RELAY_ROLE) as name:
        yield with_database(team_schema, conninfo_to_dict(team_schema)["dbname"], user=name)


def relay_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOGA_", "PG"))}
    return {**env, "TOGA_PUBLIC_KEY": SAMPLE_PUBLIC_KEY, "TOGA_SECRET_KEY": SAMPLE_SECRET_KEY,
            "PGPASSWORD": PASSWORD, **extra}


def start_relay(team: str, server: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--relay", "--team", team, "--server", server,
                             "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env or relay_env())


def finish(process: subprocess.Popen) -> tuple[str, str]:
    if process.poll() is None:
        process.kill()
    return process.communicate(timeout=WAIT)


def until(condition, what: str, timeout: float = WAIT):
    """Waits for a condition in another process (a database row), looking every 50 ms."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


def test_the_first_line_names_the_webhook_url_and_sigterm_ends_it_with_exit_0(relay_url, sandbox):
    relay = start_relay(relay_url, sandbox.url)
    try:
        first = relay.stdout.readline().rstrip("\n")
        assert first.startswith(FIRST_LINE) and first.endswith("/toga/webhook"), first
        url = first.split(" on ", 1)[1]
        assert int(url.rsplit(":", 1)[1].split("/")[0]) > 0  # --port 0 shows the port it got
        hint = {"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "OPEN"}
        assert requests.post(url, json=hint, timeout=5).status_code == 202
        maps = Path(f"/proc/{relay.pid}/maps")
        if maps.exists():  # the running process has no Qt library mapped, whatever it imported late
            assert not any(name in maps.read_text() for name in ("libQt6", "libpyside6", "shiboken6"))
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(WAIT) == 0
    finally:
        out, err = finish(relay)
    assert "Traceback" not in err and PASSWORD not in err and SAMPLE_SECRET_KEY not in err
    assert out == ""  # the first line was the only one


def test_the_relay_imports_nothing_from_qt():
    code = ("import sys, main, gui.relay.app, gui.relay.health\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=WAIT)
    assert done.stdout.strip() == "[]", done.stderr


def test_without_keys_it_says_so_in_one_line_and_exits_non_zero(relay_url, sandbox):
    env = relay_env()
    del env["TOGA_SECRET_KEY"]
    out, err = start_relay(relay_url, sandbox.url, env=env).communicate(timeout=WAIT)
    assert err.count("\n") == 1 and "TOGA_SECRET_KEY" in err and "Traceback" not in err
    assert out == ""


def test_a_key_file_others_can_read_is_refused_and_one_only_its_owner_reads_is_used(tmp_path):
    keys = tmp_path / "relay.keys"
    keys.write_text(f"# the relay's vendor keys\nTOGA_PUBLIC_KEY={SAMPLE_PUBLIC_KEY}\n"
                    f"TOGA_SECRET_KEY='{SAMPLE_SECRET_KEY}'\n")
    keys.chmod(0o640)
    with pytest.raises(KeysError, match="chmod 600") as refused:
        load_keys(str(keys), environ={})
    assert SAMPLE_SECRET_KEY not in str(refused.value)
    keys.chmod(0o600)
    assert load_keys(str(keys), environ={"TOGA_PUBLIC_KEY": "ignored"}) == (SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
    with pytest.raises(KeysError, match="TOGA_PUBLIC_KEY and TOGA_SECRET_KEY"):
        load_keys(None, environ={})


def test_a_bad_database_url_is_one_line_without_its_password_and_a_non_zero_exit(sandbox):
    team = f"postgresql://relay:hunter2-secret@127.0.0.1:{free_port()}/team"  # nothing listens there
    relay = start_relay(team, sandbox.url)
    out, err = relay.communicate(timeout=WAIT)
    assert relay.returncode != 0 and out == ""
    assert err.count("\n") == 1 and "Could not connect to the team" in err, err
    assert "hunter2" not in err and "Traceback" not in err


def test_when_the_leader_is_killed_the_standby_polls_within_seconds(relay_url, team_schema, sandbox):
    env = sandbox.url
    desk = TeamRegistry(team_schema, agent="desk@team.example")
    first = start_relay(relay_url, sandbox.url)
    second = None
    try:
        assert first.stdout.readline().startswith(FIRST_LINE)
        leader = until(lambda: polling_relay(desk, env), "the first relay to lead")
        second = start_relay(relay_url, sandbox.url)
        assert second.stdout.readline().startswith(FIRST_LINE)
        until(lambda: len(relay_health(desk, env)) == 2, "the second relay's row")
        assert polling_relay(desk, env).relay_id == leader.relay_id  # one leader; the other stands by
        first.send_signal(signal.SIGKILL)
        first.wait(WAIT)
        killed = time.monotonic()
        # A desk records a ticket it fetched two hours ago: overdue, so whoever polls fetches it at once.
        stale = Ticket(ticket_number=12345678, subject="old", status=Status.OPEN, email_address="a@example.com")
        desk.publish(env, stale, datetime.now(UTC) - timedelta(hours=2))
        fresh = until(lambda: (t := desk.snapshot(env, 12345678)) and t.fetched_by != "desk@team.example" and t,
                      "the standby to poll")
        took = time.monotonic() - killed
        taker = polling_relay(desk, env)
        assert taker is not None and taker.relay_id != leader.relay_id
        assert fresh.fetched_by == f"relay {taker.relay_id}" and fresh.ticket.subject != "old"
        assert took < 5.0, took
        # The killed one's row goes stale by itself: with a short staleness it no longer counts as alive.
        killed_row = next(r for r in relay_health(desk, env, stale_after=0.5) if r.relay_id == leader.relay_id)
        until(lambda: not next(r for r in relay_health(desk, env, stale_after=0.5)
                               if r.relay_id == leader.relay_id).alive, "the dead relay's row to go stale")
        assert killed_row.leader  # it never said goodbye; only its age tells
        second.send_signal(signal.SIGTERM)
        assert second.wait(WAIT) == 0
    finally:
        desk.close()
        finish(first)
        if second is not None:
            finish(second)
