"""The sandbox's answers per endpoint, over real loopback HTTP with plain ``requests``.

Our own ``TogaClient`` is deliberately not used here, so the sandbox is checked on its own
against the two vendor documents (ticketing v2.1.2, order v2.0.2): status codes, response
shapes, the error envelope, and the signature rules.

Status-code tables run against one module-wide sandbox (fast); tests that need the seeded
data exactly as the documents show it get a fresh one from the ``sandbox`` fixture.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY
from gui.api.signing import auth_headers, signature
from gui.sandbox import PASS, Fault, SandboxServer

# ----------------------------------------------------------------- the documents' samples

SPEC_NEW_TICKET = {
    "priority": "NORMAL",
    "firstName": "John",
    "lastName": "Smith",
    "emailAddress": "johnsmith@testco.com",
    "phoneNumber": "(123) 456-7890",
    "subject": "My computer won't boot up",
    "message": "I cannot get the computer to boot into Windows",
}
SPEC_REPLY = {
    "repliedOn": "2020-02-03T07:34:16-06:00",
    "emailAddress": "janedoe@testco.com",
    "firstName": "Jane",
    "lastName": "Doe",
    "message": "Have you tried powering the system off then on?",
}
SPEC_UPDATE = {
    "priority": "NORMAL",
    "status": "IN_PROGRESS",
    "firstName": "Jane",
    "lastName": "Doe",
    "emailAddress": "janedoe@testco.com",
    "phoneNumber": "(123) 456-7890",
    "subject": "My computer won't boot up",
    "message": "I cannot get the computer to boot into Windows",
}
SPEC_DIAGNOSTIC = {
    "resultCode": "Has A/V, No problem(s) found",
    "windowsUpgradeEligibility": True,
    "document": "JVBERi0xLjcKCjQgMCBvYmoKKElkZW50aXR5KQplbmRvYmoKNSAwIG9iagooQWRvYmUpCmVu...",
    "systemInformation": "{\n\"Win32_BIOS\":\n{\n \"BiosCharacteristics\":\"{7, 9, 11...",
}
# GET /ticket/12345678, "Sample Response", ticketing API v2.1.2 (typed from the document).
SPEC_GET_TICKET_RESPONSE = {
    "success": True,
    "error": "",
    "ticket": {
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
    },
}
# GET /order/12345678, "Sample Response", order API v2.0.2.
SPEC_GET_ORDER_RESPONSE = {
    "success": True,
    "error": "",
    "orderNumber": 12345678,
    "firstName": "John",
    "lastName": "Smith",
    "emailAddress": "jsmith@testco.com",
    "associateId": "0975312",
    "storeNumber": "758246",
    "type": "NEW",
}
# The vendor's PHP sample sends this payload with a GET (CURLOPT_POSTFIELDS on a GET).
PHP_SAMPLE_GET_PAYLOAD = b'{"providers":["C638C170-3EC1-4DF2-942C-1D1C3AD74FBC","16527A9E-4048-452CA8DF-605E1038A313"]}'

TICKET_FIELDS = {"ticketNumber", "priority", "status", "firstName", "lastName", "emailAddress", "phoneNumber",
                 "subject", "message", "replies"}
REPLY_FIELDS = {"repliedOn", "firstName", "lastName", "emailAddress", "message"}
STATUSES = ["NEW_TICKET", "OPEN", "IN_PROGRESS", "AWAITING_USER", "CLOSED", "REVIEW"]
UNKNOWN = 11111111  # a well-formed number no seeded ticket or order has

# The six endpoints, each with the document's own sample request body.
ENDPOINTS = [
    pytest.param("POST", "/ticket", SPEC_NEW_TICKET, id="POST /ticket"),
    pytest.param("POST", "/ticket/12345678/reply", SPEC_REPLY, id="POST /ticket/n/reply"),
    pytest.param("PUT", "/ticket/12345678", SPEC_UPDATE, id="PUT /ticket/n"),
    pytest.param("GET", "/ticket/12345678", None, id="GET /ticket/n"),
    pytest.param("GET", "/order/12345678", None, id="GET /order/n"),
    pytest.param("POST", "/order/12345678/diagnostic", SPEC_DIAGNOSTIC, id="POST /order/n/diagnostic"),
]
BODY_ENDPOINTS = [p for p in ENDPOINTS if p.values[0] in ("POST", "PUT")]


# ------------------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the whole module: the status-code tables only need it to be up."""
    with SandboxServer() as shared:
        yield shared


def signed() -> dict[str, str]:
    return auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)


