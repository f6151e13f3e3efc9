"""The HTTP layer under ``TogaClient``: requests and urllib3, with connections a cancel can cut.

Imported by the first ``TogaClient``, never by ``import gui.api``: requests and urllib3
cost about 60 ms of start-up before the first paint.

Closing a requests Session only closes idle pooled connections; a worker blocked in a
connect, TLS handshake, send or recv stays blocked until its timeout. So every connection
registers itself with the client's ``CancelSwitch`` before it connects, keeping a
duplicate of its socket: ``shutdown()`` of that duplicate, from any thread, wakes the
blocked call on the original at once. The original socket stays owned (and closed) by
the worker using it, so no file descriptor is closed under another thread's feet.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import sys
import threading
import time
import weakref
import zlib
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import allowed_gai_family
from urllib3.util.ssl_match_hostname import CertificateError as HostnameMismatch
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from .errors import NetworkError, TlsError

RequestException = requests.RequestException
_local = threading.local()  # .attempt: the Try this thread is making, so the pool can note its connection


class CancelSwitch:
    """One client's cancel flag and the live connections to cut when it is thrown. Thread-safe."""

    def __init__(self) -> None:
        self._flag = threading.Event()
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[_Cuttable] = weakref.WeakSet()

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleeps ``seconds`` unless cancelled first; True when cancelled."""
        return self._flag.wait(seconds)

    def cancel(self) -> None:
        """Sets the flag, then shuts down every registered socket; later connects are refused."""
        self._flag.set()
        with self._lock:
            controls = [conn._take_control() for conn in self._connections]
            self._connections.clear()
        for control in controls:
            if control is not None:
                _cut(control)

    def watch(self, conn: _Cuttable, sock: socket.socket) -> None:
        """Registers ``sock`` (before it connects) so that ``cancel()`` can shut it down."""
        with self._lock:
            if self.cancelled:  # checked under the lock: cancel() cannot miss this socket
                raise ConnectionAbortedError("the client was cancelled")
            old = conn._take_control()
            conn._control = sock.dup()
            self._connections.add(conn)
        if old is not None:
            old.close()

    def cut(self, conn: _Cuttable | None) -> None:
        """Shuts down ``conn``'s socket (if it has one) so that the call blocked on it wakes up; keeps it watched."""
        if conn is None:
            return
        with self._lock:
            control = conn._control
            if control is not None:
                with contextlib.suppress(OSError):  # never connected, or already gone
                    control.shutdown(socket.SHUT_RDWR)

    def unwatch(self, conn: _Cuttable) -> None:
        with self._lock:
            control = conn._take_control()
            self._connections.discard(conn)
        if control is not None:
            control.close()


def _cut(control: socket.socket) -> None:
    try:
        control.shutdown(socket.SHUT_RDWR)
    except OSError:  # never connected, or already gone: nothing is blocked on it
        pass
    finally:
        control.close()


class _Cuttable:
    """Mixin for urllib3 connections: the socket is watched by a CancelSwitch from connect to close."""

    _control: socket.socket | None = None

    def __init__(self, *args: Any, toga_switch: CancelSwitch, **kwargs: Any) -> None:
        self._switch = toga_switch
        super().__init__(*args, **kwargs)

    def _take_control(self) -> socket.socket | None:
        """The duplicate socket, handed over to the caller (who then closes it); call under the lock."""
        control, self._control = self._control, None
        return control

    def _new_conn(self) -> socket.socket:
        """urllib3's ``HTTPConnection._new_conn``, with the same error mapping, over ``_open``."""
        try:
            sock = self._open()
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        except TimeoutError as e:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from e
        except OSError as e:
            raise NewConnectionError(self, f"Failed to establish a new connection: {e}") from e
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def _open(self) -> socket.socket:
        """urllib3's ``create_connection``, except that each socket is watched before it connects."""
        host = self._dns_host.strip("[]")
        try:
            host.encode("idna")
        except UnicodeError:
            raise LocationParseError(f"'{host}', label empty or too long") from None
        error: OSError | None = None
        for family, kind, proto, _name, address in socket.getaddrinfo(
            host, self.port, allowed_gai_family(), socket.SOCK_STREAM
        ):
            sock = None
            try:
                sock = socket.socket(family, kind, proto)
                self._switch.watch(self, sock)
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(address)
                if self._switch.cancelled:  # cancelled just as the connect went through
                    raise ConnectionAbortedError("the client was cancelled")
                return sock
            except OSError as exc:
                error = exc
                self._switch.unwatch(self)
                if sock is not None:
                    sock.close()
                if self._switch.cancelled:
                    break
        if error is None:
            raise OSError("getaddrinfo returns an empty list")
        raise error

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._switch.unwatch(self)


