"""An HTTP listener for the vendor's webhooks (TICKET_STATUS_CHANGE, TICKET_REPLY). No Qt.

Payloads carry no signature, so a webhook is only a hint: ``on_event`` receives the
validated event and the app fetches the ticket with a signed GET before believing
anything. Validation is strict and answers come at once (202); the work happens
elsewhere. A ``ticketNumber`` outside 1..2**63-1 (what SQLite and Qt hold) is refused
with 422 before anything sees it. Binds to loopback unless told otherwise.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..api import ApiError, WebhookEvent

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # the spec's payloads are a few hundred bytes


class WebhookListener:
    def __init__(self, on_event: Callable[[WebhookEvent], None], *, host: str = "127.0.0.1", port: int = 0,
                 path: str = "/toga/webhook"):
        self.on_event = on_event
        self.path = "/" + path.strip("/")
        self.received = 0
        self.refused = 0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "TOGaDesk-Webhooks"
            sys_version = ""
            timeout = 10  # a slow or idle client cannot hold a thread for long
            # Headers and body go out in two writes; with Nagle on, the body waits for the sender's delayed
            # ACK (about 40 ms per webhook on Linux), which a flood of webhooks on one connection adds up.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                listener._handle(self)

            def do_GET(self) -> None:
                listener._refuse(self, 405, "Only POST is accepted.", {"Allow": "POST"})

            do_PUT = do_DELETE = do_PATCH = do_GET

            def log_message(self, format: str, *args: object) -> None:
                log.debug("webhook %s", format % args)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

            def handle_error(self, request: object, client_address: object) -> None:
                log.info("webhook connection from %s ended abruptly", client_address)  # no traceback

        self._http = Server((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{self.path}"

    def start(self) -> WebhookListener:
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="togadesk-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join(5)
            self._thread = None
        self._http.server_close()

    # ------------------------------------------------------------ requests

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        if request.path.split("?", 1)[0].rstrip("/") != self.path.rstrip("/"):
            self._refuse(request, 404, "Unknown path.")
            return
        if request.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            self._refuse(request, 415, "Content-Type must be application/json.")
            return
        raw = request.headers.get("Content-Length", "")
        if not (raw.isascii() and raw.isdigit()):
            self._refuse(request, 411, "Content-Length is required.")
            return
        if len(raw) > 12 or int(raw) > MAX_BODY:  # int() of thousands of digits would raise
            self._refuse(request, 413, "The body is too large.")
            return
        body = request.rfile.read(int(raw))
        try:
            event = WebhookEvent.from_json(json.loads(body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self._refuse(request, 400, "The body is not JSON.")
            return
        except ApiError as error:
            self._refuse(request, 422, error.message)
            return
        self.received += 1
        try:
            self.on_event(event)  # a hand-over that returns at once; the signed GET happens elsewhere
        except Exception:
            log.exception("webhook hand-over failed")
        self._answer(request, 202, {"success": True, "error": ""})  # 202 means "handed over", never "believed"

    def _refuse(self, request: BaseHTTPRequestHandler, status: int, text: str,
                headers: dict[str, str] | None = None) -> None:
        self.refused += 1
        log.info("webhook refused (%s): %s", status, text)
        self._answer(request, status, {"success": False, "error": text}, headers, close=True)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: dict, headers: dict[str, str] | None = None,
                *, close: bool = False) -> None:
        data = json.dumps(body).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        if close:
            request.send_header("Connection", "close")
            request.close_connection = True
        request.end_headers()
        request.wfile.write(data)
