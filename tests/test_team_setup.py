"""``--team-setup``: the schema, its version, the roles and their least privilege, on a real PostgreSQL."""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from gui.api.models import Ticket
from gui.team import DESK_ROLE, RELAY_ROLE, SCHEMA_VERSION, TeamError, TeamRegistry, setup_team
from gui.team.conninfo import prepare
from tests.team_postgres import login_role, with_database

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_database fixtures
ROOT = Path(__file__).resolve().parents[1]


# -- the connection defaults (no server needed) ---------------------------------------------------------

@pytest.mark.parametrize("url", [
    "postgresql://alice@db.example.com/team", "host=10.0.0.5 dbname=team", "postgresql://a@[2001:db8::1]/t",
    "postgresql://a@localhost,db.example.com/t",
])
def test_a_remote_host_gets_verify_full_unless_the_url_chooses(url):
    assert prepare(url)["sslmode"] == "verify-full"
    assert prepare(url + (" sslmode=disable" if "=" in url.split("/")[0] else "?sslmode=require"))["sslmode"] in {
        "disable", "require"}


@pytest.mark.parametrize("url", [
    "postgresql://alice@127.0.0.1/team", "postgresql://alice@localhost/team", "postgresql://a@[::1]/t",
    "host=/var/run/postgresql dbname=t", "dbname=t", "postgresql:///t",
])
def test_this_machine_needs_no_tls(url):
    params = prepare(url)
    assert "sslmode" not in params
    assert params["connect_timeout"] == "5"


def test_a_password_given_apart_overrides_the_url_and_a_bad_url_is_not_echoed():
    assert prepare("postgresql://alice@db/t", "s3cret")["password"] == "s3cret"
    with pytest.raises(TeamError) as caught:
        prepare("host=db password=se cret-words")
    assert "cret" not in str(caught.value)


# -- setup ---------------------------------------------------------------------------------------------

def test_setup_says_what_it_did_and_a_second_run_changes_nothing(team_database):
    first = setup_team(team_database)
    assert "applied migration 1: tickets, the event log with NOTIFY, trigram search indexes" in first
    assert any(DESK_ROLE in line and ("created role" in line or "exists" in line) for line in first)
    assert any(f"GRANT {DESK_ROLE} TO" in line for line in first)
    with psycopg.connect(team_database) as conn:
        before = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                              " WHERE n.nspname = 'togadesk'").fetchone()[0]
    second = setup_team(team_database)
    assert f"the schema is at version {SCHEMA_VERSION}: nothing to migrate" in second
    assert f"role {DESK_ROLE} (desks) exists" in second and f"role {RELAY_ROLE} (the relay) exists" in second
    assert not any(line.startswith(("applied", "created")) for line in second)
    with psycopg.connect(team_database) as conn:
        assert conn.execute("SELECT version FROM togadesk.schema_version ORDER BY version").fetchall() == [
            (version,) for version in range(1, SCHEMA_VERSION + 1)]
        after = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                             " WHERE n.nspname = 'togadesk'").fetchone()[0]
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'togadesk'")}
    assert after == before
    assert {"ticket_name_trgm", "ticket_email_trgm", "ticket_phone_trgm", "ticket_subject_trgm",
            "ticket_message_trgm"} <= indexes


def test_two_setups_at_once_apply_the_migration_once(team_database):
    import threading

    results: list[list[str] | BaseException] = []

    def run() -> None:
        try:
            results.append(setup_team(team_database))
        except BaseException as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(isinstance(r, list) for r in results), results
    assert sum("applied migration 1" in " ".join(r) for r in results) == 1


def test_the_registry_refuses_a_database_without_the_schema_or_with_another_version(team_database):
    with TeamRegistry(team_database, agent="ann") as registry, pytest.raises(TeamError, match="--team-setup"):
        registry.head("env")
    setup_team(team_database)
    with psycopg.connect(team_database) as conn:
        conn.execute("INSERT INTO togadesk.schema_version (version, description) VALUES (99, 'from the future')")
    with TeamRegistry(team_database, agent="ann") as registry, pytest.raises(TeamError, match="newer"):
        registry.head("env")
    with pytest.raises(TeamError, match="newer than this app knows"):
        setup_team(team_database)


def test_a_malformed_snapshot_in_the_database_is_a_team_error(team_database):
    setup_team(team_database)
    with psycopg.connect(team_database) as conn:
        conn.execute("""INSERT INTO togadesk.ticket (env, number, snapshot, first_recorded_by, fetched_at, fetched_by)
                        VALUES ('env', 7, '{"ticketNumber": "seven"}', 'x', now(), 'x'),
                               ('env', 8, '{"ticketNumber": 9}', 'x', now(), 'x')""")
    with TeamRegistry(team_database, agent="ann") as registry:
        for number in (7, 8):
            with pytest.raises(TeamError, match=f"malformed snapshot of ticket {number}"):
                registry.snapshot("env", number)


# -- roles ---------------------------------------------------------------------------------------------

