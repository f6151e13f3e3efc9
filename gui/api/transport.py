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

import functools
import socket
import sys
import threading
import weakref
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from .errors import NetworkError

RequestException = requests.RequestException


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
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
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
    session.headers.update({"Accept": "application/json", "User-Agent": "TOGaDesk-Agent"})
    return session


def never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def network_error(method: str, exc: requests.RequestException) -> NetworkError:
    """The NetworkError, in words, for a request that got no answer."""
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
