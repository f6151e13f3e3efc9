"""Build strictly: everything we send is checked here before a byte leaves.

Each function returns the value in the form the API wants or raises
``ValidationError`` naming the field in words an agent understands.
"""

from __future__ import annotations

import base64
import enum
import json
import re
from datetime import datetime
from typing import Any, TypeVar

from .errors import ValidationError
from .models import MAX_NUMBER, parse_datetime, record_number
from .signing import format_timestamp

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

E = TypeVar("E", bound=enum.Enum)


def number(value: Any, label: str) -> int:
    """A ticket or order number: a whole number from 1 to 2**63 - 1 (digits in a string are accepted)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not record_number(value):
        raise ValidationError(f"The {label} must be a positive whole number, at most {MAX_NUMBER}.", field=label)
    return value


def required_text(value: Any, field: str, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"The {label} is required.", field=field)
    return value


def optional_text(value: Any, field: str, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"The {label} must be text.", field=field)
    return value


def email(value: Any, field: str = "emailAddress", *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    text = required_text(value, field, "e-mail address").strip()
    if not EMAIL_PATTERN.match(text):
        raise ValidationError(
            f"The e-mail address '{text}' is not valid; it should look like name@example.com.", field=field
        )
    return text


def enum_value(enum_type: type[E], value: Any, field: str, label: str) -> str | None:
    """The wire string for an enum member or its string value; None stays None."""
    if value is None:
        return None
    if isinstance(value, enum_type):
        return str(value.value)
    allowed = [str(m.value) for m in enum_type]
    if isinstance(value, str) and value in allowed:
        return value
    raise ValidationError(f"The {label} must be one of {', '.join(allowed)}.", field=field)


def moment(value: Any, field: str) -> str | None:
    """A date-time as ISO 8601 with offset; a naive datetime is this machine's local time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        try:
            return format_timestamp(value)
        except (OverflowError, ValueError):  # a naive moment at the very end of year 9999 or start of year 1
            raise ValidationError("The reply time is out of range.", field=field) from None
    if isinstance(value, str) and parse_datetime(value) is not None:
        return value.strip()
    raise ValidationError("The reply time must be a date and time in ISO 8601 form.", field=field)


def boolean(value: Any, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"The {label} must be chosen: yes or no.", field=field)
    return value


def document(value: Any) -> str | None:
    """A URL or Base64 text as given; raw bytes (a file's content) are Base64-encoded."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        if not len(value):
            raise ValidationError("The document file is empty.", field="document")
        return base64.b64encode(bytes(value)).decode("ascii")
    return required_text(value, "document", "document")


def system_information(value: Any) -> str | None:
    """Text as given; a dict or list is sent as its JSON text, as the spec's sample shows."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=1, ensure_ascii=False)
    return required_text(value, "systemInformation", "system information")


def without_none(fields: dict[str, Any]) -> dict[str, Any]:
    """Optional fields we were not given are omitted, never sent as null."""
    return {key: value for key, value in fields.items() if value is not None}