def send(
    server: SandboxServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> requests.Response:
    """One request over loopback; checks the envelope every answer must have, whatever its status."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
    response = requests.request(
        method, server.url + path, data=data, headers=signed() if headers is None else headers, timeout=10
    )
    assert_envelope(response)
    return response


def assert_envelope(response: requests.Response) -> None:
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    payload = json.loads(response.content.decode("utf-8"))
    assert isinstance(payload, dict)
    assert isinstance(payload["success"], bool)
    assert isinstance(payload["error"], str)
    if response.status_code < 400:
        assert payload["success"] is True and payload["error"] == ""
    else:
        assert payload["success"] is False and payload["error"].strip()


def error_of(response: requests.Response) -> str:
    return response.json()["error"]


def snapshot(server: SandboxServer) -> tuple[Any, ...]:
    """What a refused request must leave untouched."""
    return (
        server.store.ticket_numbers(),
        server.store.ticket(12345678),
        server.store.diagnostics(12345678),
    )


def new_ticket(server: SandboxServer, **fields: Any) -> int:
    response = send(server, "POST", "/ticket", {**SPEC_NEW_TICKET, **fields})
    assert response.status_code == 201
    return response.json()["ticketNumber"]


def stamp(moment: datetime, offset_hours: float = -5) -> str:
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


def headers_for(timestamp: str, *, signed_text: str | None = None, public: str = SAMPLE_PUBLIC_KEY,
                secret: str = SAMPLE_SECRET_KEY) -> dict[str, str]:
    """Headers with a hand-made Timestamp (``auth_headers`` would always add an offset)."""
    return {
        "Content-Type": "application/json",
        "Timestamp": timestamp,
        "Authorization": f"{public}.{signature(secret, timestamp if signed_text is None else signed_text)}",
    }


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


# ------------------------------------------------------------------------------ success

@pytest.mark.parametrize(("method", "path", "body", "status", "keys"), [
    pytest.param("POST", "/ticket", SPEC_NEW_TICKET, 201, {"success", "error", "ticketNumber"}, id="POST /ticket"),
    pytest.param("POST", "/ticket/12345678/reply", SPEC_REPLY, 201, {"success", "error", "ticketNumber"},
                 id="POST /ticket/n/reply"),
    pytest.param("PUT", "/ticket/12345678", SPEC_UPDATE, 200, {"success", "error", "ticketNumber"},
                 id="PUT /ticket/n"),
    pytest.param("GET", "/ticket/12345678", None, 200, {"success", "error", "ticket"}, id="GET /ticket/n"),
    pytest.param("GET", "/order/12345678", None, 200, set(SPEC_GET_ORDER_RESPONSE), id="GET /order/n"),
    pytest.param("POST", "/order/12345678/diagnostic", SPEC_DIAGNOSTIC, 201, {"success", "error", "orderNumber"},
                 id="POST /order/n/diagnostic"),
])
def test_each_endpoint_answers_the_documented_success_code_and_shape(server, method, path, body, status, keys):
    response = send(server, method, path, body)
    assert response.status_code == status
    payload = response.json()
    assert set(payload) == keys
    assert payload["success"] is True and payload["error"] == ""
    if "ticketNumber" in payload:
        number = payload["ticketNumber"]
        assert type(number) is int and number > 0
        if path != "/ticket":
            assert number == 12345678  # the ticket the reply or update went to
    if method == "POST" and path.startswith("/order"):
        assert payload["orderNumber"] == 12345678
    if path == "/ticket/12345678" and method == "GET":
        assert set(payload["ticket"]) == TICKET_FIELDS
        assert all(set(reply) <= REPLY_FIELDS for reply in payload["ticket"]["replies"])


def test_post_diagnostic_is_recorded_against_the_order(server):
    before = len(server.store.diagnostics(12345678))
    send(server, "POST", "/order/12345678/diagnostic", {**SPEC_DIAGNOSTIC, "windowsUpgradeEligibility": False})
    diagnostics = server.store.diagnostics(12345678)
    assert len(diagnostics) == before + 1
    assert diagnostics[-1]["resultCode"] == SPEC_DIAGNOSTIC["resultCode"]
    assert diagnostics[-1]["windowsUpgradeEligibility"] is False
    assert diagnostics[-1]["systemInformation"] == SPEC_DIAGNOSTIC["systemInformation"]


def test_post_ticket_with_only_the_required_fields_is_201_and_defaults_to_new_ticket_and_normal(server):
    number = new_ticket(server, priority=None, firstName=None, lastName=None, phoneNumber=None)
    ticket = send(server, "GET", f"/ticket/{number}").json()["ticket"]
    assert ticket["status"] == "NEW_TICKET"
    assert ticket["priority"] == "NORMAL"
    assert ticket["replies"] == []
    assert {k: ticket[k] for k in ("emailAddress", "subject", "message")} == {
        k: SPEC_NEW_TICKET[k] for k in ("emailAddress", "subject", "message")}


# ------------------------------------------------------------------------- 400 answers

def _drop(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    pytest.param("POST", "/ticket", _drop(SPEC_NEW_TICKET, "emailAddress"), "emailAddress", id="ticket-emailAddress"),
    pytest.param("POST", "/ticket", _drop(SPEC_NEW_TICKET, "subject"), "subject", id="ticket-subject"),
    pytest.param("POST", "/ticket", _drop(SPEC_NEW_TICKET, "message"), "message", id="ticket-message"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "subject": None}, "subject", id="ticket-subject-null"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "subject": "   "}, "subject", id="ticket-subject-blank"),
    pytest.param("POST", "/ticket/12345678/reply", _drop(SPEC_REPLY, "emailAddress"), "emailAddress",
                 id="reply-emailAddress"),
    pytest.param("POST", "/ticket/12345678/reply", _drop(SPEC_REPLY, "message"), "message", id="reply-message"),
    pytest.param("POST", "/order/12345678/diagnostic", _drop(SPEC_DIAGNOSTIC, "resultCode"), "resultCode",
                 id="diagnostic-resultCode"),
    pytest.param("POST", "/order/12345678/diagnostic", _drop(SPEC_DIAGNOSTIC, "windowsUpgradeEligibility"),
                 "windowsUpgradeEligibility", id="diagnostic-windowsUpgradeEligibility"),
])
def test_a_missing_required_field_is_400_naming_the_field(server, method, path, body, field):
    before = snapshot(server)
    response = send(server, method, path, body)
    assert response.status_code == 400
    assert error_of(response) == f"{field} is required."
    assert snapshot(server) == before


def test_post_ticket_without_subject_is_400_naming_the_field(server):
    response = send(server, "POST", "/ticket", _drop(SPEC_NEW_TICKET, "subject"))
    assert (response.status_code, error_of(response)) == (400, "subject is required.")


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    pytest.param("POST", "/order/12345678/diagnostic", {**SPEC_DIAGNOSTIC, "windowsUpgradeEligibility": "yes"},
                 "windowsUpgradeEligibility", id="eligibility-string"),
    pytest.param("POST", "/order/12345678/diagnostic", {**SPEC_DIAGNOSTIC, "windowsUpgradeEligibility": 1},
                 "windowsUpgradeEligibility", id="eligibility-number"),
    pytest.param("POST", "/order/12345678/diagnostic", {**SPEC_DIAGNOSTIC, "resultCode": 42}, "resultCode",
                 id="resultCode-number"),
    pytest.param("POST", "/order/12345678/diagnostic", {**SPEC_DIAGNOSTIC, "document": {"url": "x"}}, "document",
                 id="document-object"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "subject": 42}, "subject", id="ticket-subject-number"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "firstName": ["John"]}, "firstName", id="ticket-firstName"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "priority": "URGENT"}, "priority", id="ticket-priority"),
    pytest.param("POST", "/ticket", {**SPEC_NEW_TICKET, "emailAddress": "johnsmith"}, "emailAddress",
                 id="ticket-emailAddress-invalid"),
    pytest.param("POST", "/ticket/12345678/reply", {**SPEC_REPLY, "repliedOn": "yesterday"}, "repliedOn",
                 id="reply-repliedOn-not-iso"),
    pytest.param("POST", "/ticket/12345678/reply", {**SPEC_REPLY, "repliedOn": "2020-02-03T07:34:16"}, "repliedOn",
                 id="reply-repliedOn-without-offset"),
    pytest.param("POST", "/ticket/12345678/reply", {**SPEC_REPLY, "message": {"text": "hi"}}, "message",
                 id="reply-message-object"),
    pytest.param("PUT", "/ticket/12345678", {"status": "DONE"}, "status", id="put-status-unknown"),
    pytest.param("PUT", "/ticket/12345678", {"status": "closed"}, "status", id="put-status-lowercase"),
    pytest.param("PUT", "/ticket/12345678", {"priority": 3}, "priority", id="put-priority-number"),
    pytest.param("PUT", "/ticket/12345678", {"subject": ""}, "subject", id="put-subject-empty"),
    pytest.param("PUT", "/ticket/12345678", {"emailAddress": "no-at-sign"}, "emailAddress", id="put-email-invalid"),
])
def test_a_field_of_the_wrong_type_or_value_is_400_naming_the_field(server, method, path, body, field):
    before = snapshot(server)
    response = send(server, method, path, body)
    assert response.status_code == 400
    assert error_of(response).startswith(field)
    assert snapshot(server) == before


@pytest.mark.parametrize(("method", "path", "body"), BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", [
    pytest.param(b"{not json", id="broken"),
    pytest.param(b'{"subject": "unterminated', id="truncated"),
    pytest.param(b"\xff\xfe\x00\x00", id="not-utf8"),
    pytest.param(b"", id="empty"),
    pytest.param(b"[1, 2]", id="array"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"null", id="null"),
])
def test_a_body_that_is_not_a_json_object_is_400(server, method, path, body, raw):
    before = snapshot(server)
    response = send(server, method, path, raw=raw)
    assert response.status_code == 400
    assert error_of(response) in ("The request body is not valid JSON.", "The request body must be a JSON object.")
    assert snapshot(server) == before


@pytest.mark.parametrize("body", [
    pytest.param({}, id="empty-object"),
    pytest.param({"colour": "blue"}, id="unknown-field"),
    pytest.param({"ticketNumber": 12345678, "replies": []}, id="read-only-fields"),
    pytest.param({"Status": "CLOSED"}, id="wrong-case"),
])
def test_put_naming_no_known_field_is_400(server, body):
    before = snapshot(server)
    response = send(server, "PUT", "/ticket/12345678", body)
    assert response.status_code == 400
    assert error_of(response).startswith("Nothing to update")
    assert "status" in error_of(response) and "priority" in error_of(response)
    assert snapshot(server) == before


def test_put_whose_every_known_field_is_null_is_400(server):
    response = send(server, "PUT", "/ticket/12345678", {"status": None, "priority": None})
    assert response.status_code == 400
    assert "null" in error_of(response)


@pytest.mark.parametrize(("path", "what"), [
    ("/ticket/abc", "ticketNumber"),
    ("/ticket/0", "ticketNumber"),
    ("/ticket/-5", "ticketNumber"),
    ("/ticket/1.5", "ticketNumber"),
    ("/order/0", "orderNumber"),
    ("/order/ABC123", "orderNumber"),
])
def test_a_record_number_that_is_not_a_positive_integer_is_400(server, path, what):
    response = send(server, "GET", path)
    assert response.status_code == 400
    assert error_of(response) == f"{what} must be a positive integer."


# ------------------------------------------------------------------------- 404 answers

@pytest.mark.parametrize(("method", "path", "body", "words"), [
    pytest.param("GET", f"/ticket/{UNKNOWN}", None, f"Ticket {UNKNOWN} was not found.", id="GET ticket"),
    pytest.param("PUT", f"/ticket/{UNKNOWN}", {"status": "CLOSED"}, f"Ticket {UNKNOWN} was not found.",
                 id="PUT ticket"),
    pytest.param("POST", f"/ticket/{UNKNOWN}/reply", SPEC_REPLY, f"Ticket {UNKNOWN} was not found.",
                 id="POST reply"),
    pytest.param("GET", f"/order/{UNKNOWN}", None, f"Order {UNKNOWN} was not found.", id="GET order"),
    pytest.param("POST", f"/order/{UNKNOWN}/diagnostic", SPEC_DIAGNOSTIC, f"Order {UNKNOWN} was not found.",
                 id="POST diagnostic"),
    pytest.param("GET", "/ticket/87654321", None, "Ticket 87654321 was not found.", id="GET ticket 87654321"),
])
def test_an_unknown_ticket_or_order_is_404_naming_it(server, method, path, body, words):
    before = snapshot(server)
    response = send(server, method, path, body)
    assert response.status_code == 404
    assert error_of(response) == words
    assert snapshot(server) == before


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"),
    ("GET", "/tickets"),
    ("POST", "/tickets"),
    ("GET", "/provider"),
    ("GET", "/ticket/12345678/replies"),
    ("POST", "/order/12345678/diagnostics"),
    ("GET", "/order"),
    ("DELETE", "/ticket/12345678/reply/1"),
])
def test_an_unknown_route_is_404(server, method, path):
    response = send(server, method, path)
    assert response.status_code == 404
    assert error_of(response) == f"No such route: {path}"


def test_an_unknown_ticket_is_401_not_404_when_the_signature_is_missing(server):
    """Authentication comes first, so an unsigned caller learns nothing about which tickets exist."""
    response = send(server, "GET", f"/ticket/{UNKNOWN}", headers={"Content-Type": "application/json"})
    assert response.status_code == 401


# ------------------------------------------------------------------------- 405 answers

@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/ticket", "POST"),
    ("PUT", "/ticket", "POST"),
    ("DELETE", "/ticket/12345678", "GET, PUT"),
    ("POST", "/ticket/12345678", "GET, PUT"),
    ("PATCH", "/ticket/12345678", "GET, PUT"),
    ("GET", "/ticket/12345678/reply", "POST"),
    ("PUT", "/order/12345678", "GET"),
    ("POST", "/order/12345678", "GET"),
    ("DELETE", "/order/12345678", "GET"),
    ("GET", "/order/12345678/diagnostic", "POST"),
])
def test_a_wrong_method_on_a_known_route_is_405_with_an_allow_header(server, method, path, allow):
    before = snapshot(server)
    response = send(server, method, path, {"status": "CLOSED"} if method != "GET" else None)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert method in error_of(response)
    assert snapshot(server) == before


# ------------------------------------------------------------------------- 401 answers

def _now() -> datetime:
    return datetime.now(UTC)


UNAUTHORIZED: list[Any] = [
    pytest.param(lambda: {"Content-Type": "application/json"}, "Missing Timestamp or Authorization header.",
                 id="no-auth-headers"),
    pytest.param(lambda: without(signed(), "Authorization"), "Missing Timestamp or Authorization header.",
                 id="no-Authorization"),
    pytest.param(lambda: without(signed(), "Timestamp"), "Missing Timestamp or Authorization header.",
                 id="no-Timestamp"),
    pytest.param(lambda: {**signed(), "Authorization": SAMPLE_PUBLIC_KEY}, "Authorization must be",
                 id="Authorization-without-dot"),
    pytest.param(lambda: {**signed(), "Authorization": SAMPLE_PUBLIC_KEY + "."}, "Authorization must be",
                 id="Authorization-without-signature"),
    pytest.param(lambda: {**signed(), "Authorization": "." + signed()["Authorization"].split(".", 1)[1]},
                 "Authorization must be", id="Authorization-without-public-key"),
    pytest.param(lambda: auth_headers("9999ZZZZ-88YY-77XX-66WW-444444VVVVVV", SAMPLE_SECRET_KEY),
                 "Unknown public API key.", id="unknown-public-key"),
    pytest.param(lambda: auth_headers(SAMPLE_SECRET_KEY, SAMPLE_PUBLIC_KEY), "Unknown public API key.",
                 id="keys-swapped"),
    pytest.param(lambda: auth_headers(SAMPLE_PUBLIC_KEY, "not-the-secret"), "Signature does not match.",
                 id="wrong-secret"),
    pytest.param(lambda: headers_for(stamp(_now()), signed_text=stamp(_now() - timedelta(seconds=1))),
                 "Signature does not match.", id="signature-of-another-timestamp"),
    pytest.param(lambda: headers_for(stamp(_now()), signed_text=stamp(_now(), offset_hours=0)),
                 "Signature does not match.", id="signature-of-same-instant-other-offset"),
    pytest.param(lambda: auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, _now() - timedelta(seconds=330)),
                 "Timestamp is outside the allowed window", id="timestamp-330s-old"),
    pytest.param(lambda: auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, _now() + timedelta(seconds=330)),
                 "Timestamp is outside the allowed window", id="timestamp-330s-ahead"),
    pytest.param(lambda: headers_for("2019-01-02T17:34:52-05:00"), "Timestamp is outside the allowed window",
                 id="the-specs-own-sample-timestamp"),
    pytest.param(lambda: headers_for(_now().replace(tzinfo=None).isoformat(timespec="seconds")),
                 "Timestamp must be ISO 8601 with a UTC offset", id="timestamp-without-offset"),
    pytest.param(lambda: headers_for(_now().strftime("%a, %d %b %Y %H:%M:%S GMT")),
                 "Timestamp must be ISO 8601 with a UTC offset", id="timestamp-http-date"),
    pytest.param(lambda: headers_for(str(int(_now().timestamp()))),
                 "Timestamp must be ISO 8601 with a UTC offset", id="timestamp-epoch-seconds"),
]


@pytest.mark.parametrize(("make_headers", "words"), UNAUTHORIZED)
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_a_missing_malformed_wrong_or_stale_signature_is_401_and_changes_nothing(
    server, method, path, body, make_headers: Callable[[], dict[str, str]], words
):
    before = snapshot(server)
    response = send(server, method, path, body, headers=make_headers())
    assert response.status_code == 401
    assert error_of(response).startswith(words)
    assert snapshot(server) == before


@pytest.mark.parametrize("make_headers", [
    pytest.param(lambda: auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY), id="now-local-offset"),
    pytest.param(lambda: headers_for(stamp(_now(), -5)), id="now-minus-05:00-as-in-the-spec"),
    pytest.param(lambda: headers_for(stamp(_now(), 5.5)), id="now-plus-05:30"),
    pytest.param(lambda: headers_for(stamp(_now(), 0)), id="now-plus-00:00"),
    pytest.param(lambda: headers_for(_now().strftime("%Y-%m-%dT%H:%M:%SZ")), id="now-Z"),
    pytest.param(lambda: headers_for(stamp(_now() - timedelta(seconds=240))), id="240s-old"),
    pytest.param(lambda: headers_for(stamp(_now() + timedelta(seconds=240))), id="240s-ahead"),
    pytest.param(lambda: {k.lower(): v for k, v in signed().items()}, id="lower-case-header-names"),
])
def test_a_correct_signature_inside_the_300_second_window_is_accepted(server, make_headers):
    response = send(server, "GET", "/order/12345678", headers=make_headers())
    assert response.status_code == 200
    assert response.json()["orderNumber"] == 12345678


# ----------------------------------------------------------------------- the envelope

def test_content_length_counts_bytes_not_characters(server):
    subject = "Grüße aus Zürich 🎉 — ñandú"
    number = new_ticket(server, subject=subject, firstName="Zoë")
    response = send(server, "GET", f"/ticket/{number}")  # send() checks Content-Length == bytes received
    assert int(response.headers["Content-Length"]) > len(response.text)  # multi-byte characters present
    assert response.json()["ticket"]["subject"] == subject
    assert response.json()["ticket"]["firstName"] == "Zoë"


def _raw_exchange(server: SandboxServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(("request_bytes", "status"), [
    pytest.param(b"GET /ticket/12345678 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400,
                 id="non-numeric-Content-Length"),
    pytest.param(b"GET /ticket/12345678 HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n", 400,
                 id="superscript-two-as-Content-Length"),
    pytest.param(b"GET /ticket/12345678 HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431,
                 id="header-line-too-long"),
])
def test_requests_the_http_layer_rejects_are_still_answered_in_the_json_envelope(server, request_bytes, status):
    code, headers, body = _raw_exchange(server, request_bytes)
    assert code == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    payload = json.loads(body)
    assert payload["success"] is False and payload["error"]


@pytest.mark.parametrize("path", ["/ticket/12345678", "/order/12345678"])
@pytest.mark.parametrize("raw", [
    pytest.param(PHP_SAMPLE_GET_PAYLOAD, id="php-sample-payload"),
    pytest.param(b"{not json at all", id="broken-json"),
])
def test_a_get_carrying_a_body_as_the_vendors_php_sample_does_is_answered_normally(server, path, raw):
    plain = send(server, "GET", path)
    with_body = send(server, "GET", path, raw=raw)
    assert with_body.status_code == 200
    assert with_body.json() == plain.json()


def test_a_query_string_or_trailing_slash_does_not_change_the_route(server):
    plain = send(server, "GET", "/ticket/12345678").json()
    assert send(server, "GET", "/ticket/12345678/").json() == plain
    assert send(server, "GET", "/ticket/12345678?fields=all").json() == plain


# --------------------------------------------------------------- data, as documented

def test_the_seeded_sample_ticket_is_exactly_the_documents_get_ticket_response(sandbox):
    response = send(sandbox, "GET", "/ticket/12345678")
    assert response.status_code == 200
    assert response.json() == SPEC_GET_TICKET_RESPONSE


def test_the_seeded_sample_order_is_exactly_the_documents_get_order_response(sandbox):
    response = send(sandbox, "GET", "/order/12345678")
    assert response.status_code == 200
    assert response.json() == SPEC_GET_ORDER_RESPONSE
    assert response.json()["associateId"] == "0975312"  # a string: the leading zero survives


def test_a_new_tickets_number_never_collides_with_a_seeded_one(sandbox):
    # The seed draws its first ticket number from random.Random(7); put the sandbox's own
    # number generator on the same sequence, so its first candidate is a number already taken.
    taken = random.Random(7).randint(10_000_000, 99_999_999)
    seeded = set(sandbox.store.ticket_numbers())
    assert taken in seeded
    original = sandbox.store.ticket(taken)
    sandbox.api._random.seed(7)

    numbers = [new_ticket(sandbox, subject=f"Ticket {i}") for i in range(5)]

    assert taken not in numbers
    assert not seeded & set(numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(10_000_000 <= n <= 99_999_999 for n in numbers)  # eight digits, like the spec's 12345678
    assert sandbox.store.ticket(taken) == original
    for i, number in enumerate(numbers):
        assert send(sandbox, "GET", f"/ticket/{number}").json()["ticket"]["subject"] == f"Ticket {i}"


@pytest.mark.parametrize("status", STATUSES)
def test_a_status_change_via_put_is_visible_in_the_next_get(server, status):
    number = new_ticket(server)
    before = send(server, "GET", f"/ticket/{number}").json()["ticket"]
    response = send(server, "PUT", f"/ticket/{number}", {"status": status})
    assert response.status_code == 200
    after = send(server, "GET", f"/ticket/{number}").json()["ticket"]
    assert after == {**before, "status": status}  # and nothing else changed


def test_put_changes_only_the_fields_it_names(server):
    number = new_ticket(server)
    before = send(server, "GET", f"/ticket/{number}").json()["ticket"]
    send(server, "PUT", f"/ticket/{number}", {"priority": "HIGH", "phoneNumber": "(555) 000-1111", "colour": "red"})
    after = send(server, "GET", f"/ticket/{number}").json()["ticket"]
    assert after == {**before, "priority": "HIGH", "phoneNumber": "(555) 000-1111"}


def test_a_reply_appears_in_the_tickets_replies_exactly_as_posted(server):
    number = new_ticket(server)
    response = send(server, "POST", f"/ticket/{number}/reply", SPEC_REPLY)
    assert response.json() == {"success": True, "error": "", "ticketNumber": number}
    replies = send(server, "GET", f"/ticket/{number}").json()["ticket"]["replies"]
    assert replies == [SPEC_REPLY]


def test_a_reply_without_replied_on_is_stamped_now_with_an_offset(server):
    number = new_ticket(server)
    send(server, "POST", f"/ticket/{number}/reply", _drop(SPEC_REPLY, "repliedOn"))
    (reply,) = send(server, "GET", f"/ticket/{number}").json()["ticket"]["replies"]
    stamped = datetime.fromisoformat(reply["repliedOn"])
    assert stamped.tzinfo is not None
    assert abs((stamped - _now()).total_seconds()) < 60
    assert _drop(reply, "repliedOn") == _drop(SPEC_REPLY, "repliedOn")


def test_replies_come_back_in_time_order_across_utc_offsets(server):
    number = new_ticket(server)
    later = {**SPEC_REPLY, "repliedOn": "2020-02-03T10:00:00-06:00", "message": "later (16:00 UTC)"}
    earlier = {**SPEC_REPLY, "repliedOn": "2020-02-03T15:00:00+00:00", "message": "earlier (15:00 UTC)"}
    send(server, "POST", f"/ticket/{number}/reply", later)
    send(server, "POST", f"/ticket/{number}/reply", earlier)
    replies = send(server, "GET", f"/ticket/{number}").json()["ticket"]["replies"]
    assert [r["message"] for r in replies] == ["earlier (15:00 UTC)", "later (16:00 UTC)"]
    assert [r["repliedOn"] for r in replies] == ["2020-02-03T15:00:00+00:00", "2020-02-03T10:00:00-06:00"]


# ------------------------------------------------------------ bugs found by these tests (fixed)

@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/ticket/99999999999999999999", None),
    ("GET", "/order/99999999999999999999", None),
    ("PUT", "/ticket/99999999999999999999", {"status": "CLOSED"}),
])
def test_a_ticket_or_order_number_too_large_for_any_record_is_404_or_400_not_500(server, method, path, body):
    response = send(server, method, path, body)
    assert response.status_code in (400, 404)


# ------------------------------------------------ a late answer: committed first, then answered (a slow gateway)

def _tickets_with_subject(sandbox: SandboxServer, subject: str) -> int:
    return sum(1 for n in sandbox.store.ticket_numbers() if sandbox.store.ticket(n)["subject"] == subject)


def _post_in_background(sandbox: SandboxServer, subject: str) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def post() -> None:
        try:
            outcome.append(send(sandbox, "POST", "/ticket", {**SPEC_NEW_TICKET, "subject": subject}).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=post)
    worker.start()
    return worker, outcome


def _wait_for_ticket(sandbox: SandboxServer, subject: str, worker: threading.Thread) -> None:
    """Until the sandbox has stored the ticket (bounded), the client thread still waiting for its answer."""
    deadline = time.monotonic() + 5
    while not _tickets_with_subject(sandbox, subject):
        assert time.monotonic() < deadline, "the POST was never carried out"
        time.sleep(0.005)  # polls another thread's work (the HTTP server's), no GUI here
    assert worker.is_alive(), "the answer came back before the delay"


@pytest.mark.parametrize("how", ["answer_delay_ms", "scripted"])
def test_with_an_answer_delay_the_post_is_committed_while_the_client_still_waits(sandbox, how):
    if how == "scripted":
        sandbox.faults.script(Fault(PASS, answer_delay_ms=500, method="POST"))
    else:
        sandbox.faults.answer_delay_ms = 500
    started = time.monotonic()
    worker, outcome = _post_in_background(sandbox, "Committed before the answer")
    _wait_for_ticket(sandbox, "Committed before the answer", worker)
    worker.join(10)
    assert outcome == [201] and time.monotonic() - started >= 0.5
    assert _tickets_with_subject(sandbox, "Committed before the answer") == 1


def test_latency_is_before_the_change_and_the_answer_delay_after_it(sandbox):
    sandbox.faults.latency_ms = 500  # a slow server: nothing is done while the client waits
    served = sandbox.requests_served
    worker, _outcome = _post_in_background(sandbox, "Slow server")
    deadline = time.monotonic() + 5
    while sandbox.requests_served == served:  # received, now in its latency
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert _tickets_with_subject(sandbox, "Slow server") == 0 and worker.is_alive()
    worker.join(10)
    assert _tickets_with_subject(sandbox, "Slow server") == 1


def test_a_client_that_gives_up_before_a_late_answer_leaves_exactly_one_ticket(sandbox):
    sandbox.faults.answer_delay_ms = 500
    with pytest.raises(requests.ReadTimeout):
        requests.post(sandbox.url + "/ticket", data=json.dumps({**SPEC_NEW_TICKET, "subject": "Gave up"}),
                      headers=signed(), timeout=(5, 0.2))
    worker, outcome = _post_in_background(sandbox, "After it")  # the server goes on serving meanwhile
    worker.join(10)
    assert outcome == [201] and _tickets_with_subject(sandbox, "Gave up") == 1


def test_answer_delay_is_a_command_line_option_for_the_sandbox_and_the_demo(tmp_path):
    from gui.connection import Connection, SandboxFaults
    from gui.settings import SANDBOX, Profile
    from gui.store import LocalStore
    from main import parse_args

    assert parse_args(["--sandbox", "--answer-delay-ms", "900"]).answer_delay_ms == 900.0
    assert parse_args(["--demo", "--answer-delay-ms", "2500"]).answer_delay_ms == 2500.0
    store = LocalStore(tmp_path / "desk.sqlite3")
    connection = Connection(Profile(environment=SANDBOX, first_name="Sam", last_name="Agent",
                                    email_address="sam@example.com"), "", store, tmp_path / "box.sqlite3",
                            SandboxFaults(answer_delay_ms=2500))
    try:
        assert connection.sandbox is not None and connection.sandbox.faults.answer_delay_ms == 2500.0
    finally:
        connection.close()
        store.close()


@pytest.mark.slow
def test_the_sandbox_process_answers_late_with_answer_delay_ms(tmp_path):
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen([sys.executable, str(root / "main.py"), "--sandbox", "--port", "0",
                                "--answer-delay-ms", "700"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        line = process.stdout.readline()
        assert "listening on" in line, line
        url = line.rsplit(" ", 1)[-1].strip()
        started = time.monotonic()
        response = requests.get(url + "/ticket/12345678", headers=signed(), timeout=10)
        assert response.status_code == 200 and time.monotonic() - started >= 0.7
    finally:
        process.terminate()
        process.wait(10)


# ------------------------------------------------------------ hostile clients (the sandbox is a server people run)

def signed_head(method: str, path: str, *lines: str) -> bytes:
    headers = [f"{name}: {value}" for name, value in auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY).items()]
    return "\r\n".join((f"{method} {path} HTTP/1.1", "Host: x", *headers, *lines, "", "")).encode()


def exchange(server: SandboxServer, request: bytes) -> tuple[int, dict]:
    """Sends ``request`` and reads one answer (bounded: 2 s), its JSON envelope checked."""
    with socket.create_connection((server.host, server.port), timeout=2) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < int(
                received.lower().partition(b"content-length:")[2].split(b"\r\n")[0] or 0):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    payload = json.loads(body)
    assert payload["success"] is False and payload["error"] and "Traceback" not in payload["error"]
    return int(head.split()[1]), payload


def test_an_unsigned_request_is_refused_from_its_headers_before_its_body_is_read(server):
    announced = 39 * 2**20
    request = (b"POST /ticket HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n{" % announced)  # 39 MB announced, one byte sent
    status, payload = exchange(server, request)
    assert status == 401 and "Authorization" in payload["error"]
    refused = server.recent[-1]
    assert (refused.method, refused.body, refused.size) == ("POST", b"", 0)


def test_recent_keeps_a_bounded_number_of_body_bytes(sandbox):
    from gui.sandbox.server import RECENT_BODY_BYTES, RECENT_BYTES

    body = json.dumps({**SPEC_NEW_TICKET, "message": "x" * (3 * 2**20)}).encode()
    with requests.Session() as session:
        for _ in range(12):  # 36 MB sent
            response = session.post(sandbox.url + "/order/11111111/diagnostic", data=body, headers=signed(),
                                    timeout=10)
            assert response.status_code == 400  # read, recorded, then refused (no eligibility given)
    kept = sum(len(r.body) for r in sandbox.recent)
    assert kept <= RECENT_BYTES
    assert all(r.size == len(body) and len(r.body) <= RECENT_BODY_BYTES for r in sandbox.recent)


@pytest.mark.parametrize("size", [b"-1", b"+5", b"0x5", b"1_0", b" ", b"zz", b"123456789"])
def test_a_chunk_size_that_is_not_plain_hex_digits_is_400(server, size):
    request = signed_head("POST", "/ticket", "Transfer-Encoding: chunked") + size + b"\r\n{}\r\n0\r\n\r\n"
    status, payload = exchange(server, request)  # the connection stays open: -1 once read "all until EOF"
    assert status == 400 and "chunk" in payload["error"]


def test_chunks_adding_up_past_the_body_limit_are_refused_before_they_are_read(server):
    from gui.sandbox.server import MAX_BODY_BYTES

    first = b"%x\r\n" % (MAX_BODY_BYTES - 10)  # announced, never sent: refused from the size alone
    request = signed_head("POST", "/ticket", "Transfer-Encoding: chunked") + b"10\r\n" + b" " * 16 + b"\r\n" + first
    status, payload = exchange(server, request + b"0\r\n")
    assert status == 400 and "larger than 40 MB" in payload["error"]


def test_a_ticket_number_of_5000_digits_is_404_in_the_json_envelope_without_a_traceback(server, caplog):
    response = send(server, "GET", "/ticket/" + "9" * 5000)
    assert response.status_code == 404 and len(error_of(response)) < 200
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_deeply_nested_json_is_400_in_the_json_envelope_without_a_traceback(server, caplog):
    response = send(server, "POST", "/ticket", raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400 and "nested" in error_of(response)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_a_client_that_hangs_up_before_its_answer_is_one_debug_line_not_a_traceback(sandbox, capfd):
    import logging

    heard = threading.Event()
    lines: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record)
            if "went away" in record.getMessage():
                heard.set()

    logger = logging.getLogger("gui.sandbox.server")
    catch, level = Catch(logging.DEBUG), logger.level
    logger.addHandler(catch)
    logger.setLevel(logging.DEBUG)
    try:
        sandbox.faults.script(Fault(PASS, answer_delay_ms=100))  # answered after the client has gone
        with socket.create_connection((sandbox.host, sandbox.port), timeout=2) as sock:
            sock.sendall(signed_head("GET", "/ticket/12345678"))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
        assert heard.wait(2), "the hang-up was never logged"
    finally:
        logger.removeHandler(catch)
        logger.setLevel(level)
    gone = [r for r in lines if "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelname == "DEBUG" and gone[0].exc_info is None
    assert "Traceback" not in capfd.readouterr().err
