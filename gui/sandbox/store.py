"""The sandbox's persistence: tickets, replies, orders and diagnostics in SQLite.

One connection behind a lock: simple, and far faster than the HTTP layer in front of it.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket (
    number INTEGER PRIMARY KEY,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    email_address TEXT NOT NULL,
    phone_number TEXT,
    subject TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reply (
    id INTEGER PRIMARY KEY,
    ticket_number INTEGER NOT NULL REFERENCES ticket(number),
    replied_on TEXT NOT NULL,
    replied_utc TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    email_address TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reply_by_ticket ON reply(ticket_number, replied_utc, id);
CREATE TABLE IF NOT EXISTS "order" (
    number INTEGER PRIMARY KEY,
    first_name TEXT,
    last_name TEXT,
    email_address TEXT,
    associate_id TEXT,
    store_number TEXT,
    type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS diagnostic (
    id INTEGER PRIMARY KEY,
    order_number INTEGER NOT NULL REFERENCES "order"(number),
    created_on TEXT NOT NULL,
    result_code TEXT NOT NULL,
    windows_upgrade_eligibility INTEGER NOT NULL,
    document TEXT,
    system_information TEXT
);
"""

TICKET_COLUMNS = {
    "priority": "priority",
    "status": "status",
    "firstName": "first_name",
    "lastName": "last_name",
    "emailAddress": "email_address",
    "phoneNumber": "phone_number",
    "subject": "subject",
    "message": "message",
}


class SandboxStore:
    def __init__(self, path: str):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM ticket").fetchone()[0] == 0

    # tickets
    def insert_ticket(self, number: int, fields: dict[str, Any]) -> None:
        columns = ["number"] + [TICKET_COLUMNS[k] for k in fields]
        with self._lock:
            self._db.execute(
                # Column names come from TICKET_COLUMNS, never from the request.
                f"INSERT INTO ticket ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                [number, *fields.values()],
            )

    def ticket_exists(self, number: int) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM ticket WHERE number=?", (number,)).fetchone() is not None

    def ticket_numbers(self) -> list[int]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT number FROM ticket ORDER BY number")]

    def update_ticket(self, number: int, fields: dict[str, Any]) -> str | None:
        """Applies the fields; returns the status before the change, or None when no such ticket."""
        with self._lock:
            row = self._db.execute("SELECT status FROM ticket WHERE number=?", (number,)).fetchone()
            if row is None:
                return None
            assignments = ", ".join(f"{TICKET_COLUMNS[k]}=?" for k in fields)
            sql = f"UPDATE ticket SET {assignments} WHERE number=?"  # noqa: S608 (names from TICKET_COLUMNS)
            self._db.execute(sql, [*fields.values(), number])
            return row["status"]

    def ticket(self, number: int) -> dict[str, Any] | None:
        """The ticket in the API's JSON shape, replies in time order."""
        with self._lock:
            row = self._db.execute("SELECT * FROM ticket WHERE number=?", (number,)).fetchone()
            if row is None:
                return None
            replies = self._db.execute(
                "SELECT * FROM reply WHERE ticket_number=? ORDER BY replied_utc, id", (number,)
            ).fetchall()
        ticket = {"ticketNumber": row["number"]}
        for key, column in TICKET_COLUMNS.items():
            if row[column] is not None:
                ticket[key] = row[column]
        ticket["replies"] = [reply_json(r) for r in replies]
        return ticket

    def add_reply(self, number: int, reply: dict[str, Any]) -> bool:
        with self._lock:
            if self._db.execute("SELECT 1 FROM ticket WHERE number=?", (number,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT INTO reply (ticket_number, replied_on, replied_utc, first_name, last_name, email_address,"
                " message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (number, reply["repliedOn"], _utc(reply["repliedOn"]), reply.get("firstName"), reply.get("lastName"),
                 reply["emailAddress"], reply["message"]),
            )
            return True

    # orders
    def insert_order(self, order: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                'INSERT INTO "order" (number, first_name, last_name, email_address, associate_id, store_number, type)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (order["orderNumber"], order.get("firstName"), order.get("lastName"), order.get("emailAddress"),
                 order.get("associateId"), order.get("storeNumber"), order["type"]),
            )

    def order(self, number: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute('SELECT * FROM "order" WHERE number=?', (number,)).fetchone()
        if row is None:
            return None
        order = {
            "orderNumber": row["number"],
            "firstName": row["first_name"],
            "lastName": row["last_name"],
            "emailAddress": row["email_address"],
            "associateId": row["associate_id"],
            "storeNumber": row["store_number"],
            "type": row["type"],
        }
        return {k: v for k, v in order.items() if v is not None}

    def order_numbers(self) -> list[int]:
        with self._lock:
            return [row[0] for row in self._db.execute('SELECT number FROM "order" ORDER BY number')]

    def add_diagnostic(self, number: int, created_on: str, diagnostic: dict[str, Any]) -> bool:
        with self._lock:
            if self._db.execute('SELECT 1 FROM "order" WHERE number=?', (number,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT INTO diagnostic (order_number, created_on, result_code, windows_upgrade_eligibility,"
                " document, system_information) VALUES (?, ?, ?, ?, ?, ?)",
                (number, created_on, diagnostic["resultCode"], int(diagnostic["windowsUpgradeEligibility"]),
                 diagnostic.get("document"), diagnostic.get("systemInformation")),
            )
            return True

    def diagnostics(self, number: int) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM diagnostic WHERE order_number=? ORDER BY id", (number,)
            ).fetchall()
        return [
            {
                "resultCode": r["result_code"],
                "windowsUpgradeEligibility": bool(r["windows_upgrade_eligibility"]),
                "document": r["document"],
                "systemInformation": r["system_information"],
                "createdOn": r["created_on"],
            }
            for r in rows
        ]


def reply_json(row: sqlite3.Row) -> dict[str, Any]:
    reply = {
        "repliedOn": row["replied_on"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "emailAddress": row["email_address"],
        "message": row["message"],
    }
    return {k: v for k, v in reply.items() if v is not None}


def _utc(moment: str) -> str:
    """A sortable UTC form of an ISO 8601 time, so replies with different offsets order correctly."""
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")
