"""Realistic demo data for a fresh sandbox, including the spec documents' own samples.

Deterministic for a given ``seed`` (except reply times, which are relative to now so the
demo desk looks alive).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from .store import SandboxStore

SPEC_TICKET = {
    "ticketNumber": 12345678,
    "priority": "NORMAL",
    "status": "IN_PROGRESS",
    "firstName": "John",
    "lastName": "Smith",
    "emailAddress": "johnsmith@testco.com",
    "phoneNumber": "(123) 456-7890",
    "subject": "My computer won't boot up",
    "message": "I cannot get the computer to boot into Windows",
    "replies": [
        {
            "repliedOn": "2020-02-03T07:34:16-06:00",
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddress": "janedoe@testco.com",
            "message": "Have you tried powering the system off then on?",
        },
        {
            "repliedOn": "2020-02-03T08:19:27-06:00",
            "firstName": "John",
            "lastName": "Smith",
            "emailAddress": "johnsmith@testco.com",
            "message": "Yes, I have.",
        },
    ],
}

SPEC_ORDER = {
    "orderNumber": 12345678,
    "firstName": "John",
    "lastName": "Smith",
    "emailAddress": "jsmith@testco.com",
    "associateId": "0975312",
    "storeNumber": "758246",
    "type": "NEW",
}

FIRST_NAMES = ["Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tom", "Fatima", "Lukas",
               "Sofia", "Kenji", "Grace", "Omar", "Chloe", "Diego", "Hannah", "Ravi", "Ines", "Noah"]
LAST_NAMES = ["Garcia", "Johnson", "Khan", "Zhang", "Petrova", "Silva", "Patel", "Baker", "Haddad",
              "Müller", "Rossi", "Tanaka", "O'Brien", "Nasser", "Dubois", "Lopez", "Schmidt", "Iyer"]
DOMAINS = ["example.com", "mailbox.test", "contoso.test", "acme-corp.test", "northwind.test"]
AGENTS = [("Jane", "Doe", "janedoe@testco.com"), ("Sam", "Rivera", "srivera@testco.com"),
          ("Alex", "Kim", "akim@testco.com")]
PROBLEMS = [
    ("My computer won't boot up", "The laptop shows a black screen after the logo. I tried twice."),
    ("Printer not found after Windows update", "Since yesterday's update the office printer is gone."),
    ("Outlook keeps asking for my password", "Every few minutes a password prompt appears in Outlook."),
    ("Screen flickers on external monitor", "The second screen flickers when I plug in the dock."),
    ("Data transfer from old PC incomplete", "My photos from 2019 did not come over to the new machine."),
    ("Wi-Fi drops every hour", "The connection drops roughly once an hour and comes back after a minute."),
    ("Cannot activate Office", "The setup says my product key has already been used."),
    ("Battery drains fast", "The battery lasts about 90 minutes since the refurbishment."),
    ("Keyboard missing keys response", "The E and R keys only work when pressed hard."),
    ("Antivirus subscription expired", "I get a red warning that my protection has expired."),
    ("Slow startup after setup", "Startup takes over five minutes since the new computer setup."),
    ("Webcam not detected in Teams", "Teams says no camera was found, but it works in the Camera app."),
    ("Request to upgrade to Windows 11", "Is my computer eligible for the free upgrade?"),
    ("Blue screen when printing", "The PC shows a blue screen with DRIVER_IRQL_NOT_LESS_OR_EQUAL."),
    ("Lost files after password reset", "My desktop is empty after the password was reset."),
    ("Bluetooth headset won't pair", "The headset shows up but pairing fails every time."),
    ("Fan very loud", "The fan runs at full speed even when nothing is open."),
]
AGENT_LINES = [
    "Thanks for reaching out. Could you tell me the exact error message?",
    "Have you tried powering the system off then on?",
    "I have scheduled a remote session for tomorrow at 10:00.",
    "Please try the steps in the attached guide and let me know the result.",
    "We have escalated this to our hardware team.",
    "A driver update is available; I pushed it to your machine.",
]
CUSTOMER_LINES = [
    "Yes, I have.", "That did not help, unfortunately.", "It works now, thank you!",
    "The error says 0x80070005.", "Tomorrow at 10 works for me.", "It happened again this morning.",
]
STATUSES = ["NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "REVIEW", "CLOSED"]
PRIORITIES = ["LOW", "NORMAL", "HIGH"]
ORDER_TYPES = ["NEW", "EXISTING", "REFURB"]


def _stamp(moment: datetime, offset_hours: int) -> str:
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


def seed(store: SandboxStore, *, tickets: int = 50, orders_per_type: int = 20, seed: int = 7) -> None:
    """Fills an empty store with the spec's samples plus generated tickets and orders."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    spec = {k: v for k, v in SPEC_TICKET.items() if k not in ("ticketNumber", "replies")}
    store.insert_ticket(SPEC_TICKET["ticketNumber"], spec)
    for reply in SPEC_TICKET["replies"]:
        store.add_reply(SPEC_TICKET["ticketNumber"], reply)
    used = {SPEC_TICKET["ticketNumber"]}
    for i in range(tickets - 1):
        number = rng.randint(10_000_000, 99_999_999)
        while number in used:
            number = rng.randint(10_000_000, 99_999_999)
        used.add(number)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}@{rng.choice(DOMAINS)}".replace("ü", "ue")
        subject, message = rng.choice(PROBLEMS)
        status = STATUSES[i % len(STATUSES)]
        fields = {
            "priority": PRIORITIES[(i // len(STATUSES)) % len(PRIORITIES)],
            "status": status,
            "firstName": first,
            "lastName": last,
            "emailAddress": email,
            "phoneNumber": f"({rng.randint(200, 989)}) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
            "subject": subject,
            "message": message,
        }
        store.insert_ticket(number, fields)
        offset = rng.choice([-8, -6, -5, 0, 1])
        moment = now - timedelta(days=rng.uniform(1, 30))
        for r in range(0 if status == "NEW_TICKET" else rng.randint(1, 6)):
            moment += timedelta(minutes=rng.randint(20, 1800))
            if moment > now:
                break
            if r % 2 == 0:
                a_first, a_last, a_email = rng.choice(AGENTS)
                line = rng.choice(AGENT_LINES)
            else:
                a_first, a_last, a_email = first, last, email
                line = rng.choice(CUSTOMER_LINES)
            store.add_reply(number, {"repliedOn": _stamp(moment, offset), "firstName": a_first,
                                     "lastName": a_last, "emailAddress": a_email, "message": line})
    store.insert_order(SPEC_ORDER)
    used_orders = {SPEC_ORDER["orderNumber"]}
    for order_type in ORDER_TYPES:
        for _ in range(orders_per_type - (1 if order_type == "NEW" else 0)):
            number = rng.randint(10_000_000, 99_999_999)
            while number in used_orders:
                number = rng.randint(10_000_000, 99_999_999)
            used_orders.add(number)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            store.insert_order({
                "orderNumber": number,
                "firstName": first,
                "lastName": last,
                "emailAddress": f"{first[0].lower()}{last.lower().replace(chr(39), '')}@{rng.choice(DOMAINS)}"
                .replace("ü", "ue"),
                "associateId": f"{rng.randint(0, 9_999_999):07d}",
                "storeNumber": f"{rng.randint(0, 999_999):06d}",
                "type": order_type,
            })
