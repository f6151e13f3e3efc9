"""Every way a call can fail ends in one ApiError-family exception with a readable message."""

from __future__ import annotations

import json
import socket

import pytest

from gui.api import (
    SAMPLE_PUBLIC_KEY,
    SAMPLE_SECRET_KEY,
    ApiError,
    AuthError,
    ConflictError,
    NetworkError,
    NotFoundError,
    ResponseError,
    ServerError,
    TogaClient,
    ValidationError,
)
from gui.sandbox import Fault

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


def json_body(**fields) -> bytes:
    return json.dumps(fields).encode()


def assert_readable(error: ApiError) -> None:
    text = str(error)
    assert text == error.message and text.strip()
    for leak in ("<html", "Traceback", "JSONDecodeError", "KeyError", SAMPLE_SECRET_KEY):
        assert leak not in text and leak not in repr(error)


def test_unknown_ticket_is_not_found_with_the_servers_words(client):
    with pytest.raises(NotFoundError) as caught:
        client.get_ticket(11111111)
    assert caught.value.status == 404
    assert "11111111" in caught.value.message and "(HTTP 404)" in caught.value.message
    assert_readable(caught.value)


def test_unknown_order_is_not_found(client):
    with pytest.raises(NotFoundError) as caught:
        client.get_order(99999999)
    assert caught.value.status == 404


def test_wrong_secret_is_an_auth_error(sandbox):
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, "not-the-secret", backoff=0) as api, \
            pytest.raises(AuthError) as caught:
        api.get_ticket(12345678)
    assert caught.value.status == 401
    assert "Signature" in caught.value.message
    assert "not-the-secret" not in caught.value.message + repr(caught.value)
    assert len(sandbox.recent) == 1  # a 401 with a correct clock is not retried


def test_unknown_public_key_is_an_auth_error(sandbox):
    with TogaClient(sandbox.url, "nobody", SAMPLE_SECRET_KEY) as api, pytest.raises(AuthError) as caught:
        api.get_order(12345678)
    assert caught.value.status == 401


def test_forbidden_is_an_auth_error(client, sandbox):
    sandbox.faults.script(Fault(403, body=json_body(success=False, error="Not your ticket."),
                                content_type="application/json"))
    with pytest.raises(AuthError) as caught:
        client.get_ticket(12345678)
    assert (caught.value.status, caught.value.message) == (403, "Not your ticket (HTTP 403).")


def test_a_400_from_the_server_is_a_validation_error_carrying_its_text(client, sandbox):
    sandbox.faults.script(Fault(400, body=json_body(success=False, error="subject is too long."),
                                content_type="application/json"))
    with pytest.raises(ValidationError) as caught:
        client.create_ticket("jane@example.com", "S", "M")
    assert caught.value.status == 400
    assert caught.value.message == "subject is too long (HTTP 400)."


def test_422_means_the_record_already_exists(client, sandbox):
    sandbox.faults.script(Fault(422, body=json_body(success=False, error="Ticket already exists."),
                                content_type="application/json"))
    with pytest.raises(ConflictError) as caught:
        client.create_ticket("jane@example.com", "S", "M")
    assert caught.value.status == 422
    assert "already exists" in caught.value.message


def test_a_500_is_a_server_error(client, sandbox):
    sandbox.faults.script(Fault(500))
    with pytest.raises(ServerError) as caught:
        client.get_order(12345678)
    assert caught.value.status == 500
    assert_readable(caught.value)


def test_an_html_error_page_becomes_words_not_markup(client, sandbox):
    sandbox.faults.script(*[Fault(502, body=HTML_502)] * 3)
    with pytest.raises(ServerError) as caught:
        client.get_ticket(12345678)
    assert caught.value.status == 502
    assert "bad gateway" in caught.value.message.lower()
    assert_readable(caught.value)


@pytest.mark.parametrize("body", [
    b'{"success": true, "ticket": {"ticketNumber": 1, "subject": "unterminated',  # the spec's own broken sample
    b"",
    b"\xff\xfe not utf-8",
    b"OK",
])
def test_a_success_status_with_a_body_that_is_not_json_is_a_response_error(client, sandbox, body):
    sandbox.faults.script(Fault(200, body=body, content_type="application/json"))
    with pytest.raises(ResponseError) as caught:
        client.get_ticket(12345678)
    assert caught.value.status == 200
    assert "could not be read" in caught.value.message
    assert_readable(caught.value)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"42"])
