"""The sandbox's answers per endpoint, checked over loopback with plain requests (not our client)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY
from gui.api.signing import auth_headers, signature

TICKET = {"emailAddress": "jane@example.com", "subject": "Printer", "message": "Smoke"}
REPLY = {"emailAddress": "agent@example.com", "message": "On it."}
DIAGNOSTIC = {"resultCode": "PASS", "windowsUpgradeEligibility": True}


def call(sandbox, method, path, body=None, headers=None, raw: bytes | None = None) -> requests.Response:
    headers = auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY) if headers is None else headers
    data = raw if raw is not None else (None if body is None else json.dumps(body))
    response = requests.request(method, sandbox.url + path, data=data, headers=headers, timeout=10)
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    payload = response.json()
    assert isinstance(payload["success"], bool) and "error" in payload
    return response


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/ticket", TICKET, 201),
    ("POST", "/ticket/12345678/reply", REPLY, 201),
    ("PUT", "/ticket/12345678", {"priority": "HIGH"}, 200),
    ("GET", "/ticket/12345678", None, 200),
    ("GET", "/order/12345678", None, 200),
    ("POST", "/order/12345678/diagnostic", DIAGNOSTIC, 201),
])
def test_each_endpoint_answers_its_success_code(sandbox, method, path, body, status):
    response = call(sandbox, method, path, body)
    assert response.status_code == status
    assert response.json()["success"] is True and response.json()["error"] == ""  # as the spec shows


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/ticket", {**TICKET, "subject": None}, "subject"),
    ("POST", "/ticket", {k: v for k, v in TICKET.items() if k != "emailAddress"}, "emailAddress"),
    ("POST", "/ticket", {**TICKET, "emailAddress": "not-an-address"}, "emailAddress"),
    ("POST", "/ticket", {**TICKET, "priority": "URGENT"}, "priority"),
    ("POST", "/ticket", {**TICKET, "message": 42}, "message"),
    ("POST", "/ticket/12345678/reply", {"emailAddress": "a@b.co"}, "message"),
    ("POST", "/ticket/12345678/reply", {**REPLY, "repliedOn": "yesterday"}, "repliedOn"),
    ("PUT", "/ticket/12345678", {"colour": "blue"}, "at least one"),
    ("PUT", "/ticket/12345678", {"status": "DONE"}, "status"),
    ("POST", "/order/12345678/diagnostic", {"windowsUpgradeEligibility": True}, "resultCode"),
    ("POST", "/order/12345678/diagnostic", {"resultCode": "X", "windowsUpgradeEligibility": "yes"},
     "windowsUpgradeEligibility"),
    ("POST", "/order/12345678/diagnostic", {"resultCode": "X"}, "windowsUpgradeEligibility"),
])
def test_missing_or_invalid_fields_are_400_naming_the_field(sandbox, method, path, body, field):
    response = call(sandbox, method, path, body)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert field in response.json()["error"]


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/ticket"), ("POST", "/ticket/12345678/reply"), ("PUT", "/ticket/12345678"),
    ("POST", "/order/12345678/diagnostic"),
])
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(sandbox, method, path, raw):
    response = call(sandbox, method, path, raw=raw)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/ticket/11111111"), ("PUT", "/ticket/11111111"), ("POST", "/ticket/11111111/reply"),
    ("GET", "/order/11111111"), ("POST", "/order/11111111/diagnostic"), ("GET", "/tickets"),
    ("GET", "/provider"), ("GET", "/"),
])
def test_unknown_records_and_routes_are_404(sandbox, method, path):
    body = {"GET": None, "PUT": {"priority": "LOW"}}.get(method, {**TICKET, **REPLY, **DIAGNOSTIC})
    assert call(sandbox, method, path, body).status_code == 404


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/ticket", "POST"), ("DELETE", "/ticket/12345678", "GET, PUT"),
    ("GET", "/ticket/12345678/reply", "POST"), ("PUT", "/order/12345678", "GET"),
    ("GET", "/order/12345678/diagnostic", "POST"),
])
def test_a_wrong_method_on_a_known_route_is_405_with_allow(sandbox, method, path, allow):
    response = call(sandbox, method, path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow


def test_a_number_that_is_not_a_positive_integer_is_400(sandbox):
    assert call(sandbox, "GET", "/ticket/abc").status_code == 400
    assert call(sandbox, "GET", "/order/0").status_code == 400


def signed_at(moment: datetime, secret: str = SAMPLE_SECRET_KEY, public: str = SAMPLE_PUBLIC_KEY) -> dict:
    return auth_headers(public, secret, moment)


NOW = datetime.now(UTC)


@pytest.mark.parametrize(("headers", "words"), [
    ({}, "Missing"),
    ({"Timestamp": NOW.isoformat(timespec="seconds")}, "Missing"),
    ({"Timestamp": NOW.isoformat(timespec="seconds"), "Authorization": "no-dot-here"}, "publicKey"),
    (signed_at(NOW, public="UNKNOWN-KEY"), "Unknown public API key"),
    (signed_at(NOW, secret="wrong"), "Signature does not match"),
    (signed_at(NOW - timedelta(minutes=6)), "outside the allowed window"),
    (signed_at(NOW + timedelta(minutes=6)), "outside the allowed window"),
    ({"Timestamp": "2026-11-22T10:00:00",
      "Authorization": f"{SAMPLE_PUBLIC_KEY}.{signature(SAMPLE_SECRET_KEY, '2026-11-22T10:00:00')}"}, "UTC offset"),
])
@pytest.mark.parametrize("path", ["/ticket/12345678", "/order/12345678"])
def test_missing_malformed_wrong_or_stale_signatures_are_401(sandbox, headers, words, path):
    response = call(sandbox, "GET", path, headers=headers)
    assert response.status_code == 401
    assert words in response.json()["error"]


def test_a_get_with_a_body_as_the_vendors_php_sample_sends_is_answered_normally(sandbox):
    response = call(sandbox, "GET", "/ticket/12345678", body={"ticketNumber": 12345678})
    assert response.status_code == 200
    assert response.json()["ticket"]["ticketNumber"] == 12345678


def test_the_specs_sample_ticket_and_order_are_served_as_documented(sandbox):
    ticket = call(sandbox, "GET", "/ticket/12345678").json()["ticket"]
    assert ticket["subject"] and ticket["status"] and ticket["priority"]
    assert [r["emailAddress"] for r in ticket["replies"]] == ["janedoe@testco.com", "johnsmith@testco.com"]
    order = call(sandbox, "GET", "/order/12345678").json()
    assert {k: order[k] for k in ("orderNumber", "firstName", "lastName", "emailAddress", "associateId",
                                  "storeNumber", "type")} == {
        "orderNumber": 12345678, "firstName": "John", "lastName": "Smith", "emailAddress": "jsmith@testco.com",
        "associateId": "0975312", "storeNumber": "758246", "type": "NEW"}


def test_new_tickets_get_fresh_numbers_and_changes_show_in_the_next_get(sandbox):
    seeded = set(sandbox.store.ticket_numbers())
    number = call(sandbox, "POST", "/ticket", TICKET).json()["ticketNumber"]
    assert number not in seeded
    call(sandbox, "PUT", f"/ticket/{number}", {"status": "IN_PROGRESS"})
    call(sandbox, "POST", f"/ticket/{number}/reply", REPLY)
    ticket = call(sandbox, "GET", f"/ticket/{number}").json()["ticket"]
    assert ticket["status"] == "IN_PROGRESS" and ticket["priority"] == "NORMAL"
    assert [r["message"] for r in ticket["replies"]] == ["On it."]


def test_the_seed_covers_every_status_priority_and_order_type(sandbox):
    tickets = [sandbox.store.ticket(n) for n in sandbox.store.ticket_numbers()]
    assert len(tickets) >= 50
    assert {t["status"] for t in tickets} == {"NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "REVIEW", "CLOSED"}
    assert {t["priority"] for t in tickets} == {"LOW", "NORMAL", "HIGH"}
    types = [sandbox.store.order(n)["type"] for n in sandbox.store.order_numbers()]
    assert all(types.count(kind) >= 20 for kind in ("NEW", "EXISTING", "REFURB"))
