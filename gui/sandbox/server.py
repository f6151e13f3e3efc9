"""The sandbox over real HTTP: a threaded loopback server speaking the vendor's wire format.

Use it from Python (``with SandboxServer() as sandbox: sandbox.url``) or from the command
line (``python main.py --sandbox``). Every answer is JSON with ``Content-Type`` and
``Content-Length``; keep-alive is on so clients can reuse connections.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY
from .api import Answer, SandboxApi
from .faults import PASS, Fault, Faults
from .seed import seed
from .store import SandboxStore
from .webhooks import WebhookSender, check_url

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 40 * 1024 * 1024  # a 20 MB document grows to about 27 MB in Base64
KEYS_ENV = "TOGA_SANDBOX_KEYS"  # "PUBLIC:SECRET,PUBLIC2:SECRET2"


def keys_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    keys = {}
    for pair in environ.get(KEYS_ENV, "").split(","):
        public, colon, secret = pair.strip().partition(":")
        if colon and public and secret:
            keys[public] = secret
    return keys


RECENT_REQUESTS = 1000  # how many received requests the sandbox remembers for inspection
RECENT_BYTES = 16 * 1024 * 1024  # and how many bytes of their bodies, all together (the oldest go first)
RECENT_BODY_BYTES = 1024 * 1024  # a longer body is remembered as its first MB (``Recorded.size`` is the whole)
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")  # hex digits only: no sign, no 0x, no underscores
MAX_TRAILER_LINES = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TOGaSandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    # Headers and body go out in two writes; with Nagle on, the second one waits for the
    # client's delayed ACK (about 40 ms per request on Linux loopback).
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        path = self.path.split("?", 1)[0]
        length = self._content_length()
        if length is None:
            return
        refusal = sandbox.api.precheck(self.command, path, self.headers)
        if refusal is not None:  # answered from the headers: the body is never read, so never kept
            sandbox.record(Recorded(self.command, self.path, dict(self.headers.items()), b"", 0))
            self._answer(refusal, close=length != 0)
            return
        body = self._read_chunked() if length < 0 else self.rfile.read(length) if length else b""
        if body is None:
            return
        sandbox.record(Recorded(self.command, self.path, dict(self.headers.items()), body))
        fault = sandbox.faults.next_fault(self.command, path)
        late = fault.answer_delay_ms if fault is not None else 0.0
        if fault is not None and fault.status == PASS:  # only late: answered as usual
            fault = None
        latency = sandbox.faults.latency_ms
        if latency and sandbox.stopping.wait(latency / 1000.0):
            self._fail(Fault(status=None))  # stopping: drop rather than answer from a closed store
            return
        if fault is not None and not fault.after:
            self._fail(fault)
            return
        try:
            answer = sandbox.api.handle(self.command, path, self.headers, body)
        except Exception:
            log.exception("sandbox failed on %s %s", self.command, path)
            answer = _error(500, "The sandbox had an internal error.")
        delay = sandbox.faults.answer_delay_ms + late  # carried out (committed); the answer is what is late
        if delay and sandbox.stopping.wait(delay / 1000.0):
            self._fail(Fault(status=None))
            return
        if fault is not None:
            self._fail(fault)
            return
        self._answer(answer)

    def _content_length(self) -> int | None:
        """The body's length from the headers alone: -1 for chunked, None when refused (answered 400)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return -1
        raw = self.headers.get("Content-Length", "0").strip() or "0"
        if not (raw.isascii() and raw.isdigit()):
            self._answer(_error(400, "Content-Length is not a number."), close=True)
            return None
        if len(raw) > 12 or int(raw) > MAX_BODY_BYTES:
            self._answer(_error(400, f"The request body is larger than {MAX_BODY_BYTES // 2**20} MB."), close=True)
            return None
        return int(raw)

    def _read_chunked(self) -> bytes | None:
        """A chunked body: each size hex digits only, the total within MAX_BODY_BYTES, trailers bounded."""
        parts, total = [], 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            if not CHUNK_SIZE.fullmatch(size_line):
                self._answer(_error(400, "Malformed chunked body: a chunk size is not hexadecimal digits."),
                             close=True)
                return None
            size = int(size_line, 16)
            if size == 0:
                for _ in range(MAX_TRAILER_LINES):
                    if not self.rfile.readline(1024).strip():
                        return b"".join(parts)
                self._answer(_error(400, "Malformed chunked body: too many trailer lines."), close=True)
                return None
            total += size
            if total > MAX_BODY_BYTES:
                self._answer(_error(400, f"The request body is larger than {MAX_BODY_BYTES // 2**20} MB."),
                             close=True)
                return None
            part = self.rfile.read(size)
            if len(part) < size or self.rfile.readline(4).strip():
                self._answer(_error(400, "Malformed chunked body: a chunk is shorter than its size."), close=True)
                return None
            parts.append(part)

    def _fail(self, fault: Fault) -> None:
        if fault.status is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.body is not None:
            self._write(fault.status, fault.body, fault.content_type, {})
            return
        phrase = HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else "Error"
        self._answer(_error(fault.status, f"Injected fault: {phrase}."))

    def _answer(self, answer: Answer, *, close: bool = False) -> None:
        data = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self._write(answer.status, data, "application/json", answer.headers, close=close)

    def _write(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str], *, close: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests get the same JSON shape as every other answer, never HTML."""
        phrase = message or (HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error")
        with contextlib.suppress(OSError):
            self._answer(_error(code, phrase), close=True)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header follows the sandbox clock, so clients can learn its offset."""
        return format_datetime(self.server.sandbox.api.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer):
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is one debug line; anything else is logged with its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.debug("client %s went away: %s", client_address, type(error).__name__)
            return
        log.exception("sandbox connection from %s failed", client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class Recorded:
    """A request as the sandbox received it; tests read ``SandboxServer.recent``."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes  # at most RECENT_BODY_BYTES; b"" for a request refused from its headers (body never read)
    size: int = -1  # the whole body's length (-1: len(body))

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.body))
        if len(self.body) > RECENT_BODY_BYTES:
            object.__setattr__(self, "body", self.body[:RECENT_BODY_BYTES])

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, None when absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def _error(status: int, text: str) -> Answer:
    return Answer(status, {"success": False, "error": text})


class SandboxServer:
    """A local emulator of both vendor APIs on a loopback port.

    ``port=0`` picks a free port; ``db_path=None`` uses a fresh temporary database that is
    removed on ``stop()``. The spec's sample key pair is always accepted, plus ``keys``
    and any pairs in the ``TOGA_SANDBOX_KEYS`` environment variable.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        db_path: str | None = None,
        keys: Mapping[str, str] | None = None,
        latency_ms: float = 0.0,
        answer_delay_ms: float = 0.0,
        webhook_url: str | None = None,
        clock_window: float = 300.0,
        seed_data: bool = True,
    ):
        if webhook_url:
            check_url(webhook_url)  # before anything is opened that would need closing
        self._tempdir = None
        if db_path is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="toga-sandbox-")
            db_path = os.path.join(self._tempdir.name, "sandbox.sqlite3")
        self.db_path = db_path
        self.store = SandboxStore(db_path)
        if seed_data and self.store.is_empty():
            seed(self.store)
        all_keys = {SAMPLE_PUBLIC_KEY: SAMPLE_SECRET_KEY, **keys_from_env(), **(keys or {})}
        self.webhooks = WebhookSender(webhook_url) if webhook_url else None
        self.api = SandboxApi(
            self.store, all_keys, clock_window=clock_window,
            on_webhook=self.webhooks.send if self.webhooks else None,
        )
        self.faults = Faults(latency_ms=latency_ms, answer_delay_ms=answer_delay_ms)
        self.requests_served = 0
        self.stopping = threading.Event()
        self.recent: deque[Recorded] = deque(maxlen=RECENT_REQUESTS)
        self._recent_bytes = 0
        self._count_lock = threading.Lock()
        self._http = _HttpServer((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._http.server_address[0]

    @property
    def port(self) -> int:
        return self._http.server_address[1]

    @property
    def url(self) -> str:
        host = self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def record(self, request: Recorded) -> None:
        """Remembers a request in ``recent``: the last RECENT_REQUESTS, their bodies RECENT_BYTES at most."""
        with self._count_lock:
            self.requests_served += 1
            if not self.recent:  # emptied (tests call recent.clear())
                self._recent_bytes = 0
            elif len(self.recent) == self.recent.maxlen:
                self._recent_bytes -= len(self.recent[0].body)
            self.recent.append(request)
            self._recent_bytes += len(request.body)
            while self._recent_bytes > RECENT_BYTES and len(self.recent) > 1:
                self._recent_bytes -= len(self.recent.popleft().body)

    @property
    def recent_bytes(self) -> int:
        """How many body bytes ``recent`` holds now (never more than RECENT_BYTES, but for one request)."""
        with self._count_lock:
            return sum(len(r.body) for r in self.recent)

    def start(self) -> SandboxServer:
        """Serves on a background thread and returns at once."""
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="toga-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serves on this thread until ``stop()`` or KeyboardInterrupt."""
        self._http.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join(5)
            self._thread = None
        self._http.close_open_connections()
        self._http.server_close()
        if self.webhooks:
            self.webhooks.close()
        self.store.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
