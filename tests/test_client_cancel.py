"""``TogaClient.cancel()``: a call blocked on a silent server, in a backoff pause or not yet made ends at once.

Real sockets on loopback, no mocks: the servers here are plain socket listeners that accept
and then stay silent (or answer 502), the way a hung server or gateway does.
"""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, ApiError, CancelledError, TogaClient

PROMPT = 0.5  # seconds a cancelled call may take to give up
ROOT = Path(__file__).resolve().parent.parent
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class SilentServer:
    """Accepts every connection and reads it; never answers unless ``answer`` is given (then once per request)."""

    def __init__(self, answer: bytes | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer = answer
        self.accepted = 0
        self.heard = threading.Event()  # some bytes of a request (or a TLS hello) arrived
        self.answered = threading.Event()
        self._open: dict[socket.socket, bytes] = {}
        self._wake, self._waker = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="test-silent-server", daemon=True)
        self._thread.start()

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.listener, self._wake, *self._open], [], [], 10)
            if not ready or self._wake in ready:
                return
            for sock in ready:
                if sock is self.listener:
                    conn, _ = self.listener.accept()
                    self.accepted += 1
                    self._open[conn] = b""
                    continue
                data = sock.recv(65536)
                if not data:
                    del self._open[sock]
                    sock.close()
                    continue
                self.heard.set()
                self._open[sock] += data
                if self.answer is not None and b"\r\n\r\n" in self._open[sock]:
                    sock.sendall(self.answer)
                    del self._open[sock]
                    sock.close()
                    self.answered.set()

    def close(self) -> None:
        self._waker.send(b"x")
        self._thread.join(5)
        assert not self._thread.is_alive()
        for sock in (*self._open, self.listener, self._wake, self._waker):
            sock.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Worker(threading.Thread):
    """Runs one client call, the way a worker thread of the app does, and keeps its outcome."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(name="test-client-worker", daemon=True)
        self.call = call
        self.error: BaseException | None = None
        self.ended_at = 0.0
        self.start()

    def run(self) -> None:
        try:
            self.call()
        except BaseException as error:  # the test inspects it
            self.error = error
        finally:
            self.ended_at = time.monotonic()


def new_client(url: str, **options: Any) -> TogaClient:
    """The app's defaults (connect 5 s, read 30 s, 3 tries) unless a test says otherwise."""
    return TogaClient(url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, **options)


def cancel_and_wait(api: TogaClient, worker: Worker) -> float:
    """Cancels from this (the 'UI') thread; returns how long the worker's call took to end."""
    cancelled_at = time.monotonic()
    api.cancel()
    worker.join(PROMPT)
    assert not worker.is_alive(), "the call was still blocked after the cancel"
    return worker.ended_at - cancelled_at


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


def test_cancel_cuts_off_a_get_waiting_on_a_server_that_never_answers(silent):
    with new_client(silent.url()) as api:
        worker = Worker(lambda: api.get_ticket(12345678))
        assert silent.heard.wait(5)
        assert cancel_and_wait(api, worker) < PROMPT
    assert isinstance(worker.error, CancelledError)
    assert worker.error.maybe_applied is False  # a GET changes nothing
    assert worker.error.status is None
    assert "Cancelled" in worker.error.message
    assert silent.accepted == 1  # not retried after the cancel


def test_a_cancelled_post_that_reached_the_server_may_have_been_applied(silent):
    with new_client(silent.url()) as api:
        worker = Worker(lambda: api.add_reply(12345678, "agent@example.com", "Still there?"))
        assert silent.heard.wait(5)
        assert cancel_and_wait(api, worker) < PROMPT
    assert isinstance(worker.error, CancelledError)
    assert worker.error.maybe_applied is True
    assert "may or may not have been saved" in worker.error.message
    assert silent.accepted == 1  # a POST is never repeated


def test_cancel_cuts_off_a_tls_handshake_the_server_never_answers(silent):
    with new_client(silent.url("https")) as api:
        worker = Worker(lambda: api.get_ticket(12345678))
        assert silent.heard.wait(5)  # the ClientHello arrived; no ServerHello will
        assert cancel_and_wait(api, worker) < PROMPT
    assert isinstance(worker.error, CancelledError)


