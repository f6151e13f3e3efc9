"""Retry rules: GET and PUT are retried on 408/502/504 and lost connections; a POST never is once sent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import gui.api.client as client_module
from gui.api import NetworkError, NotFoundError, ServerError
from gui.api.signing import signature
from gui.sandbox import Fault


@pytest.mark.parametrize("status", [408, 502, 504])
def test_a_get_is_retried_after_a_gateway_failure_and_succeeds(client, sandbox, status):
    sandbox.faults.script(Fault(status))
    assert client.get_ticket(12345678).ticket_number == 12345678
    assert [r.method for r in sandbox.recent] == ["GET", "GET"]


def test_a_get_gives_up_after_three_tries_with_the_last_error(client, sandbox):
    sandbox.faults.script(Fault(502), Fault(502), Fault(502), Fault(502))
    with pytest.raises(ServerError) as caught:
        client.get_order(12345678)
    assert caught.value.status == 502
    assert len(sandbox.recent) == 3
    assert sandbox.faults.pending() == 1


def test_a_get_is_retried_after_a_dropped_connection(client, sandbox):
    sandbox.faults.script(Fault(None))
    assert client.get_order(12345678).order_number == 12345678
    assert len(sandbox.recent) == 2


def test_a_put_is_retried_because_repeating_it_is_harmless(client, sandbox):
    sandbox.faults.script(Fault(504, after=True))
    assert client.update_ticket(12345678, priority="LOW") == 12345678
    assert [r.method for r in sandbox.recent] == ["PUT", "PUT"]


@pytest.mark.parametrize("status", [408, 502, 504])
def test_a_post_is_not_repeated_after_a_gateway_failure(client, sandbox, status):
    sandbox.faults.script(Fault(status, after=True, method="POST"))
    before = len(sandbox.store.ticket_numbers())
    with pytest.raises(ServerError) as caught:
        client.create_ticket("jane@example.com", "Printer", "Smoke")
    assert caught.value.status == status
    assert caught.value.maybe_applied is True
    assert "may or may not" in caught.value.message
    assert len(sandbox.recent) == 1
    assert len(sandbox.store.ticket_numbers()) == before + 1  # it did land: a retry would duplicate it


def test_a_reply_whose_connection_dropped_after_sending_is_not_repeated(client, sandbox):
    sandbox.faults.script(Fault(None, after=True, method="POST"))
    with pytest.raises(NetworkError) as caught:
        client.add_reply(12345678, "agent@example.com", "Only once, please.")
    assert caught.value.maybe_applied is True
    assert "may or may not have been saved" in caught.value.message
    assert len(sandbox.recent) == 1
    messages = [r.message for r in client.get_ticket(12345678).replies]
    assert messages.count("Only once, please.") == 1


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_errors_that_a_retry_cannot_fix_are_not_retried(client, sandbox, status):
    sandbox.faults.script(Fault(status))
    with pytest.raises(Exception):  # noqa: B017 - the kind is covered in test_client_errors
        client.get_ticket(12345678)
    assert len(sandbox.recent) == 1


def test_not_found_is_final(client, sandbox):
    with pytest.raises(NotFoundError):
        client.get_ticket(11111111)
    assert len(sandbox.recent) == 1


def test_each_retry_is_signed_afresh_for_its_own_moment(client, sandbox, monkeypatch):
    """A retry that re-sent old headers could fall out of the server's clock window."""
    start = datetime.now().astimezone()
    ticks = iter(range(100))

    class SteppingClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return start + timedelta(seconds=20 * next(ticks))

    monkeypatch.setattr(client_module, "datetime", SteppingClock)
    sandbox.faults.script(Fault(502))
    client.get_ticket(12345678)
    first, second = sandbox.recent
    assert first.header("Timestamp") != second.header("Timestamp")
    for request in (first, second):
        stamp = request.header("Timestamp")
        assert request.header("Authorization").endswith("." + signature("EEEE5555-DD44-CC33-BB22-AAAAAA111111", stamp))


def test_backoff_between_tries_stays_short(sandbox):
    from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient

    api = TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
    assert api.max_tries == 3
    assert sum(api.backoff * 2**i for i in range(api.max_tries - 1)) <= 3.0
    api.close()
