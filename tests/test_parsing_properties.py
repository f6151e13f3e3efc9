"""Tolerant parsing: whatever JSON the server sends, parsers return a model or raise an ApiError, nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.api import (
    SAMPLE_PUBLIC_KEY,
    SAMPLE_SECRET_KEY,
    ApiError,
    Order,
    Reply,
    Ticket,
    TogaClient,
    WebhookEvent,
)
from gui.sandbox import Fault

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["ticketNumber", "orderNumber", "subject", "message", "status", "priority", "replies", "repliedOn",
          "firstName", "lastName", "emailAddress", "phoneNumber", "associateId", "storeNumber", "type",
          "webhook", "reply"]
field_values = json_values | st.sampled_from(
    ["OPEN", "CLOSED", "HIGH", "NEW", "TICKET_REPLY", "TICKET_STATUS_CHANGE", "2020-02-03T07:34:16-06:00", 12345678]
) | st.lists(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5), max_size=3)
shaped = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=len(FIELDS))
anything = json_values | shaped

PARSERS = (Ticket.from_json, Reply.from_json, Order.from_json, WebhookEvent.from_json)


@settings(max_examples=300, deadline=None)
@given(anything)
def test_parsers_return_a_model_or_raise_an_api_error(data):
    for parse in PARSERS:
        try:
            result = parse(data)
        except ApiError as error:
            assert error.message
        else:
            assert isinstance(result, (Ticket, Reply, Order, WebhookEvent))


@settings(max_examples=150, deadline=None)
@given(shaped)
def test_a_parsed_ticket_always_has_an_integer_number_and_a_list_of_replies(data):
    try:
        ticket = Ticket.from_json(data)
    except ApiError:
        return
    assert isinstance(ticket.ticket_number, int)
    assert all(isinstance(r, Reply) for r in ticket.replies)
    assert Ticket.from_json(ticket.to_json()) == ticket


def test_unknown_values_are_kept_and_missing_fields_are_none():
    ticket = Ticket.from_json({"ticketNumber": 7, "status": "ESCALATED", "priority": "URGENT",
                               "replies": [{"repliedOn": "2020-02-03T07:34:16-06:00", "message": "Hi"}]})
    assert (ticket.status, ticket.priority) == ("ESCALATED", "URGENT")
    assert ticket.subject is None and ticket.phone_number is None
    assert ticket.replies[0].replied_on.utcoffset() == timedelta(hours=-6)
    order = Order.from_json({"orderNumber": 1, "associateId": "0975312", "storeNumber": "007", "type": "LOANER"})
    assert (order.associate_id, order.store_number, order.type) == ("0975312", "007", "LOANER")


bodies = st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()) | st.sampled_from([
    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    b'{"success": true, "error": "", "providers": [{"providerId": "C638", "name": "unterminated}]}',
    b'{"success": true, "ticket": {"ticketNumber": "abc"}}',
    b'{"success": true, "ticketNumber": 1, "orderNumber": 1}',
])


def test_the_client_turns_any_answer_into_a_model_or_a_readable_api_error(sandbox):
    api = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, max_tries=1, backoff=0)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(status=st.sampled_from([200, 201, 400, 401, 404, 422, 500, 502]), body=bodies,
           content_type=st.sampled_from(["application/json", "text/html", "text/plain"]), which=st.booleans())
    def answer_is_survived(status, body, content_type, which):
        sandbox.faults.script(Fault(status, body=body, content_type=content_type))
        try:
            result = api.get_ticket(12345678) if which else api.get_order(12345678)
        except ApiError as error:
            text = str(error)
            assert text.strip()
            assert "<html" not in text.lower() and "Traceback" not in text
        else:
            assert isinstance(result, (Ticket, Order))
        assert sandbox.faults.pending() == 0

    with api:
        answer_is_survived()
