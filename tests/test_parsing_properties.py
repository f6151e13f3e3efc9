"""Tolerant parsing, as properties: whatever JSON or bytes the server sends, we get a model or an ApiError.

Nothing else may escape the parsers or the client (no KeyError, TypeError, ValueError,
AttributeError, RecursionError): the desk shows ``ApiError.message`` to the agent and must
never crash on a strange answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gui.api import (
    SAMPLE_PUBLIC_KEY,
    SAMPLE_SECRET_KEY,
    ApiError,
    NotFoundError,
    Order,
    OrderType,
    Priority,
    Reply,
    ResponseError,
    ServerError,
    Status,
    Ticket,
    TogaClient,
    ValidationError,
    WebhookEvent,
    WebhookType,
)
from gui.sandbox import Fault, SandboxServer

# -------------------------------------------------------------------------- strategies

texts = st.text(max_size=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)

TICKET_KEYS = ["ticketNumber", "priority", "status", "firstName", "lastName", "emailAddress", "phoneNumber",
               "subject", "message", "replies"]
REPLY_KEYS = ["repliedOn", "firstName", "lastName", "emailAddress", "message"]
ORDER_KEYS = ["orderNumber", "firstName", "lastName", "emailAddress", "associateId", "storeNumber", "type"]
WEBHOOK_KEYS = ["webhook", "ticketNumber", "status", "reply"]
ALL_KEYS = sorted({*TICKET_KEYS, *REPLY_KEYS, *ORDER_KEYS, *WEBHOOK_KEYS, "success", "error", "ticket"})

# Values that look right, or nearly right, for the real fields.
plausible = st.sampled_from([
    *[s.value for s in Status], *[p.value for p in Priority], *[t.value for t in OrderType],
    *[w.value for w in WebhookType], "ESCALATED", "closed", "", " ", "0975312", "007",
    "2020-02-03T07:34:16-06:00", "2020-02-03T07:34:16Z", "2020-02-03T07:34:16", "2020-02-03", "yesterday",
    12345678, 12345678.0, 1.5, -1, 0, "12345678", " 12345678 ", "١٢٣", "²", "①", "9" * 30, True, False, None,
])
digit_strings = st.from_regex(r"\A *[0-9]{1,12} *\Z")
numberish = st.integers() | digit_strings | st.floats(allow_nan=False) | st.booleans() | st.none() | plausible
reply_like = st.dictionaries(st.sampled_from(REPLY_KEYS), plausible | json_values, max_size=6)
field_values = plausible | numberish | json_values | reply_like | st.lists(reply_like | json_values, max_size=4)
# Dicts with the real field names (and a few stray keys) holding anything at all.
shaped = st.dictionaries(st.sampled_from(ALL_KEYS) | st.text(max_size=6), field_values, max_size=len(ALL_KEYS))
anything = json_values | shaped | st.lists(shaped, max_size=2)

valid_number = st.integers(min_value=1, max_value=2**53) | st.integers(1, 99_999_999).map(str)
tickets_with_a_number = st.fixed_dictionaries(
    {"ticketNumber": valid_number},
    optional={key: field_values for key in TICKET_KEYS if key != "ticketNumber"},
)
orders_with_a_number = st.fixed_dictionaries(
    {"orderNumber": valid_number},
    optional={key: field_values for key in ORDER_KEYS if key != "orderNumber"},
)
webhook_like = st.fixed_dictionaries(
    {"webhook": st.sampled_from([w.value for w in WebhookType]) | field_values},
    optional={"ticketNumber": numberish, "status": plausible | field_values, "reply": reply_like | field_values},
)

PARSERS = [
    pytest.param(Ticket.from_json, Ticket, id="Ticket"),
    pytest.param(Reply.from_json, Reply, id="Reply"),
    pytest.param(Order.from_json, Order, id="Order"),
    pytest.param(WebhookEvent.from_json, WebhookEvent, id="WebhookEvent"),
]


def _optional_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


# ------------------------------------------------------------------- parser properties

@pytest.mark.parametrize(("parse", "model"), PARSERS)
@settings(max_examples=100, deadline=None)
@given(data=anything | tickets_with_a_number | orders_with_a_number | webhook_like)
@example(data=None)
@example(data=[])
@example(data="ticket")
@example(data={"ticketNumber": "abc"})
@example(data={"ticketNumber": "²", "orderNumber": "①"})
@example(data={"webhook": ["TICKET_REPLY"], "ticketNumber": {}})
def test_every_parser_returns_its_model_or_raises_an_api_error(parse, model, data):
    try:
        result = parse(data)
    except ApiError as error:
        assert isinstance(error, ResponseError)
        assert str(error).strip()
        assert error.status is None  # found in the body, not an HTTP status
    else:
        assert type(result) is model
        assert isinstance(data, dict)  # only an object can ever become a model


@settings(max_examples=100, deadline=None)
@given(tickets_with_a_number)
def test_a_ticket_with_a_valid_number_always_parses_whatever_its_other_fields_hold(data):
    ticket = Ticket.from_json(data)
    assert ticket.ticket_number == int(data["ticketNumber"])
    for name in ("subject", "message", "first_name", "last_name", "email_address", "phone_number"):
        assert _optional_text(getattr(ticket, name))
    assert ticket.status is None or isinstance(ticket.status, str)  # Status members are str too
    assert ticket.priority is None or isinstance(ticket.priority, str)
    raw_replies = data.get("replies")
    expected = [r for r in raw_replies if isinstance(r, dict)] if isinstance(raw_replies, list) else []
    assert len(ticket.replies) == len(expected)
    for reply, raw in zip(ticket.replies, expected, strict=True):
        assert isinstance(reply, Reply)
        assert reply.replied_on is None or reply.replied_on.tzinfo is not None
        if isinstance(raw.get("message"), str):
            assert reply.message == raw["message"]
    for key, attribute in (("subject", "subject"), ("emailAddress", "email_address")):
        if isinstance(data.get(key), str):
            assert getattr(ticket, attribute) == data[key]  # text is kept exactly, never stripped
    status = data.get("status")
    if isinstance(status, str) and status in {s.value for s in Status}:
        assert ticket.status is Status(status)
    elif isinstance(status, str):
        assert ticket.status == status  # an unknown value is kept as the raw text


@settings(max_examples=100, deadline=None)
@given(tickets_with_a_number)
def test_a_parsed_ticket_survives_a_round_trip_through_to_json(data):
    ticket = Ticket.from_json(data)
    assert Ticket.from_json(json.loads(json.dumps(ticket.to_json()))) == ticket


@settings(max_examples=100, deadline=None)
@given(orders_with_a_number)
def test_an_order_with_a_valid_number_always_parses_and_keeps_its_text_exactly(data):
    order = Order.from_json(data)
    assert order.order_number == int(data["orderNumber"])
    for key, attribute in (("associateId", "associate_id"), ("storeNumber", "store_number"),
                           ("firstName", "first_name"), ("emailAddress", "email_address")):
        value = getattr(order, attribute)
        assert _optional_text(value)
        if isinstance(data.get(key), str):
            assert value == data[key]
        elif data.get(key) is None or isinstance(data.get(key), (dict, list)):
            assert value is None
    assert order.type is None or isinstance(order.type, str)


@settings(max_examples=100, deadline=None)
@given(webhook_like)
def test_a_webhook_is_accepted_only_when_it_is_exactly_what_the_spec_describes(data):
    try:
        event = WebhookEvent.from_json(data)
    except ResponseError:
        return
    number = data["ticketNumber"]
    assert type(number) is int and number > 0
    assert event.ticket_number == number
    assert event.webhook is WebhookType(data["webhook"])
    if event.webhook is WebhookType.TICKET_STATUS_CHANGE:
        assert event.status is Status(data["status"]) and event.reply is None
    else:
        assert isinstance(data["reply"], dict)
        assert event.reply == Reply.from_json(data["reply"]) and event.status is None


# ---------------------------------------------------------------- tolerant, concretely

def test_tolerant_parsing_keeps_unknown_enum_values_as_raw_strings():
    ticket = Ticket.from_json({"ticketNumber": 7, "status": "ESCALATED", "priority": "URGENT"})
    assert ticket.status == "ESCALATED" and not isinstance(ticket.status, Status)
    assert ticket.priority == "URGENT" and not isinstance(ticket.priority, Priority)
    assert Order.from_json({"orderNumber": 7, "type": "LOANER"}).type == "LOANER"
    known = Ticket.from_json({"ticketNumber": 7, "status": "CLOSED", "priority": "HIGH"})
    assert known.status is Status.CLOSED and known.priority is Priority.HIGH


def test_tolerant_parsing_turns_missing_optional_fields_into_none():
    ticket = Ticket.from_json({"ticketNumber": 12345678})
    assert ticket == Ticket(ticket_number=12345678)
    assert (ticket.subject, ticket.message, ticket.status, ticket.priority, ticket.first_name, ticket.last_name,
            ticket.email_address, ticket.phone_number, ticket.replies) == (None,) * 8 + ([],)
    reply = Reply.from_json({})
    assert (reply.message, reply.email_address, reply.first_name, reply.last_name, reply.replied_on) == (None,) * 5
    order = Order.from_json({"orderNumber": 1})
    assert (order.first_name, order.associate_id, order.store_number, order.type) == (None,) * 4


def test_tolerant_parsing_turns_wrongly_typed_scalars_into_text_and_containers_into_none():
    ticket = Ticket.from_json({"ticketNumber": "12345678", "subject": 42, "message": True,
                               "phoneNumber": 1234567.5, "firstName": {"x": 1}, "replies": "none"})
    assert ticket.ticket_number == 12345678
    assert (ticket.subject, ticket.message, ticket.phone_number) == ("42", "true", "1234567.5")
    assert ticket.first_name is None and ticket.replies == []


def test_reply_replied_on_keeps_the_servers_utc_offset():
    reply = Reply.from_json({"repliedOn": "2020-02-03T07:34:16-06:00", "message": "Hi"})
    assert reply.replied_on == datetime(2020, 2, 3, 13, 34, 16, tzinfo=UTC)
    assert reply.replied_on.utcoffset() == timedelta(hours=-6)
    assert reply.replied_on.isoformat() == "2020-02-03T07:34:16-06:00"
    assert Reply.from_json({"repliedOn": "2020-02-03T07:34:16"}).replied_on.utcoffset() == timedelta(0)
    assert Reply.from_json({"repliedOn": "not a date"}).replied_on is None


def test_order_associate_id_and_store_number_keep_their_leading_zeros():
    order = Order.from_json({"orderNumber": 12345678, "associateId": "0975312", "storeNumber": "000246",
                             "type": "NEW"})
    assert (order.associate_id, order.store_number, order.type) == ("0975312", "000246", OrderType.NEW)


def test_the_specs_sample_objects_parse_field_for_field():
    ticket = Ticket.from_json({
        "ticketNumber": 12345678, "priority": "NORMAL", "status": "IN_PROGRESS", "firstName": "John",
        "lastName": "Smith", "emailAddress": "johnsmith@testco.com", "phoneNumber": "(123) 456-7890",
        "subject": "My computer won't boot up", "message": "I cannot get the computer to boot into Windows",
        "replies": [
            {"repliedOn": "2020-02-03T07:34:16-06:00", "firstName": "Jane", "lastName": "Doe",
             "emailAddress": "janedoe@testco.com", "message": "Have you tried powering the system off then on?"},
            {"repliedOn": "2020-02-03T08:19:27-06:00", "firstName": "John", "lastName": "Smith",
             "emailAddress": "johnsmith@testco.com", "message": "Yes, I have."},
        ],
    })
    assert (ticket.status, ticket.priority, ticket.requester) == (Status.IN_PROGRESS, Priority.NORMAL, "John Smith")
    assert [r.author for r in ticket.replies] == ["Jane Doe", "John Smith"]
    assert ticket.last_activity.isoformat() == "2020-02-03T08:19:27-06:00"
    event = WebhookEvent.from_json({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "CLOSED"})
    assert (event.webhook, event.ticket_number, event.status) == (WebhookType.TICKET_STATUS_CHANGE, 12345678,
                                                                  Status.CLOSED)
    event = WebhookEvent.from_json({"webhook": "TICKET_REPLY", "ticketNumber": 12345678, "reply": {
        "repliedOn": "2020-02-03T07:34:16-06:00", "firstName": "Jane", "lastName": "Doe",
        "emailAddress": "janedoe@testco.com", "message": "Have you tried restarting your machine?"}})
    assert event.reply.message == "Have you tried restarting your machine?"
    assert event.reply.replied_on.utcoffset() == timedelta(hours=-6)


@pytest.mark.parametrize("data", [
    pytest.param({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "ESCALATED"},
                 id="unknown-status"),
    pytest.param({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": "12345678", "status": "CLOSED"},
                 id="number-as-text"),
    pytest.param({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": True, "status": "CLOSED"}, id="number-bool"),
    pytest.param({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 0, "status": "CLOSED"}, id="number-zero"),
    pytest.param({"webhook": "TICKET_REPLY", "ticketNumber": 1, "reply": "Hi"}, id="reply-not-object"),
    pytest.param({"webhook": "ticket_reply", "ticketNumber": 1, "reply": {}}, id="lower-case-type"),
])
def test_webhooks_are_parsed_strictly_because_they_arrive_unauthenticated(data):
    with pytest.raises(ResponseError):
        WebhookEvent.from_json(data)


# ------------------------------------------------------------ the client, whole answers

bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda value: json.dumps(value).encode("utf-8"))
    | st.fixed_dictionaries(
        {"success": st.booleans() | field_values, "error": texts | field_values},
        optional={"ticket": tickets_with_a_number | field_values, "orderNumber": numberish,
                  "associateId": field_values, "type": field_values},
    ).map(lambda value: json.dumps(value).encode("utf-8"))
    | st.sampled_from([
        b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        b"<!DOCTYPE html><html><body>Service Unavailable</body></html>",
        b"Traceback (most recent call last):\n  File \"app.py\", line 1, in <module>\nKeyError: 'ticket'\n",
        b'{"success": true, "error": "", "providers": [{"providerId": "C638", "name": "unterminated}]}',
        b'{"success": false, "error": ""}',
        b'{"success": true, "ticket": {"ticketNumber": "abc"}}',
        b"\xef\xbb\xbf{\"success\": true}",
        b"",
    ])
)
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/html; charset=utf-8",
                 "text/plain", "application/json; charset=no-such-charset"]
ERROR_CLASS = {400: ValidationError, 404: NotFoundError, 500: ServerError, 502: ServerError}


def test_the_client_turns_any_answer_body_into_a_model_or_a_readable_api_error():
    with SandboxServer() as server, TogaClient(
        server.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0, max_tries=1, timeout=5
    ) as api:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            status=st.sampled_from([200, 201, 400, 404, 500, 502]),
            body=bodies,
            content_type=st.sampled_from(CONTENT_TYPES),
            ask_for_ticket=st.booleans(),
        )
        def survives(status: int, body: bytes, content_type: str, ask_for_ticket: bool) -> None:
            server.faults.script(Fault(status=status, body=body, content_type=content_type))
            try:
                result = api.get_ticket(12345678) if ask_for_ticket else api.get_order(12345678)
            except ApiError as error:
                text = str(error)
                assert isinstance(text, str) and text.strip()
                assert "<html" not in text.lower() and "traceback" not in text.lower()
                if status >= 400:
                    assert type(error) is ERROR_CLASS[status]
                    assert error.status == status
                    assert f"(HTTP {status})" in text
                else:
                    assert error.status in (status, None)
                    assert isinstance(error, (ResponseError, ServerError))
            else:
                assert status in (200, 201)
                assert type(result) is (Ticket if ask_for_ticket else Order)
            assert server.faults.pending() == 0  # the scripted answer really was the one received

        survives()


def test_the_client_reads_the_documents_answers_through_injected_bodies(sandbox, client):
    body = json.dumps({"success": True, "error": "", "orderNumber": 12345678, "associateId": "0975312",
                       "storeNumber": "758246", "type": "NEW"}).encode()
    sandbox.faults.script(Fault(status=200, body=body, content_type="application/json"))
    order = client.get_order(12345678)
    assert (order.order_number, order.associate_id, order.store_number) == (12345678, "0975312", "758246")
    sandbox.faults.script(Fault(status=404, body=b"<html><body>Not Found</body></html>"))
    with pytest.raises(NotFoundError) as caught:
        client.get_order(12345678)
    assert str(caught.value) == "The record could not be found (HTTP 404)."


# ------------------------------------------------------------ bugs found by these tests (fixed)

@pytest.mark.parametrize(("parse", "data"), [
    pytest.param(Ticket.from_json, {"ticketNumber": "²"}, id="Ticket-superscript"),
    pytest.param(Order.from_json, {"orderNumber": "①"}, id="Order-circled-digit"),
    pytest.param(Ticket.from_json, {"ticketNumber": "9" * 5000}, id="Ticket-over-4300-digits"),
])
def test_a_number_field_holding_digit_like_text_is_a_response_error(parse, data):
    with pytest.raises(ResponseError):
        parse(data)


def test_a_deeply_nested_json_answer_is_a_response_error(sandbox, client):
    sandbox.faults.script(Fault(status=200, body=b"[" * 100_000 + b"]" * 100_000, content_type="application/json"))
    with pytest.raises(ResponseError):
        client.get_order(12345678)


# -------------------------------------------------------------------------- numbers and dates at the edges


@pytest.mark.parametrize("number", [2**63, 10**20, "9223372036854775808", 0, -1])
def test_a_record_number_outside_1_to_2_63_minus_1_is_a_response_error(number):
    with pytest.raises(ResponseError):
        Ticket.from_json({"ticketNumber": number})
    with pytest.raises(ResponseError):
        Order.from_json({"orderNumber": number})
    with pytest.raises(ResponseError):
        WebhookEvent.from_json({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": number, "status": "OPEN"})


def test_the_largest_record_number_is_parsed():
    assert Ticket.from_json({"ticketNumber": 2**63 - 1}).ticket_number == 2**63 - 1


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59+14:00",
                                    "0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59"])
def test_a_reply_dated_at_the_ends_of_the_calendar_is_kept_and_converts_to_any_zone(moment):
    ticket = Ticket.from_json({"ticketNumber": 1, "replies": [
        {"repliedOn": moment, "message": "edge"}, {"repliedOn": "2024-05-01T10:00:00+02:00", "message": "now"}]})
    edge = ticket.replies[0].replied_on
    assert edge is not None and edge.year == int(moment[:4])  # kept: still shown as year 9999 or year 1
    for hours in (-14, -5, 0, 5, 14):
        edge.astimezone(timezone_of(hours))  # never OverflowError
    edge.astimezone()
    assert ticket.last_activity is not None
    assert Ticket.from_json(ticket.to_json()) == ticket  # stored and read back


def timezone_of(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))
