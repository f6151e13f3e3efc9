"""Connection strings for the team database: defaults, a safe description, and scrubbing secrets."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import quote

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

from .errors import TeamError

CONNECT_TIMEOUT = 5  # seconds; libpq waits forever by default
APPLICATION_NAME = "TOGaDesk Agent"


def is_loopback(host: str | None) -> bool:
    """Whether every host in a libpq ``host`` list is this machine (loopback or a Unix socket)."""
    if not host:
        return True  # libpq's default: the local Unix socket
    for part in host.split(","):
        part = part.strip()
        if not part or part.startswith(("/", "@")) or part.lower() == "localhost":
            continue
        try:
            if not ipaddress.ip_address(part).is_loopback:
                return False
        except ValueError:
            return False
    return True


def _default_root_cert() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", "")) / "postgresql" / "root.crt"
    return Path.home() / ".postgresql" / "root.crt"


def prepare(conninfo: str, password: str | None = None) -> dict[str, str]:
    """The connection parameters with the app's defaults: a connect timeout, and TLS with the server's
    certificate and name checked (``sslmode=verify-full``) for any host that is not this machine, unless
    the URL chooses its own ``sslmode``. Without a CA file of libpq's own, the system's CAs are used."""
    try:
        params = {key: str(value) for key, value in conninfo_to_dict(conninfo or "").items()}
    except ProgrammingError:
        # libpq's message quotes pieces of the string, which may be the password: not repeated here.
        raise TeamError(
            "The team database URL is not valid; expected postgresql://user@host:port/database."
        ) from None
    if password is not None:
        params["password"] = password
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    params.setdefault("application_name", APPLICATION_NAME)
    host = params.get("host") or params.get("hostaddr")
    if "sslmode" not in params and not is_loopback(host):
        params["sslmode"] = "verify-full"
        if "sslrootcert" not in params and not _default_root_cert().exists():
            params["sslrootcert"] = "system"
    return params


def describe(params: dict[str, str]) -> str:
    """Which database, for messages: 'database "team" on db.example.com:5432 as alice'. No password."""
    host = params.get("host") or params.get("hostaddr") or os.environ.get("PGHOST") or "the local socket"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    user = params.get("user") or os.environ.get("PGUSER") or "the current user"
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or user
    where = host if host.startswith("/") or host == "the local socket" else f"{host}:{port}"
    return f'database "{dbname}" on {where} as {user}'


def secrets_of(params: dict[str, str]) -> list[str]:
    """The strings that must never appear in a message: the password, raw and URL-encoded."""
    password = params.get("password") or os.environ.get("PGPASSWORD") or ""
    if not password:
        return []
    return sorted({password, quote(password, safe=""), quote(password)}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with each secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
