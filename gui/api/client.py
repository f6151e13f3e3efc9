"""``TogaClient``: the one place that talks HTTP to the vendor.

It owns signing, the connection pool, timeouts, retries and the mapping of every
failure to an ``ApiError``, so no caller repeats them. It is safe to share between
worker threads: the Session is fully configured here and never mutated afterwards.

``cancel()`` (any thread) ends every call at once, so quitting or switching server never
waits for a silent server.

Limits it enforces against a hostile or broken server (see README, "Limits the client enforces"):

- One deadline per call (``deadline``, 60 s by default) for all its tries, backoff pauses
  and reads together: a watchdog cuts the connection when it passes, so a server that
  trickles a byte at a time holds a call no longer than that. The per-try ``timeout``
  still bounds each connect and each read.
- Answers are read streamed, at most ``max_answer_bytes`` (16 MiB by default) off the wire
  and again after decompression, which is done here a piece at a time: a gzip bomb stops
  at the cap instead of filling memory. The largest real answers are tickets with long
  threads, well under 1 MB; 16 MiB leaves room for a pasted log of several MB while
  keeping the worst case (the bytes plus the parsed JSON) near 100 MB of memory.
- No redirect is followed (the vendor API has none): a 3xx is a ``RedirectError`` naming
  the host it pointed to, not retried.
- A TLS handshake that fails (certificate not trusted, for another name, expired) is a
  ``TlsError``: nothing was sent, so it is not retried and never "may have been saved".

requests and urllib3 live in ``transport``, imported by the first client rather than by
``import gui.api``, to keep them off the start-up path.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import validation as v
from .errors import (
    ApiError,
    AuthError,
    CancelledError,
    ConflictError,
    NetworkError,
    NotFoundError,
    RedirectError,
    ResponseError,
    ServerError,
    TlsError,
    ValidationError,
)
from .models import Order, Priority, Status, Ticket
from .signing import HmacAuth

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)
DEFAULT_DEADLINE = 60.0  # seconds for one call, all its tries together
MAX_ANSWER_BYTES = 16 * 2**20  # off the wire and after decompression; see the module docstring
RETRY_STATUSES = frozenset({408, 502, 504})
# Answers to a POST or PUT that do not prove it was refused: the server or a gateway may have carried it out
# first (a 500 raised after the commit, a 504 from a gateway that gave up waiting). Any other 5xx too.
MAYBE_APPLIED_STATUSES = frozenset({408, 500, 502, 503, 504})
MAYBE_SAVED = "The change may or may not have been saved."
IDEMPOTENT_METHODS = frozenset({"GET", "PUT"})
CLOCK_SKEW_LIMIT = timedelta(seconds=60)

_STATUS_WORDS = {
    400: "The server refused the request as invalid",
    401: "The server did not accept the API keys or the request signature",
    403: "Access to this record was denied",
    404: "The record could not be found",
    405: "The server does not support this action",
    408: "The request timed out at the server and may or may not have completed",
    422: "The record already exists",
    500: "The server had an internal error",
    502: "A temporary network problem at the server (bad gateway)",
    503: "The server is unavailable",
    504: "The server's gateway timed out",
}


class TogaClient:
    """A signed client for the TOGaDesk ticketing and TOGa order APIs.

    ``timeout`` is seconds for both connect and read, or a ``(connect, read)`` tuple, per try;
    ``deadline`` is seconds for a whole call, all tries together; ``max_answer_bytes``
    caps an answer's size on the wire and after decompression. Once ``cancel()`` or
    ``close()`` is called the client stays cancelled: every call, running or new, raises
    ``CancelledError``; a new environment makes a new client.
    """

    def __init__(
        self,
        base_url: str,
        public_key: str,
        secret_key: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_tries: int = 3,
        backoff: float = 0.3,
        pool_size: int = 16,
        deadline: float = DEFAULT_DEADLINE,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ):
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValidationError("The server address must start with http:// or https://.", field="base_url")
        v.required_text(public_key, "public_key", "public API key")
        v.required_text(secret_key, "secret_key", "secret API key")
        self.base_url = base_url.rstrip("/")
        self.public_key = public_key
        self.timeout = timeout
        self.max_tries = max(1, max_tries)
        self.backoff = backoff
        self.deadline = deadline
        self.max_answer_bytes = max_answer_bytes
        self._clock_offset = timedelta(0)
        self._auth = HmacAuth(public_key, secret_key, clock=self._now)
        from . import transport  # requests + urllib3: paid by the first client, not by start-up

        self._switch = transport.CancelSwitch()
        self._session = transport.new_session(self._switch, pool_size)
        self._watchdog = transport.Watchdog(self._switch)

    def __repr__(self) -> str:
        return f"TogaClient(base_url={self.base_url!r}, public_key={self.public_key!r})"

    def cancel(self) -> None:
        """Ends every call of this client for good; safe from any thread, returns at once.

        Calls blocked in a connect, send or receive are cut off within milliseconds, a
        backoff pause ends, and later calls raise ``CancelledError`` without sending, so no
        worker outlives the window or the server it was talking to.
        """
        if not self._switch.cancelled:
            log.info("Cancelling the client for %s", self.base_url)
        self._switch.cancel()

    def wait(self, seconds: float) -> bool:
        """Sleeps ``seconds`` unless the client is cancelled first (then at once); True when cancelled."""
        return self._switch.wait(seconds)

    @property
    def cancelled(self) -> bool:
        """True once ``cancel()`` or ``close()`` has been called: this client sends nothing more."""
        return self._switch.cancelled

    def close(self) -> None:
        """Cancels, then closes the pooled connections. Safe to call more than once."""
        self.cancel()
        self._watchdog.close()
        self._session.close()

    def __enter__(self) -> TogaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def clock_offset(self) -> timedelta:
        """How far the server's clock is ahead of ours, learned from a rejected request."""
        return self._clock_offset

    def _now(self) -> datetime:
        return datetime.now().astimezone() + self._clock_offset

    # ----------------------------------------------------------------- tickets

    def create_ticket(
        self,
        email_address: str,
        subject: str,
        message: str,
        *,
        priority: Priority | str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone_number: str | None = None,
    ) -> int:
        """Files a ticket and returns its number. Never repeated once it may have arrived."""
        body = v.without_none({
            "emailAddress": v.email(email_address),
            "subject": v.required_text(subject, "subject", "subject"),
            "message": v.required_text(message, "message", "message"),
            "priority": v.enum_value(Priority, priority, "priority", "priority"),
            "firstName": v.optional_text(first_name, "firstName", "first name"),
            "lastName": v.optional_text(last_name, "lastName", "last name"),
            "phoneNumber": v.optional_text(phone_number, "phoneNumber", "phone number"),
        })
        return self._number(self._request("POST", "/ticket", body), "ticketNumber")

    def add_reply(
        self,
        ticket_number: int,
        email_address: str,
        message: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        replied_on: datetime | str | None = None,
    ) -> int:
        """Adds a reply; the server stamps it with "now" when ``replied_on`` is None."""
        number = v.number(ticket_number, "ticket number")
        body = v.without_none({
            "emailAddress": v.email(email_address),
            "message": v.required_text(message, "message", "message"),
            "firstName": v.optional_text(first_name, "firstName", "first name"),
            "lastName": v.optional_text(last_name, "lastName", "last name"),
            "repliedOn": v.moment(replied_on, "repliedOn"),
        })
        return self._number(self._request("POST", f"/ticket/{number}/reply", body), "ticketNumber")

    def update_ticket(
        self,
        ticket_number: int,
        *,
        priority: Priority | str | None = None,
        status: Status | str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email_address: str | None = None,
        phone_number: str | None = None,
        subject: str | None = None,
        message: str | None = None,
    ) -> int:
        """Changes only the fields given (at least one)."""
        number = v.number(ticket_number, "ticket number")
        body = v.without_none({
            "priority": v.enum_value(Priority, priority, "priority", "priority"),
            "status": v.enum_value(Status, status, "status", "status"),
            "firstName": v.optional_text(first_name, "firstName", "first name"),
            "lastName": v.optional_text(last_name, "lastName", "last name"),
            "emailAddress": v.email(email_address, required=False),
            "phoneNumber": v.optional_text(phone_number, "phoneNumber", "phone number"),
            "subject": None if subject is None else v.required_text(subject, "subject", "subject"),
            "message": None if message is None else v.required_text(message, "message", "message"),
        })
        if not body:
            raise ValidationError("Nothing to change: give at least one field to update.")
        return self._number(self._request("PUT", f"/ticket/{number}", body), "ticketNumber")

    def get_ticket(self, ticket_number: int) -> Ticket:
        number = v.number(ticket_number, "ticket number")
        data = self._request("GET", f"/ticket/{number}")
        ticket = Ticket.from_json(data.get("ticket"))
        if ticket.ticket_number != number:
            raise ResponseError(f"Asked for ticket {number}, the server sent ticket {ticket.ticket_number}.")
        return ticket

    # ------------------------------------------------------------------ orders

    def get_order(self, order_number: int) -> Order:
        number = v.number(order_number, "order number")
        order = Order.from_json(self._request("GET", f"/order/{number}"))
        if order.order_number != number:
            raise ResponseError(f"Asked for order {number}, the server sent order {order.order_number}.")
        return order

    def create_diagnostic(
        self,
        order_number: int,
        *,
        result_code: str,
        windows_upgrade_eligibility: bool,
        document: str | bytes | None = None,
        system_information: str | dict | None = None,
    ) -> int:
        """Attaches a diagnostic to an order. ``document`` is a URL, Base64 text, or raw bytes."""
        number = v.number(order_number, "order number")
        body = v.without_none({
            "resultCode": v.required_text(result_code, "resultCode", "result code"),
            "windowsUpgradeEligibility": v.boolean(
                windows_upgrade_eligibility, "windowsUpgradeEligibility", "Windows upgrade eligibility"
            ),
            "document": v.document(document),
            "systemInformation": v.system_information(system_information),
        })
        return self._number(self._request("POST", f"/order/{number}/diagnostic", body), "orderNumber")

    # --------------------------------------------------------------- transport

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Sends one call with the retry rules and returns the JSON object of a successful answer."""
        from . import transport  # imported by __init__ already: a dictionary look-up

        url = self.base_url + path
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        clock_fixed = False
        reached = False  # an earlier try may have reached the server (a PUT answered 502, say)
        tries = 0
        deadline = time.monotonic() + self.deadline
        while True:
            if self._switch.cancelled:
                raise _cancelled(method, reached)
            tries += 1
            started = time.monotonic()
            with self._watchdog.watch(deadline) as attempt:
                try:
                    response = self._session.request(
                        method, url, data=data, auth=self._auth, timeout=self._try_timeout(deadline - started),
                        allow_redirects=False, stream=True,
                    )
                    try:
                        payload, problem = _payload(transport.read_body(response, self.max_answer_bytes)), ""
                    except transport.BodyProblem as unread:
                        payload, problem = None, unread.words
                    finally:
                        response.close()  # a no-op once read to the end; else the connection is not reused
                except transport.RequestException as exc:
                    reached = reached or not transport.never_sent(exc)
                    elapsed = (time.monotonic() - started) * 1000
                    if self._switch.cancelled:
                        log.info("%s %s cancelled after %.0f ms", method, path, elapsed)
                        raise _cancelled(method, reached) from None
                    if attempt.expired:
                        raise self._late(method, path, reached) from None
                    error = transport.network_error(method, exc)
                    log.info("%s %s failed after %.0f ms: %s", method, path, elapsed, error)
                    retry = method in IDEMPOTENT_METHODS or not error.maybe_applied
                    if tries < self.max_tries and retry and not isinstance(error, TlsError) \
                            and self._pause(tries, deadline):
                        continue
                    raise error from None
                if attempt.expired:  # cut at the deadline just as the body ended: it may be short
                    raise self._late(method, path, True)
            log.info("%s %s -> %s in %.0f ms", method, path, response.status_code, (time.monotonic() - started) * 1000)
            if response.status_code == 401 and not clock_fixed and self._learn_clock(response):
                clock_fixed = True
                continue
            if response.status_code in RETRY_STATUSES and method in IDEMPOTENT_METHODS and tries < self.max_tries \
                    and self._pause(tries, deadline):
                reached = True
                continue
            return _result(method, response, payload, problem)

    def _try_timeout(self, remaining: float) -> float | tuple[float, float]:
        """The per-try timeouts, none longer than what is left of the call's deadline."""
        remaining = max(remaining, 0.001)
        if isinstance(self.timeout, tuple):
            return (min(self.timeout[0], remaining), min(self.timeout[1], remaining))
        return min(self.timeout, remaining)

    def _late(self, method: str, path: str, reached: bool) -> NetworkError:
        log.info("%s %s stopped at its %.0f s deadline", method, path, self.deadline)
        maybe_applied = reached and method != "GET"
        text = f"The server did not finish answering within {self.deadline:g} seconds, so the desk stopped waiting."
        if maybe_applied:
            text += " " + MAYBE_SAVED
        return NetworkError(text, maybe_applied=maybe_applied)

    def _pause(self, tries: int, deadline: float) -> bool:
        """The backoff before the next try; False (no pause) when it would end past the deadline.

        A cancel ends the pause at once (the loop then raises).
        """
        pause = self.backoff * (2 ** (tries - 1))
        if time.monotonic() + pause >= deadline:
            return False
        self._switch.wait(pause)
        return True

    def _learn_clock(self, response: requests.Response) -> bool:
        """After a 401, adopt the server's clock if it is far from ours; True to re-sign and retry."""
        from email.utils import parsedate_to_datetime  # ~9 ms at import; needed only after a 401

        try:
            server_now = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            return False
        if server_now is None or server_now.tzinfo is None:
            return False
        offset = server_now - datetime.now().astimezone()
        if abs(offset) <= CLOCK_SKEW_LIMIT:
            return False
        log.warning("Server clock differs from ours by %.0f s; signing with the server's time", offset.total_seconds())
        self._clock_offset = offset
        return True

    @staticmethod
    def _number(data: dict[str, Any], key: str) -> int:
        """The record number in the answer to a POST or PUT, which said success: it was carried out, or may have."""
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResponseError(f"The server did not return the {key} it should have. {MAYBE_SAVED}",
                                maybe_applied=True)
        return value