def test_cancel_cuts_off_a_connect_that_gets_no_reply_and_nothing_was_sent():
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        address = listener.getsockname()
        with socket.create_connection(address, timeout=2), socket.socket() as probe:
            probe.settimeout(0.2)  # the backlog is now full: Linux drops further SYNs, connects hang
            try:
                probe.connect(address)
            except TimeoutError:
                pass
            else:
                pytest.skip("this system answers connects beyond the backlog")
            with new_client(f"http://127.0.0.1:{address[1]}") as api:
                worker = Worker(lambda: api.create_ticket("jane@example.com", "Printer", "On fire"))
                worker.join(0.3)
                assert worker.is_alive(), "the connect should hang on a full backlog"
                assert cancel_and_wait(api, worker) < PROMPT
    assert isinstance(worker.error, CancelledError)
    assert worker.error.maybe_applied is False  # cut off before connecting: the POST never left


@pytest.mark.parametrize(("method", "maybe_applied"), [("GET", False), ("PUT", True)])
def test_cancel_ends_the_backoff_pause_between_tries(method, maybe_applied):
    with SilentServer(answer=BAD_GATEWAY) as gateway, new_client(gateway.url(), backoff=5) as api:
        if method == "GET":
            worker = Worker(lambda: api.get_ticket(12345678))
        else:
            worker = Worker(lambda: api.update_ticket(12345678, priority="LOW"))
        assert gateway.answered.wait(5)  # the first try got its 502; the next one is 5 s away
        assert cancel_and_wait(api, worker) < PROMPT
        assert gateway.accepted == 1
    assert isinstance(worker.error, CancelledError)
    assert worker.error.maybe_applied is maybe_applied  # the PUT that got a 502 may have landed


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_after_cancel_a_call_raises_at_once_without_connecting(method):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        api = new_client(f"http://127.0.0.1:{listener.getsockname()[1]}")
        api.cancel()
        assert api.cancelled
        started = time.monotonic()
        with pytest.raises(CancelledError) as caught:
            if method == "GET":
                api.get_ticket(12345678)
            else:
                api.create_ticket("jane@example.com", "Printer", "On fire")
        assert time.monotonic() - started < 0.1
        assert caught.value.maybe_applied is False
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # a connect would have completed before the call returned
        api.close()


def test_a_working_client_is_unaffected_until_closed_and_close_is_idempotent(client, sandbox):
    assert client.get_ticket(12345678).ticket_number == 12345678
    assert not client.cancelled
    client.close()
    client.close()
    served = len(sandbox.recent)
    with pytest.raises(CancelledError) as caught:
        client.get_ticket(12345678)
    assert isinstance(caught.value, ApiError)
    assert str(caught.value) == "Cancelled: the app is closing or switching server."
    assert len(sandbox.recent) == served
    client.cancel()  # still harmless


def test_cancel_can_race_many_calls_on_many_threads(silent):
    with new_client(silent.url()) as api:
        workers = [Worker(lambda: api.get_ticket(12345678)) for _ in range(8)]
        assert silent.heard.wait(5)
        cancelled_at = time.monotonic()
        api.cancel()
        for worker in workers:
            worker.join(PROMPT)
            assert not worker.is_alive()
        assert max(w.ended_at for w in workers) - cancelled_at < PROMPT
    assert all(isinstance(w.error, CancelledError) for w in workers)


def imported_after(statement: str, *modules: str) -> list[bool]:
    code = f"import sys; {statement}; print(' '.join(str(m in sys.modules) for m in {modules!r}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [word == "True" for word in result.stdout.split()]


def test_importing_gui_api_does_not_import_requests_or_urllib3():
    assert imported_after("import gui.api, gui.api.client", "requests", "urllib3") == [False, False]


def test_the_first_client_imports_them():
    statement = "import gui.api; gui.api.TogaClient('http://127.0.0.1:9', 'p', 's').close()"
    assert imported_after(statement, "requests", "urllib3") == [True, True]


def test_importing_gui_settings_does_not_import_keyring():
    assert imported_after("import gui.settings", "keyring") == [False]


def test_the_window_imports_neither_the_team_driver_nor_the_spelling_dictionaries_before_they_are_used():
    """They cost more than the rest of start-up together; a desk without a team never needs the first."""
    assert imported_after("import gui.app, gui.views.main_window", "psycopg", "spellchecker") == [False, False]
