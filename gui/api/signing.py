"""HMAC-SHA256 request signing as both vendor documents describe it.

``Authorization: {publicKey}.{base64(HMAC-SHA256(secretKey, timestamp))}`` where the
timestamp is the ``Timestamp`` header, ISO 8601 with an explicit UTC offset.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


def signature(secret_key: str, timestamp: str) -> str:
    """Base64 of the raw HMAC-SHA256 of ``timestamp`` keyed with ``secret_key``."""
    digest = hmac.new(secret_key.encode("utf-8"), timestamp.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def format_timestamp(moment: datetime) -> str:
    """ISO 8601, seconds precision, explicit offset (``+00:00``, never ``Z``).

    A naive datetime is taken as the local time of this machine.
    """
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat(timespec="seconds")


def auth_headers(public_key: str, secret_key: str, now: datetime | None = None) -> dict[str, str]:
    """The three headers every request carries, signed for ``now`` (default: this instant)."""
    moment = now if now is not None else datetime.now(UTC).astimezone()
    timestamp = format_timestamp(moment)
    return {
        "Content-Type": "application/json",
        "Timestamp": timestamp,
        "Authorization": f"{public_key}.{signature(secret_key, timestamp)}",
    }


class HmacAuth:
    """Signs the final prepared request, so every retry is signed afresh.

    requests takes any callable as ``auth``; not subclassing ``requests.auth.AuthBase``
    keeps requests out of ``import gui.api``.

    ``clock`` returns the moment to sign for; the client passes one corrected by the
    server's clock offset once it has learned it.
    """

    def __init__(self, public_key: str, secret_key: str, clock: Callable[[], datetime] | None = None):
        self.public_key = public_key
        self._secret_key = secret_key
        self._clock = clock or (lambda: datetime.now().astimezone())

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(auth_headers(self.public_key, self._secret_key, self._clock()))
        return request

    def __repr__(self) -> str:
        return f"HmacAuth(public_key={self.public_key!r}, secret_key='***')"