def _cancelled(method: str, reached: bool) -> CancelledError:
    """A GET changes nothing; a POST or PUT that may have reached the server may have been applied."""
    return CancelledError(maybe_applied=reached and method != "GET")


_MARKUP = re.compile(r"<\s*/?\s*(html|head|body|h[1-6]|div|p|br|title|pre|center)\b", re.IGNORECASE)
MAX_SERVER_TEXT = 500


def _readable(error: Any) -> str:
    """The server's ``error`` text if it says something in words; '' for markup, blanks or punctuation."""
    if not isinstance(error, str):
        return ""
    text = error.strip()
    if not any(ch.isalnum() for ch in text) or _MARKUP.search(text):
        return ""
    return text if len(text) <= MAX_SERVER_TEXT else text[:MAX_SERVER_TEXT].rstrip() + "…"


def _payload(body: bytes) -> Any:
    """The JSON in a body (bytes in UTF-8, -16 or -32), or None when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not text, or nested deeper than the parser goes
        return None


def _redirect(method: str, status: int, location: str) -> RedirectError:
    """A 3xx in words naming where it pointed; see ``RedirectError`` for what it says about a write."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(location.strip()).hostname or ""
    except ValueError:
        host = ""
    host = "".join(ch for ch in host if ch.isprintable())[:100]
    where = f"to {host}" if host else ("to another address on the same server" if location.strip() else "elsewhere")
    message = (f"The server redirected the request {where} (HTTP {status}). The vendor API never redirects, so "
               f"the desk does not follow it. {transport_hint()}")
    maybe_applied = status == 303 and method != "GET"
    if maybe_applied:
        message += " " + MAYBE_SAVED
    return RedirectError(message, status, maybe_applied=maybe_applied, location_host=host)