def test_json_that_is_not_an_object_is_a_response_error(client, sandbox, body):
    sandbox.faults.script(Fault(200, body=body, content_type="application/json"))
    with pytest.raises(ResponseError):
        client.get_order(12345678)


def test_success_false_on_a_2xx_is_an_error_with_the_servers_text(client, sandbox):
    sandbox.faults.script(Fault(200, body=json_body(success=False, error="Database is read-only."),
                                content_type="application/json"))
    with pytest.raises(ServerError) as caught:
        client.update_ticket(12345678, status="OPEN")
    assert caught.value.message == "Database is read-only."


@pytest.mark.parametrize(("call", "body"), [
    (lambda c: c.get_ticket(12345678), {"success": True}),
    (lambda c: c.get_ticket(12345678), {"success": True, "ticket": {"subject": "no number"}}),
    (lambda c: c.get_ticket(12345678), {"success": True, "ticket": ["not", "an", "object"]}),
    (lambda c: c.get_order(12345678), {"success": True, "firstName": "No order number"}),
    (lambda c: c.create_ticket("a@b.co", "S", "M"), {"success": True, "ticketNumber": "12"}),
    (lambda c: c.create_ticket("a@b.co", "S", "M"), {"success": True}),
])
def test_an_answer_missing_what_identifies_the_record_is_a_response_error(client, sandbox, call, body):
    sandbox.faults.script(Fault(200, body=json.dumps(body).encode(), content_type="application/json"))
    with pytest.raises(ResponseError) as caught:
        call(client)
    assert_readable(caught.value)


def test_an_unexpected_status_is_a_server_error_with_words(client, sandbox):
    sandbox.faults.script(Fault(418, body=b"I'm a teapot", content_type="text/plain"))
    with pytest.raises(ServerError) as caught:
        client.get_order(12345678)
    assert caught.value.status == 418
    assert "HTTP 418" in caught.value.message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nobody_listening_is_a_network_error_without_a_status():
    api = TogaClient(f"http://127.0.0.1:{free_port()}", SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0)
    with api, pytest.raises(NetworkError) as caught:
        api.create_ticket("jane@example.com", "S", "M")
    assert caught.value.status is None
    assert caught.value.maybe_applied is False  # nothing reached a server
    assert "Could not connect" in caught.value.message


def test_a_read_timeout_is_a_network_error(sandbox):
    sandbox.faults.latency_ms = 400
    api = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, timeout=(2, 0.1), max_tries=1)
    with api, pytest.raises(NetworkError) as caught:
        api.get_ticket(12345678)
    assert caught.value.status is None
    assert "did not answer in time" in caught.value.message


def test_the_secret_never_appears_in_the_clients_repr(client):
    assert SAMPLE_SECRET_KEY not in repr(client)
    assert SAMPLE_SECRET_KEY not in str(vars(client))


@pytest.mark.parametrize("text", ["...", "   ", "<html><body><h1>Bad gateway</h1></body></html>"])
def test_an_error_text_without_words_or_made_of_markup_is_replaced_by_words(client, sandbox, text):
    sandbox.faults.script(Fault(400, body=json_body(success=False, error=text), content_type="application/json"))
    with pytest.raises(ValidationError) as caught:
        client.create_ticket("jane@example.com", "S", "M")
    assert caught.value.message == "The server refused the request as invalid (HTTP 400)."


def test_an_answer_about_another_record_is_a_response_error(client, sandbox):
    other = {"success": True, "error": "", "ticket": {"ticketNumber": 87654321, "subject": "not yours"}}
    sandbox.faults.script(Fault(200, body=json.dumps(other).encode(), content_type="application/json"))
    with pytest.raises(ResponseError) as caught:
        client.get_ticket(12345678)
    assert caught.value.message == "Asked for ticket 12345678, the server sent ticket 87654321."


# ------------------------------------------- answers that do not prove a POST or PUT was refused

WRITES = {
    "POST": lambda c: c.create_ticket("jane@example.com", "Printer on fire", "It smokes."),
    "PUT": lambda c: c.update_ticket(12345678, status="OPEN"),
}
MAYBE_SAVED = "may or may not have been saved"