class _HTTPConnection(_Cuttable, HTTPConnection):
    pass


class _HTTPSConnection(_Cuttable, HTTPSConnection):
    def connect(self) -> None:
        """The TCP connect and the TLS handshake; a TLS failure is marked as one that happened before sending."""
        try:
            super().connect()
        except (ssl.SSLError, ssl.CertificateError, HostnameMismatch) as exc:
            exc.toga_handshake = True  # type: ignore[attr-defined]  # read by tls_failure()
            raise


class _Tracked:
    """Mixin for pools: the connection a call gets is noted on its ``Try``, so the watchdog can cut it."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        current = getattr(_local, "attempt", None)
        if current is not None:
            current.conn = conn
        return conn


class _HTTPPool(_Tracked, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(_Tracked, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _track(manager: PoolManager, switch: CancelSwitch) -> None:
    """Makes ``manager`` build pools of cuttable connections (the pool hands ``toga_switch`` to each)."""
    manager.pool_classes_by_scheme = {  # type: ignore[assignment]
        "http": functools.partial(_HTTPPool, toga_switch=switch),
        "https": functools.partial(_HTTPSPool, toga_switch=switch),
    }


class _Adapter(HTTPAdapter):
    """requests' adapter whose direct and HTTP-proxy connections are all cuttable (SOCKS ones are not)."""

    def __init__(self, switch: CancelSwitch, **kwargs: Any) -> None:
        self._switch = switch  # before super().__init__, which builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _track(self.poolmanager, self._switch)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        known = proxy in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not known and not proxy.lower().startswith("socks"):
            _track(manager, self._switch)
        return manager


class _CookieRefusal(requests.cookies.cookielib.DefaultCookiePolicy):
    """The API uses no cookies; refusing them keeps the shared Session free of mutation."""

    def set_ok(self, cookie, request):
        return False


