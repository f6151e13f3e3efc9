"""Clock skew: after a 401 from a server whose clock is far from ours, re-sign once with its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gui.api import SAMPLE_PUBLIC_KEY, AuthError, TogaClient


def test_a_server_ten_minutes_ahead_is_recovered_from_and_remembered(client, sandbox):
    sandbox.api.clock_offset = 600
    assert client.get_ticket(12345678).ticket_number == 12345678
    first, second = sandbox.recent
    assert abs(client.clock_offset.total_seconds() - 600) < 5
    signed_for = datetime.fromisoformat(second.header("Timestamp"))
    assert abs((signed_for - (datetime.now(UTC) + timedelta(seconds=600))).total_seconds()) < 5
    assert datetime.fromisoformat(first.header("Timestamp")) < signed_for

    client.get_order(12345678)
    assert len(sandbox.recent) == 3  # the offset is kept: the next call is right first time


def test_a_server_behind_us_is_recovered_from_too(client, sandbox):
    sandbox.api.clock_offset = -3600
    client.update_ticket(12345678, status="OPEN")
    assert len(sandbox.recent) == 2
    assert abs(client.clock_offset.total_seconds() + 3600) < 5


def test_a_post_rejected_for_its_clock_was_not_applied_so_it_is_re_signed(client, sandbox):
    sandbox.api.clock_offset = 900
    before = len(sandbox.store.ticket_numbers())
    client.create_ticket("jane@example.com", "Clock", "Skewed")
    assert len(sandbox.store.ticket_numbers()) == before + 1


def test_skew_within_the_window_needs_no_correction(client, sandbox):
    sandbox.api.clock_offset = 30
    client.get_ticket(12345678)
    assert len(sandbox.recent) == 1
    assert client.clock_offset == timedelta(0)


def test_a_401_with_a_matching_clock_is_not_retried(sandbox):
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, "wrong-secret") as api, pytest.raises(AuthError):
        api.get_ticket(12345678)
    assert len(sandbox.recent) == 1


def test_wrong_keys_and_a_skewed_clock_re_sign_only_once(sandbox):
    sandbox.api.clock_offset = 600
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, "wrong-secret") as api, pytest.raises(AuthError):
        api.get_ticket(12345678)
    assert len(sandbox.recent) == 2
