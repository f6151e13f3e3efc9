"""A real PostgreSQL for the team tests: the one in ``TOGADESK_TEST_POSTGRES`` or a throwaway cluster.

``TOGADESK_TEST_POSTGRES`` is a conninfo for a superuser (postgresql://postgres@db-host/postgres); the
tests create and drop their own databases there. Without it, the session starts a cluster of its own
(``initdb`` + ``pg_ctl``, Debian's ``/usr/lib/postgresql/*/bin`` first, then PATH) on a free loopback
port, everything in a temporary folder, as ``nobody`` when the tests run as root (PostgreSQL refuses
root), and stops it at the end. Without PostgreSQL the tests skip, except in CI (``CI=true``), where
that is a failure.

Test files load its fixtures with ``pytest_plugins = ["tests.team_postgres"]``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ENV_VAR = "TOGADESK_TEST_POSTGRES"
SUPERUSER = "postgres"
TIMEOUT = 30  # seconds for initdb, start and stop


# Stops the cluster and removes its folder when the test process dies without its finalizers (a crash,
# a kill), so no server is left running.
WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, root, *stop = sys.argv[1:]
while True:
    try:
        os.kill(int(parent), 0)
    except ProcessLookupError:
        break
    except PermissionError:
        pass
    time.sleep(0.5)
subprocess.run(stop, timeout=20, check=False, capture_output=True)
shutil.rmtree(root, ignore_errors=True)
"""


def unavailable(reason: str) -> None:
    """Skips, or in CI fails: CI must run the team tests."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but PostgreSQL is not usable: {reason}", pytrace=False)
    pytest.skip(reason)


def find_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster, trust authentication on loopback only."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="togadesk-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.prefix: list[str] = []
        self.watchdog: subprocess.Popen | None = None
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            shutil.chown(self.root, user="nobody")
            runuser = shutil.which("runuser")
            self.prefix = [runuser, "-u", "nobody", "--"] if runuser else None
            if self.prefix is None:
                raise RuntimeError("running as root and runuser is missing (PostgreSQL refuses to run as root)")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=self.root, check=False)

    def start(self) -> None:
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {(done.stderr or done.stdout).strip()[-500:]}")
        # Loopback TCP and the socket in our folder only; scram for every role but the superuser, so
        # the password tests see real authentication.
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all {SUPERUSER} 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )
        self.resume()
        self.watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.root), *self._stop_command()],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def resume(self) -> None:
        """Starts the server (again, after ``pause``) on the same port and data."""
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                         "-t", str(TIMEOUT), "-o", options, "start")
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log}")

    def pause(self) -> None:
        """Stops the server as an administrator would (fast: connections are cut), keeping its data."""
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                         "-t", str(TIMEOUT), "stop")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr.strip()[-300:]}")

    def _stop_command(self) -> list[str]:
        return [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-t", "10",
                "stop"]

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait(5)
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            subprocess.run(self._stop_command(), capture_output=True, timeout=TIMEOUT, cwd=self.root, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def conninfo(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A superuser conninfo of a running PostgreSQL (its maintenance database)."""
    given = os.environ.get(ENV_VAR)
    if given:
        try:
            with psycopg.connect(given, connect_timeout=5):
                pass
        except psycopg.Error as exc:
            unavailable(f"{ENV_VAR} is set but its server does not answer: {type(exc).__name__}")
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH); "
                    f"install Debian's postgresql package or set {ENV_VAR}")
    with running_cluster(bindir) as cluster:
        yield cluster.conninfo


@contextlib.contextmanager
def running_cluster(bindir: Path) -> Iterator[Cluster]:
    """A throwaway cluster started from ``bindir`` and stopped afterwards; unavailable (skip, or fail in CI) when
    it cannot start."""
    try:
        cluster = Cluster(bindir)
    except RuntimeError as exc:
        unavailable(str(exc))
    try:
        cluster.start()
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        cluster.stop()
        unavailable(f"could not start a throwaway PostgreSQL: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    """A cluster of this module's own, which a test may stop and start again (``pause``, ``resume``)."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get(ENV_VAR):
            pytest.skip(f"stopping a server needs PostgreSQL's binaries here; {ENV_VAR} names one elsewhere")
        unavailable("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH)")
    with running_cluster(bindir) as cluster:
        yield cluster


def with_database(conninfo: str, dbname: str, **changes: str) -> str:
    params = conninfo_to_dict(conninfo)
    params.update(dbname=dbname, **changes)
    return make_conninfo(**params)


@contextlib.contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new empty database on ``server``, dropped (with its connections) afterwards."""
    name = f"togadesk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def team_database(postgres: str) -> Iterator[str]:
    """A superuser conninfo of an empty database of this test's own."""
    with fresh_database(postgres) as conninfo:
        yield conninfo


@pytest.fixture(scope="module")
def team_schema(postgres: str) -> Iterator[str]:
    """A superuser conninfo of a database of this module's own with the team schema applied; tests
    sharing it keep apart by their own ``env``."""
    from gui.team import setup_team

    with fresh_database(postgres) as conninfo:
        setup_team(conninfo)
        yield conninfo


@contextlib.contextmanager
def login_role(server: str, role: str, password: str, *member_of: str) -> Iterator[str]:
    """A login role with ``password``, member of ``member_of``; dropped afterwards. Yields its name."""
    name = f"{role}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        for group in member_of:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
