"""Invalid input is refused before anything is sent, with an error that names the field."""

from __future__ import annotations

import pytest

from gui.api import ApiError, ValidationError

GOOD_EMAIL = "jane@example.com"

INVALID_CALLS = [
    ("create_ticket without e-mail", lambda c: c.create_ticket("", "Subject", "Message"), "emailAddress"),
    ("create_ticket with a malformed e-mail", lambda c: c.create_ticket("jane@", "Subject", "Msg"), "emailAddress"),
    ("create_ticket with spaces in the e-mail", lambda c: c.create_ticket("ja ne@x.com", "S", "M"), "emailAddress"),
    ("create_ticket with a blank subject", lambda c: c.create_ticket(GOOD_EMAIL, "   ", "Message"), "subject"),
    ("create_ticket without a message", lambda c: c.create_ticket(GOOD_EMAIL, "Subject", None), "message"),
    ("create_ticket with an unknown priority",
     lambda c: c.create_ticket(GOOD_EMAIL, "S", "M", priority="URGENT"), "priority"),
    ("create_ticket with a non-text first name",
     lambda c: c.create_ticket(GOOD_EMAIL, "S", "M", first_name=42), "firstName"),
    ("add_reply to ticket zero", lambda c: c.add_reply(0, GOOD_EMAIL, "Hi"), "ticket number"),
    ("add_reply to a negative ticket", lambda c: c.add_reply(-5, GOOD_EMAIL, "Hi"), "ticket number"),
    ("add_reply with a blank message", lambda c: c.add_reply(12345678, GOOD_EMAIL, "\n\t"), "message"),
    ("add_reply with a time that is not a date",
     lambda c: c.add_reply(12345678, GOOD_EMAIL, "Hi", replied_on="yesterday"), "repliedOn"),
    ("update_ticket with nothing to change", lambda c: c.update_ticket(12345678), None),
    ("update_ticket with an unknown status", lambda c: c.update_ticket(12345678, status="DONE"), "status"),
    ("update_ticket with a blank subject", lambda c: c.update_ticket(12345678, subject=""), "subject"),
    ("update_ticket with a malformed e-mail",
     lambda c: c.update_ticket(12345678, email_address="nobody"), "emailAddress"),
    ("get_ticket with text for a number", lambda c: c.get_ticket("12a"), "ticket number"),
    ("get_ticket with True for a number", lambda c: c.get_ticket(True), "ticket number"),
    ("get_order with a float for a number", lambda c: c.get_order(1.5), "order number"),
    ("get_ticket beyond 2**63-1", lambda c: c.get_ticket(2**63), "ticket number"),
    ("add_reply to 20 digits", lambda c: c.add_reply(10**20, GOOD_EMAIL, "Hi"), "ticket number"),
    ("get_order with 19 digits beyond 2**63-1", lambda c: c.get_order("9999999999999999999"), "order number"),
    ("create_diagnostic without a result code",
     lambda c: c.create_diagnostic(12345678, result_code="", windows_upgrade_eligibility=True), "resultCode"),
    ("create_diagnostic without an explicit eligibility",
     lambda c: c.create_diagnostic(12345678, result_code="X", windows_upgrade_eligibility=None),
     "windowsUpgradeEligibility"),
    ("create_diagnostic with 'yes' for eligibility",
     lambda c: c.create_diagnostic(12345678, result_code="X", windows_upgrade_eligibility="yes"),
     "windowsUpgradeEligibility"),
    ("create_diagnostic with an empty file",
     lambda c: c.create_diagnostic(12345678, result_code="X", windows_upgrade_eligibility=True, document=b""),
     "document"),
]


@pytest.mark.parametrize(("call", "field"), [(c, f) for _, c, f in INVALID_CALLS],
                         ids=[name for name, _, _ in INVALID_CALLS])
def test_invalid_input_raises_a_validation_error_and_sends_nothing(client, sandbox, call, field):
    with pytest.raises(ValidationError) as caught:
        call(client)
    error = caught.value
    assert isinstance(error, ApiError) and isinstance(error, ValueError)
    assert error.status is None
    assert error.field == field
    assert error.message and error.message[0].isupper() and error.message.endswith(".")
    assert len(sandbox.recent) == 0


def test_a_number_given_as_digits_is_accepted(client):
    assert client.get_ticket("12345678").ticket_number == 12345678


def test_a_client_needs_an_http_address_and_both_keys():
    from gui.api import TogaClient

    with pytest.raises(ValidationError):
        TogaClient("ftp://example.com", "pub", "secret")
    with pytest.raises(ValidationError):
        TogaClient("https://example.com", "pub", "")


def test_the_largest_number_sqlite_holds_is_still_a_valid_number():
    from gui.api import validation

    assert validation.number(2**63 - 1, "ticket number") == 2**63 - 1
    assert validation.number("9223372036854775807", "order number") == 2**63 - 1
