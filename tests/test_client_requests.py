"""What the client puts on the wire for each call: method, path, the three headers, the JSON body."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, Order, OrderType, Priority, Status, Ticket
from gui.api.signing import signature
from gui.sandbox import Recorded, SandboxServer

SPEC_TICKET = 12345678
SPEC_ORDER = 12345678


def only_request(sandbox: SandboxServer) -> Recorded:
    assert len(sandbox.recent) == 1, [r.path for r in sandbox.recent]
    return sandbox.recent[0]


def assert_signed(request: Recorded) -> None:
    """The three headers every call must carry, with a signature that matches its own Timestamp."""
    assert request.header("Content-Type") == "application/json"
    stamp = request.header("Timestamp")
    moment = datetime.fromisoformat(stamp)
    assert moment.tzinfo is not None and moment.microsecond == 0
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 60
    assert request.header("Authorization") == f"{SAMPLE_PUBLIC_KEY}.{signature(SAMPLE_SECRET_KEY, stamp)}"


def test_create_ticket_posts_the_fields_given_and_returns_the_new_number(client, sandbox):
    number = client.create_ticket(
        "jane@example.com", "Printer on fire", "It smokes.", priority=Priority.HIGH,
        first_name="Jane", last_name="Doe", phone_number="555-0100",
    )
    request = only_request(sandbox)
    assert (request.method, request.path) == ("POST", "/ticket")
    assert_signed(request)
    assert request.json() == {
        "emailAddress": "jane@example.com", "subject": "Printer on fire", "message": "It smokes.",
        "priority": "HIGH", "firstName": "Jane", "lastName": "Doe", "phoneNumber": "555-0100",
    }
    assert client.get_ticket(number).subject == "Printer on fire"


def test_create_ticket_omits_optional_fields_instead_of_sending_null(client, sandbox):
    client.create_ticket("jane@example.com", "Subject", "Message")
    assert only_request(sandbox).json() == {
        "emailAddress": "jane@example.com", "subject": "Subject", "message": "Message",
    }


def test_enum_arguments_accept_the_enum_or_its_string_value(client, sandbox):
    client.create_ticket("jane@example.com", "Subject", "Message", priority="LOW")
    client.update_ticket(SPEC_TICKET, status=Status.IN_PROGRESS, priority="HIGH")
    bodies = [r.json() for r in sandbox.recent]
    assert bodies[0]["priority"] == "LOW"
    assert bodies[1] == {"status": "IN_PROGRESS", "priority": "HIGH"}


def test_add_reply_posts_to_the_tickets_reply_route(client, sandbox):
    when = datetime(2026, 11, 22, 10, 30, 0, tzinfo=timezone(timedelta(hours=-5)))
    returned = client.add_reply(SPEC_TICKET, "agent@example.com", "On it.", first_name="Al", replied_on=when)
    request = only_request(sandbox)
    assert (request.method, request.path) == ("POST", f"/ticket/{SPEC_TICKET}/reply")
    assert_signed(request)
    assert request.json() == {
        "emailAddress": "agent@example.com", "message": "On it.", "firstName": "Al",
        "repliedOn": "2026-11-22T10:30:00-05:00",
    }
    assert returned == SPEC_TICKET
    reply = client.get_ticket(SPEC_TICKET).replies[-1]
    assert (reply.message, reply.replied_on) == ("On it.", when)


def test_add_reply_without_a_time_lets_the_server_stamp_it_now(client, sandbox):
    client.add_reply(SPEC_TICKET, "agent@example.com", "Later.")
    assert "repliedOn" not in only_request(sandbox).json()
    reply = client.get_ticket(SPEC_TICKET).replies[-1]
    assert abs((datetime.now(UTC) - reply.replied_on).total_seconds()) < 60


def test_update_ticket_puts_only_the_fields_given(client, sandbox):
    assert client.update_ticket(SPEC_TICKET, status="CLOSED") == SPEC_TICKET
    request = only_request(sandbox)
    assert (request.method, request.path) == ("PUT", f"/ticket/{SPEC_TICKET}")
    assert_signed(request)
    assert request.json() == {"status": "CLOSED"}
    assert client.get_ticket(SPEC_TICKET).status is Status.CLOSED


def test_get_ticket_sends_no_body_and_parses_the_specs_sample(client, sandbox):
    ticket = client.get_ticket(SPEC_TICKET)
    request = only_request(sandbox)
    assert (request.method, request.path, request.body) == ("GET", f"/ticket/{SPEC_TICKET}", b"")
    assert request.header("Content-Length") in (None, "0")
    assert_signed(request)
    assert isinstance(ticket, Ticket)
    assert ticket.ticket_number == SPEC_TICKET
    assert isinstance(ticket.status, Status) and isinstance(ticket.priority, Priority)
    assert len(ticket.replies) == 2
    assert all(r.replied_on.tzinfo is not None for r in ticket.replies)


def test_get_order_sends_no_body_and_keeps_leading_zeros(client, sandbox):
    order = client.get_order(SPEC_ORDER)
    request = only_request(sandbox)
    assert (request.method, request.path, request.body) == ("GET", f"/order/{SPEC_ORDER}", b"")
    assert_signed(request)
    assert isinstance(order, Order)
    assert order.order_number == SPEC_ORDER
    assert isinstance(order.type, OrderType)  # the spec calls the field "type"
    assert (order.associate_id, order.store_number) == ("0975312", "758246")  # as the spec shows them


def test_create_diagnostic_encodes_a_file_and_sends_system_information_as_json_text(client, sandbox):
    pdf = b"%PDF-1.4 tiny"
    number = client.create_diagnostic(
        SPEC_ORDER, result_code="PASS-01", windows_upgrade_eligibility=False,
        document=pdf, system_information={"Win32_BIOS": {"Manufacturer": "LENOVO"}},
    )
    request = only_request(sandbox)
    assert (request.method, request.path) == ("POST", f"/order/{SPEC_ORDER}/diagnostic")
    assert_signed(request)
    body = request.json()
    assert body["resultCode"] == "PASS-01"
    assert body["windowsUpgradeEligibility"] is False
    assert base64.b64decode(body["document"]) == pdf
    assert json.loads(body["systemInformation"]) == {"Win32_BIOS": {"Manufacturer": "LENOVO"}}
    assert number == SPEC_ORDER
    assert sandbox.store.diagnostics(SPEC_ORDER)[-1]["resultCode"] == "PASS-01"


def test_create_diagnostic_sends_a_document_url_as_given(client, sandbox):
    client.create_diagnostic(SPEC_ORDER, result_code="X", windows_upgrade_eligibility=True,
                             document="https://example.com/report.pdf")
    assert only_request(sandbox).json() == {
        "resultCode": "X", "windowsUpgradeEligibility": True, "document": "https://example.com/report.pdf",
    }


def test_text_is_sent_as_utf8_json_unchanged(client, sandbox):
    hostile = "<script>alert(1)</script> 🙂 שלום \"quoted\" \\ back"
    number = client.create_ticket("jane@example.com", hostile, hostile * 100)
    assert only_request(sandbox).json()["subject"] == hostile
    ticket = client.get_ticket(number)
    assert (ticket.subject, ticket.message) == (hostile, hostile * 100)


@pytest.mark.parametrize("timeout", [2.5, (1.0, 4.0)])
def test_timeout_is_a_float_or_a_connect_read_pair(sandbox, timeout):
    from gui.api import TogaClient

    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, timeout=timeout) as api:
        assert api.timeout == timeout
        assert api.get_ticket(SPEC_TICKET).ticket_number == SPEC_TICKET


def test_one_client_serves_many_threads_at_once_over_reused_connections(client, sandbox):
    from concurrent.futures import ThreadPoolExecutor

    numbers = sandbox.store.ticket_numbers()[:40]
    with ThreadPoolExecutor(8) as pool:
        tickets = list(pool.map(client.get_ticket, numbers))
    assert [t.ticket_number for t in tickets] == numbers