def test_the_desk_role_reads_and_writes_tickets_and_nothing_else(postgres, team_database):
    setup_team(team_database)
    with psycopg.connect(team_database, autocommit=True) as admin:
        admin.execute("CREATE TABLE public.payroll (salary int)")
        admin.execute("INSERT INTO public.payroll VALUES (1)")
    password = f"pw-{uuid.uuid4().hex}"
    with login_role(postgres, "desk", password, DESK_ROLE) as user:
        url = with_database(team_database, psycopg.conninfo.conninfo_to_dict(team_database)["dbname"],
                            user=user, password=password)
        with TeamRegistry(url, agent=user) as registry:
            assert registry.publish("env", Ticket(1, subject="hello"), datetime.now(UTC))
            assert [e.kind for e in registry.events_after("env", 0)[0]] == ["added"]
            assert registry.mark_missing("env", 1)
            assert registry.search("env", "hello")[0].number == 1
        with psycopg.connect(url, autocommit=True) as conn:
            refused = [
                "ALTER TABLE togadesk.ticket ADD COLUMN x int",
                "DROP TABLE togadesk.event",
                "DELETE FROM togadesk.ticket",
                "TRUNCATE togadesk.event",
                "UPDATE togadesk.event SET agent = 'someone else'",
                "DELETE FROM togadesk.event",
                "CREATE TABLE togadesk.mine (x int)",
                "DROP SCHEMA togadesk CASCADE",
                "SELECT * FROM public.payroll",
                "INSERT INTO togadesk.schema_version VALUES (2, 'x')",
                "DROP FUNCTION togadesk.event_notify() CASCADE",
            ]
            for statement in refused:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
            assert conn.execute("SELECT count(*) FROM togadesk.ticket").fetchone()[0] == 1


def test_a_login_without_the_desk_role_is_told_which_grant_it_needs(postgres, team_database):
    setup_team(team_database)
    password = f"pw-{uuid.uuid4().hex}"
    with login_role(postgres, "nobody_special", password) as user:
        dbname = psycopg.conninfo.conninfo_to_dict(team_database)["dbname"]
        url = with_database(team_database, dbname, user=user, password=password)
        with TeamRegistry(url, agent=user) as registry, pytest.raises(TeamError) as caught:
            registry.head("env")
    assert f"GRANT {DESK_ROLE} TO {user};" in str(caught.value)


def test_the_password_never_reaches_an_error_or_the_log(postgres, team_database, caplog):
    caplog.set_level(logging.DEBUG)
    setup_team(team_database)
    password = f"Pw-{uuid.uuid4().hex}"
    wrong = f"Wrong-{uuid.uuid4().hex}"
    dbname = psycopg.conninfo.conninfo_to_dict(team_database)["dbname"]
    with login_role(postgres, "desk", password, DESK_ROLE) as user:
        attempts = [
            with_database(team_database, "no_such_database", user=user, password=password),
            with_database(team_database, dbname, user=user, password=wrong),
            f"host=127.0.0.1 port=1 user={user} password={password} dbname={dbname}",
            f"host=127.0.0.1 user={user} password={password} and some junk",
        ]
        errors = []
        for url in attempts:
            try:
                with TeamRegistry(url, agent=user) as registry:
                    registry.head("env")
            except TeamError as exc:
                errors.append(exc)
        good = with_database(team_database, dbname, user=user, password=password)
        with TeamRegistry(good, agent=user) as registry:
            registry.head("env")  # connects and logs
            assert password not in repr(registry)
    auth = psycopg.conninfo.conninfo_to_dict(postgres).get("host") == "127.0.0.1"
    assert len(errors) >= (4 if auth else 3)  # a wrong password only fails where the server checks it
    for exc in errors:
        text = "".join(traceback.format_exception(exc))
        assert password not in text and wrong not in text
        assert "Traceback" not in str(exc) and str(exc).count("\n") == 0
        assert user in str(exc) or "not valid" in str(exc)
    assert password not in caplog.text and wrong not in caplog.text
    assert "Connected to the team" in caplog.text


# -- main.py --team-setup ------------------------------------------------------------------------------

def _setup(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--team-setup", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=False)


@pytest.mark.slow
def test_main_team_setup_exits_0_and_prints_what_it_did(team_database):
    done = _setup(team_database)
    assert done.returncode == 0, done.stderr
    assert "applied migration 1" in done.stdout and f"GRANT {DESK_ROLE} TO" in done.stdout
    again = _setup(team_database)
    assert again.returncode == 0 and "nothing to migrate" in again.stdout


@pytest.mark.slow
@pytest.mark.parametrize("url", ["host=db password=se cret", "postgresql://bob:hunter2@127.0.0.1:1/team"])
def test_main_team_setup_fails_in_one_readable_line(url):
    done = _setup(url)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Team setup failed: "), done.stderr
    assert "cret" not in done.stderr and "hunter2" not in done.stderr


def test_pg_trgm_missing_is_said_plainly(postgres, team_database):
    """A schema owner who may not create the extension is told what to ask a superuser for."""
    password = f"pw-{uuid.uuid4().hex}"
    dbname = psycopg.conninfo.conninfo_to_dict(team_database)["dbname"]
    with login_role(postgres, "owner", password) as owner:
        with psycopg.connect(team_database, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE SCHEMA togadesk AUTHORIZATION {}").format(sql.Identifier(owner)))
            admin.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
        url = with_database(team_database, dbname, user=owner, password=password)
        try:
            with pytest.raises(TeamError) as caught:
                setup_team(url)
        finally:
            with psycopg.connect(team_database, autocommit=True) as admin:
                admin.execute("DROP SCHEMA togadesk CASCADE")
    message = str(caught.value)
    assert "no pg_trgm extension" in message and "CREATE EXTENSION pg_trgm;" in message
    assert message.count("\n") == 0


def test_setup_without_the_owner_s_rights_says_who_should_run_it(postgres, team_database):
    password = f"pw-{uuid.uuid4().hex}"
    dbname = psycopg.conninfo.conninfo_to_dict(team_database)["dbname"]
    with psycopg.connect(team_database, autocommit=True) as admin:
        admin.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
    with login_role(postgres, "someone", password) as user, pytest.raises(TeamError) as caught:
        setup_team(with_database(team_database, dbname, user=user, password=password))
    assert "refused to set up the schema" in str(caught.value) and "owner" in str(caught.value)