def transport_hint() -> str:
    return "Check the server address in Settings."


def _result(method: str, response: requests.Response, payload: Any, problem: str = "") -> dict[str, Any]:
    """The JSON object of a successful answer, or the right ApiError with readable words.

    ``problem`` says why the body was not read (too large, badly compressed); ``payload`` is then None.
    """
    status = response.status_code
    server_text = _readable(payload.get("error")) if isinstance(payload, dict) else ""
    writes = method != "GET"
    if 300 <= status < 400:
        raise _redirect(method, status, response.headers.get("Location", ""))
    if 200 <= status < 300:
        if problem:
            raise _unreadable(f"The server's answer could not be read (HTTP {status}): it is {problem}.", status,
                              writes)
        if not isinstance(payload, dict):
            kind = response.headers.get("Content-Type", "unknown type") or "unknown type"
            kind = kind.split(";")[0]
            shape = "not JSON" if payload is None else "not a JSON object"
            raise _unreadable(f"The server's answer could not be read (HTTP {status}, {kind}, {shape}).", status,
                              writes)
        if payload.get("success") is False:
            raise ServerError(server_text or f"The server reported a failure (HTTP {status}).", status)
        if writes and "success" not in payload:  # not the API's answer (a proxy's page, say): no proof either way
            raise _unreadable(f"The server's answer could not be read (HTTP {status}, no success field).", status,
                              writes)
        return payload
    words = (server_text or _STATUS_WORDS.get(status, "The server answered with an error")).rstrip(".")
    message = f"{words} (HTTP {status})."
    if status == 400:
        raise ValidationError(message, status)
    if status in (401, 403):
        raise AuthError(message, status)
    if status == 404:
        raise NotFoundError(message, status)
    if status == 422:
        raise ConflictError(message, status)
    maybe_applied = writes and (status in MAYBE_APPLIED_STATUSES or 500 <= status < 600)
    if maybe_applied and "may or may not" not in message:
        message += " " + MAYBE_SAVED
    raise ServerError(message, status, maybe_applied=maybe_applied)


def _unreadable(message: str, status: int, writes: bool) -> ResponseError:
    """A 2xx whose body is not the API's answer: a POST or PUT behind it may or may not have been carried out."""
    if writes:
        message += " " + MAYBE_SAVED
    return ResponseError(message, status, maybe_applied=writes)


__all__ = ["ApiError", "TogaClient"]