def new_session(switch: CancelSwitch, pool_size: int) -> requests.Session:
    """The client's Session, configured once here and never mutated afterwards (shared by threads)."""
    session = requests.Session()
    adapter = _Adapter(switch, pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.cookies.set_policy(_CookieRefusal())
    # Only the encodings read_body() can decompress within its cap (requests would add br and zstd if installed).
    session.headers.update({"Accept": "application/json", "Accept-Encoding": "gzip, deflate",
                            "User-Agent": "TOGaDesk-Agent"})
    return session


def never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (no connection, or no secure one, was made)."""
    if isinstance(exc, requests.ConnectTimeout) or tls_failure(exc) is not None:
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (requests wraps urllib3, which wraps ssl), each once."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        inner = [getattr(error, "reason", None), error.__cause__, error.__context__, *error.args]
        pending.extend(e for e in inner if isinstance(e, BaseException))


def tls_failure(exc: BaseException) -> BaseException | None:
    """The ssl error of a TLS handshake that failed (nothing was sent), or None."""
    for error in _causes(exc):
        if getattr(error, "toga_handshake", False):
            return error
    return None


_UNTRUSTED = {18, 19, 20, 21, 27, 28, 2}  # self-signed, unknown issuer, not trusted for this purpose, ...
_EXPIRED = {9, 10}  # not yet valid, expired
_WRONG_NAME = {62, 64}  # host name or IP address mismatch
CHECK_ADDRESS = "Check the server address in Settings."


def tls_error(error: BaseException) -> TlsError:
    """Words an agent can act on for a failed TLS handshake; nothing was sent, so nothing was saved."""
    code = getattr(error, "verify_code", None)
    detail = str(getattr(error, "verify_message", "") or getattr(error, "reason", "") or "").strip()
    if not detail or len(detail) > 200:
        detail = type(error).__name__
    if code in _EXPIRED:
        text = (f"The server's certificate is out of date ({detail}). Check this computer's date and time; "
                "if they are right, tell the server's administrator.")
    elif code in _WRONG_NAME or isinstance(error, HostnameMismatch):
        text = f"The server's certificate is for another name ({detail}). {CHECK_ADDRESS}"
    elif code in _UNTRUSTED or isinstance(error, ssl.SSLCertVerificationError):
        text = (f"The server's certificate is not trusted on this computer ({detail}). If your company uses its "
                "own certificate authority, ask IT to install it on this computer; otherwise check the server "
                "address in Settings.")
    else:
        text = (f"A secure connection to the server could not be set up ({detail}). {CHECK_ADDRESS} "
                "(http:// or https://), or ask IT whether something on the network intercepts secure connections.")
    return TlsError(text + " Nothing was sent.")


def network_error(method: str, exc: requests.RequestException) -> NetworkError:
    """The NetworkError, in words, for a request that got no answer."""
    handshake = tls_failure(exc)
    if handshake is not None:
        return tls_error(handshake)
    if never_sent(exc):
        return NetworkError("Could not connect to the server. Check the network and the server address.")
    maybe_applied = method not in ("GET",)
    if isinstance(exc, requests.Timeout):
        text = "The server did not answer in time."
    else:
        text = "The connection to the server was lost before it answered."
    if maybe_applied:
        text += " The change may or may not have been saved."
    return NetworkError(text, maybe_applied=maybe_applied)


# ------------------------------------------------------------------ one deadline per call


class Try:
    """One try of a call: the connection it uses and whether the watchdog cut it at the call's deadline."""

    __slots__ = ("conn", "deadline", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline  # time.monotonic() value
        self.conn: Any = None
        self.expired = False


class Watchdog:
    """Cuts the connection of any try still running at its call's deadline, whatever the server does.

    The read timeout bounds each socket read, not a call: a server trickling a byte every
    few seconds, in the headers or the body, would hold a call for ever. One thread per
    client (started by the first try, gone after ``IDLE`` seconds without tries) sleeps
    until the earliest deadline and shuts down the socket of every try past it; the
    worker's read then fails at once and the client reports the deadline.
    """

    IDLE = 5.0

    def __init__(self, switch: CancelSwitch) -> None:
        self._switch = switch
        self._cond = threading.Condition()
        self._armed: set[Try] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextlib.contextmanager
    def watch(self, deadline: float) -> Iterator[Try]:
        attempt = Try(deadline)
        _local.attempt = attempt
        with self._cond:
            self._armed.add(attempt)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="toga-client-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        try:
            yield attempt
        finally:
            _local.attempt = None
            with self._cond:
                self._armed.discard(attempt)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for attempt in [a for a in self._armed if a.deadline <= now]:
                    self._armed.discard(attempt)
                    attempt.expired = True
                    self._switch.cut(attempt.conn)
                if self._armed:
                    self._cond.wait(min(a.deadline for a in self._armed) - now)
                elif not self._cond.wait(self.IDLE) and not self._armed:
                    break
            self._thread = None


# ------------------------------------------------------------------ bounded answers


class BodyProblem(Exception):
    """The answer's body was not read: ``words`` say why (too large, or compressed in a way we cannot read)."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


READ_SIZE = 64 * 1024


def _decoder(encoding: str) -> Any:
    """A zlib decompressor for the answer's Content-Encoding; None for none; BodyProblem for others."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send it: auto-detect
        return _Deflate()
    raise BodyProblem(f"compressed as '{encoding[:40]}', which the desk did not ask for")


class _Deflate:
    """'deflate' answers: zlib-wrapped per the RFC, or raw deflate as some servers send them."""

    def __init__(self) -> None:
        self._inner = zlib.decompressobj(zlib.MAX_WBITS)
        self._started = False

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if not self._started:
            self._started = True
            try:
                return self._inner.decompress(data, max_length)
            except zlib.error:
                self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._inner.decompress(data, max_length)

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inner.unconsumed_tail


def read_body(response: requests.Response, limit: int) -> bytes:
    """The whole body of a streamed answer, at most ``limit`` bytes off the wire and after decompression.

    Decompression is done here, ``max_length`` at a time, so a small compressed body that
    inflates to gigabytes stops at ``limit`` + 1 bytes of output instead of filling memory.
    Raises ``BodyProblem`` when the answer is too large or its encoding unknown, and
    requests' ConnectionError or ReadTimeout when the connection fails in the middle.
    """
    too_large = f"larger than {limit // 2**20} MB" if limit >= 2**20 else f"larger than {limit:,} bytes"
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isascii() and declared.isdigit() and len(declared) < 20 and int(declared) > limit:
        raise BodyProblem(too_large)
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    raw = response.raw
    parts: list[bytes] = []
    wire = size = 0
    try:
        while True:
            chunk = raw.read(READ_SIZE, decode_content=False)
            if not chunk:
                break
            wire += len(chunk)
            if wire > limit:
                raise BodyProblem(too_large)
            while chunk:
                if decoder is None:
                    piece, chunk = chunk, b""
                else:
                    piece = decoder.decompress(chunk, limit - size + 1)
                    chunk = decoder.unconsumed_tail
                size += len(piece)
                if size > limit:
                    raise BodyProblem(too_large)
                parts.append(piece)
                if decoder is not None and not piece:
                    break  # the decoder wants more input (or the stream ended)
    except zlib.error:
        raise BodyProblem("not correctly compressed") from None
    except ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc) from None
    except (HTTPError, OSError) as exc:  # ProtocolError (connection broken, short body), SSLError
        raise requests.ConnectionError(exc) from None
    raw.release_conn()  # read to the end: the connection can serve the next call
    return b"".join(parts)
