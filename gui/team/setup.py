"""``main.py --team-setup URL``: the schema, its migrations and the two roles, idempotently."""

from __future__ import annotations

import psycopg
from psycopg import sql

from .errors import TeamError
from .registry import TeamRegistry
from .schema import DESK_ROLE, LOCK_CLASS, MIGRATIONS, RELAY_ROLE, ROLE_GRANTS, SCHEMA, SCHEMA_VERSION, ExtensionMissing

_ROLE_PURPOSE = {DESK_ROLE: "desks", RELAY_ROLE: "the relay"}


def setup_team(conninfo: str, *, password: str | None = None) -> list[str]:
    """Brings the team database to this app's schema version and creates the roles; returns what it
    did, one line each. Run by the database's owner (or a superuser); running it again changes nothing.

    Each migration runs in its own transaction under an advisory lock, so two setups at once apply it
    once, and one that fails leaves the database at the previous version.
    """
    registry = TeamRegistry(conninfo, agent="team-setup", password=password)
    conn = registry.connect(check_schema=False)
    doing = "set up the schema"
    try:
        lines = _migrate(conn, registry)
        doing = "create the roles"
        lines += _roles(conn, registry)
        doing = "grant the roles their privileges"
        lines += _grants(conn)
    except ExtensionMissing as exc:
        raise TeamError(
            f"The team {registry.where} has no pg_trgm extension and this user may not create it ({exc}). "
            "A superuser can run CREATE EXTENSION pg_trgm; in that database (on Debian it comes with "
            "the postgresql package), then run --team-setup again."
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        reason = (exc.diag.message_primary or "permission denied").strip()
        raise TeamError(f"The team {registry.where} refused to {doing}: {reason}. Run the setup as the "
                        "database's owner (with CREATEROLE) or as a superuser.") from None
    except psycopg.Error as exc:
        raise registry._error(exc, doing) from None
    finally:
        conn.close()
    user = "alice"
    return [*lines,
            f"To let a person use the team database: CREATE ROLE {user} LOGIN PASSWORD '...'; "
            f"GRANT {DESK_ROLE} TO {user};",
            f"For the relay's login role: GRANT {RELAY_ROLE} TO relay;"]


def _migrate(conn: psycopg.Connection, registry: TeamRegistry) -> list[str]:
    lines = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))
        created = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone() is None
        if created:  # not IF NOT EXISTS: that needs CREATE on the database even when the schema is there
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
            conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(SCHEMA)))
        conn.execute(sql.SQL("""CREATE TABLE IF NOT EXISTS {}.schema_version (
            version integer PRIMARY KEY, description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())""").format(sql.Identifier(SCHEMA)))
        if created:
            lines.append(f'created the schema "{SCHEMA}"')
    for migration in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))
            newest = conn.execute("SELECT coalesce(max(version), 0) FROM togadesk.schema_version").fetchone()[0]
            if newest > SCHEMA_VERSION:
                raise TeamError(f"The team {registry.where} has schema version {newest}, newer than this "
                                f"app knows ({SCHEMA_VERSION}); update TOGaDesk Agent before running setup.")
            if newest >= migration.version:
                continue
            done = migration.apply(conn)
            conn.execute("INSERT INTO togadesk.schema_version (version, description) VALUES (%s, %s)",
                         (migration.version, migration.description))
        lines += done
        lines.append(f"applied migration {migration.version}: {migration.description}")
    if not any(line.startswith("applied migration") for line in lines):
        lines.append(f"the schema is at version {SCHEMA_VERSION}: nothing to migrate")
    return lines


def _roles(conn: psycopg.Connection, registry: TeamRegistry) -> list[str]:
    lines = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))
        for role, purpose in _ROLE_PURPOSE.items():
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                lines.append(f"role {role} ({purpose}) exists")
                continue
            try:
                with conn.transaction():  # a savepoint: a setup of another database may create it meanwhile
                    conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                lines.append(f"role {role} ({purpose}) exists")
                continue
            except psycopg.errors.InsufficientPrivilege:
                raise TeamError(f"The team {registry.where} refused to create the role {role}: this user "
                                "needs CREATEROLE (or a superuser can run the setup).") from None
            lines.append(f"created role {role} (NOLOGIN, for {purpose})")
    return lines


_ROLE_MAY = {
    DESK_ROLE: "read and write tickets, append and read events, keep its own presence, read the relay's health",
    RELAY_ROLE: "read and write tickets, append and read events, read presence, write its health",
}


def _grants(conn: psycopg.Connection) -> list[str]:
    lines = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))  # concurrent GRANTs collide
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        for role, grants in ROLE_GRANTS.items():
            ident = sql.Identifier(role)
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), ident))
            for grant in grants:
                conn.execute(sql.SQL(grant.replace("{role}", "{}")).format(ident))
            lines.append(f"{role} may {_ROLE_MAY[role]} (no ALTER, DROP, TRUNCATE; nothing outside the schema)")
    return lines
