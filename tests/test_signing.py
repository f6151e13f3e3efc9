"""Request signing: the spec's published vector and the shape of the three headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import requests

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY
from gui.api.signing import HmacAuth, auth_headers, format_timestamp, signature

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_the_specs_published_vector_holds():
    assert signature(SAMPLE_SECRET_KEY, "2019-01-02T17:34:52-05:00") == "Omjruf/UNd+rKEbjobxJzky84h6XOE9o9jz6/IKqc7Q="


def test_auth_headers_for_the_spec_moment_match_the_spec_example():
    moment = datetime(2019, 1, 2, 17, 34, 52, 987654, tzinfo=timezone(timedelta(hours=-5)))
    headers = auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, moment)
    assert headers == {
        "Content-Type": "application/json",
        "Timestamp": "2019-01-02T17:34:52-05:00",
        "Authorization": f"{SAMPLE_PUBLIC_KEY}.Omjruf/UNd+rKEbjobxJzky84h6XOE9o9jz6/IKqc7Q=",
    }


def test_timestamp_has_seconds_precision_and_an_explicit_offset_even_for_utc():
    assert format_timestamp(datetime(2026, 11, 22, 9, 5, 7, 123, tzinfo=UTC)) == "2026-11-22T09:05:07+00:00"


def test_a_naive_moment_is_taken_as_local_time_and_gets_the_local_offset():
    stamp = format_timestamp(datetime(2026, 11, 22, 9, 5, 7))
    assert ISO_WITH_OFFSET.match(stamp)
    assert stamp.startswith("2026-11-22T09:05:07")


def test_auth_headers_default_to_now():
    headers = auth_headers(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)
    assert ISO_WITH_OFFSET.match(headers["Timestamp"])
    sent = datetime.fromisoformat(headers["Timestamp"])
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 5
    public, _, signed = headers["Authorization"].partition(".")
    assert public == SAMPLE_PUBLIC_KEY
    assert signed == signature(SAMPLE_SECRET_KEY, headers["Timestamp"])


def test_hmac_auth_signs_each_prepared_request_at_send_time_with_its_clock():
    moments = iter([datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 1, 1, 12, 0, 9, tzinfo=UTC)])
    auth = HmacAuth(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, clock=lambda: next(moments))
    first = auth(requests.Request("GET", "http://127.0.0.1/ticket/1").prepare())
    second = auth(requests.Request("GET", "http://127.0.0.1/ticket/1").prepare())
    assert first.headers["Timestamp"] == "2026-01-01T12:00:00+00:00"
    assert second.headers["Timestamp"] == "2026-01-01T12:00:09+00:00"
    assert first.headers["Authorization"] != second.headers["Authorization"]


def test_the_secret_never_shows_in_the_signers_repr():
    assert SAMPLE_SECRET_KEY not in repr(HmacAuth(SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY))