def one_try(sandbox) -> TogaClient:
    return TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0, max_tries=1, timeout=5)


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 507, 599])
def test_a_write_answered_with_a_5xx_or_408_may_or_may_not_have_been_applied(sandbox, method, status):
    sandbox.faults.script(Fault(status, after=True))  # the change is made, then the error answered
    with one_try(sandbox) as api, pytest.raises(ServerError) as caught:
        WRITES[method](api)
    assert caught.value.status == status and caught.value.maybe_applied is True
    assert MAYBE_SAVED in caught.value.message and f"HTTP {status}" in caught.value.message
    assert_readable(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 507])
def test_a_get_answered_with_a_5xx_is_never_maybe_applied(sandbox, status):
    sandbox.faults.script(Fault(status))
    with one_try(sandbox) as api, pytest.raises(ServerError) as caught:
        api.get_ticket(12345678)
    assert caught.value.maybe_applied is False and MAYBE_SAVED not in caught.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_write_refused_in_words_is_not_maybe_applied(sandbox, status):
    sandbox.faults.script(Fault(status, body=json_body(success=False, error="No."), content_type="application/json"))
    with one_try(sandbox) as api, pytest.raises(ApiError) as caught:
        WRITES["POST"](api)
    assert caught.value.maybe_applied is False and MAYBE_SAVED not in caught.value.message


def test_a_500_after_the_ticket_was_created_says_it_may_exist_and_it_does(sandbox):
    before = len(sandbox.store.ticket_numbers())
    sandbox.faults.script(Fault(500, after=True))
    with one_try(sandbox) as api, pytest.raises(ServerError) as caught:
        WRITES["POST"](api)
    assert caught.value.maybe_applied is True
    assert len(sandbox.store.ticket_numbers()) == before + 1  # counted at the sandbox: it was created


@pytest.mark.parametrize("method", WRITES)
def test_a_write_whose_connection_is_dropped_after_the_server_committed_may_have_been_applied(sandbox, method):
    sandbox.faults.script(Fault(None, after=True))
    with one_try(sandbox) as api, pytest.raises(NetworkError) as caught:
        WRITES[method](api)
    assert caught.value.maybe_applied is True and MAYBE_SAVED in caught.value.message
    assert "lost" in caught.value.message


def test_a_get_whose_connection_is_dropped_is_not_maybe_applied(sandbox):
    sandbox.faults.script(Fault(None))
    with one_try(sandbox) as api, pytest.raises(NetworkError) as caught:
        api.get_ticket(12345678)
    assert caught.value.maybe_applied is False and MAYBE_SAVED not in caught.value.message


UNREADABLE_2XX = [
    (b"<html><body>Saved</body></html>", "text/html"),  # a proxy's page
    (b"", "application/json"),
    (b'{"success": true, "ticketNumber": 1', "application/json"),  # cut short
    (b"[1, 2]", "application/json"),
    (b"null", "application/json"),
    (b'{"ticketNumber": 12345678}', "application/json"),  # no success field: not the API's answer
]


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize(("body", "kind"), UNREADABLE_2XX)
def test_a_write_answered_2xx_with_an_unreadable_body_may_or_may_not_have_been_applied(sandbox, method, body, kind):
    sandbox.faults.script(Fault(200, after=True, body=body, content_type=kind))
    with one_try(sandbox) as api, pytest.raises(ResponseError) as caught:
        WRITES[method](api)
    assert caught.value.maybe_applied is True and MAYBE_SAVED in caught.value.message
    assert "could not be read" in caught.value.message
    assert_readable(caught.value)


@pytest.mark.parametrize(("body", "kind"), UNREADABLE_2XX[:5])
def test_a_get_answered_2xx_with_an_unreadable_body_is_not_maybe_applied(sandbox, body, kind):
    sandbox.faults.script(Fault(200, body=body, content_type=kind))
    with one_try(sandbox) as api, pytest.raises(ResponseError) as caught:
        api.get_ticket(12345678)
    assert caught.value.maybe_applied is False and MAYBE_SAVED not in caught.value.message


def test_a_write_that_succeeded_without_its_number_may_have_been_applied(sandbox):
    sandbox.faults.script(Fault(200, after=True, body=json_body(success=True, error=""),
                                content_type="application/json"))
    with one_try(sandbox) as api, pytest.raises(ResponseError) as caught:
        WRITES["POST"](api)
    assert caught.value.maybe_applied is True and MAYBE_SAVED in caught.value.message
