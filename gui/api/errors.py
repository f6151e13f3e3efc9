"""One exception family for everything that can go wrong talking to the vendor API.

Every error carries ``status`` (the HTTP code, or None when no answer came back or the
problem was found before sending) and ``message`` (words a person can read: the server's
own ``error`` text when it gave one). Callers catch ``ApiError`` and show ``message``.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error raised by :mod:`gui.api`.

    ``maybe_applied`` is True when a POST or PUT may have reached the server and been
    carried out although no answer proves it either way (a connection lost after sending,
    a read timeout, 408, any 5xx, a 2xx whose body is not the API's answer): the caller
    must check with a GET before offering it again. A GET never is.
    """

    def __init__(self, message: str, status: int | None = None, *, maybe_applied: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.maybe_applied = maybe_applied

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class ValidationError(ApiError, ValueError):
    """Input was refused: locally before sending (status None) or by the server (400)."""

    def __init__(self, message: str, status: int | None = None, *, field: str | None = None):
        super().__init__(message, status)
        self.field = field


class AuthError(ApiError):
    """The server did not accept our keys or signature (401) or denied access (403)."""


class NotFoundError(ApiError):
    """The ticket, order or route does not exist (404)."""


class ConflictError(ApiError):
    """The record already exists (422)."""


class ServerError(ApiError):
    """The server failed or a gateway in between did (5xx, 408, other codes)."""


class NetworkError(ApiError):
    """No answer came back: connection refused, dropped, or timed out."""


class TlsError(NetworkError):
    """No secure connection could be set up (the certificate is not trusted, is for another name, has expired,
    or the handshake failed): nothing was sent, so ``maybe_applied`` is always False, and it is not retried."""


class ResponseError(ApiError):
    """An answer came back but it is not what the API documents (not JSON, wrong shape, too large)."""


class RedirectError(ResponseError):
    """The answer was a redirect (3xx). The vendor API has none, so none is followed: not the API's answer.

    ``location_host`` is the host it pointed to ('' when it gave none). ``maybe_applied`` is
    False except for a 303 to a POST or PUT: 303 See Other is, by HTTP's own definition, what
    a server sends *after* carrying a request out; the other 3xx codes say "not here, ask
    elsewhere" (a moved server, a proxy sending http to https, or an impostor), and whatever
    sent them did not carry the request out. The vendor API answers a write with 200/201.
    """

    def __init__(self, message: str, status: int | None = None, *, maybe_applied: bool = False,
                 location_host: str = ""):
        super().__init__(message, status, maybe_applied=maybe_applied)
        self.location_host = location_host


class CancelledError(ApiError):
    """The client was cancelled (the app is closing or switching server): nothing more is sent.

    ``maybe_applied`` is True only when a POST or PUT may already have reached the server
    before the cancel cut it off.
    """

    def __init__(self, message: str = "Cancelled: the app is closing or switching server.",
                 status: int | None = None, *, maybe_applied: bool = False):
        if maybe_applied and "may or may not" not in message:
            message += " The change may or may not have been saved."
        super().__init__(message, status, maybe_applied=maybe_applied)
