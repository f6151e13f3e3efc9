"""The sandbox POSTs the spec's webhook payloads to a loopback receiver, off the request path."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient, WebhookEvent, WebhookType
from gui.sandbox import SandboxServer


class Receiver:
    """A loopback HTTP endpoint that records webhook POSTs; can fail or hold the first ones."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[str, str, dict]] = queue.Queue()
        self.fail_first = 0
        self.release = threading.Event()
        self.release.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.release.wait(10)
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                else:
                    receiver.received.put((self.path, self.headers.get("Content-Type"), json.loads(body)))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hooks/toga"
        self.thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05})

    def next(self, timeout: float = 10) -> tuple[str, str, dict]:
        return self.received.get(timeout=timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    box.thread.start()
    yield box
    box.release.set()
    box.http.shutdown()
    box.http.server_close()
    box.thread.join(5)


@pytest.fixture
def hooked(receiver: Receiver) -> Iterator[tuple[SandboxServer, TogaClient]]:
    with SandboxServer(webhook_url=receiver.url) as server, \
            TogaClient(server.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, timeout=3) as api:
        server.webhooks.backoff = 0.05
        yield server, api


def test_a_status_change_posts_ticket_status_change_as_the_spec_shows(hooked, receiver):
    _, api = hooked
    api.update_ticket(12345678, status="CLOSED")
    path, content_type, payload = receiver.next()
    assert (path, content_type) == ("/hooks/toga", "application/json")
    assert payload == {"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "CLOSED"}
    event = WebhookEvent.from_json(payload)
    assert (event.webhook, event.ticket_number) == (WebhookType.TICKET_STATUS_CHANGE, 12345678)


def test_a_reply_posts_ticket_reply_with_the_reply(hooked, receiver):
    _, api = hooked
    api.add_reply(12345678, "agent@example.com", "Fixed it.", first_name="Al", last_name="Agent")
    _, _, payload = receiver.next()
    assert payload["webhook"] == "TICKET_REPLY"
    assert payload["ticketNumber"] == 12345678
    reply = payload["reply"]
    assert {k: reply[k] for k in ("firstName", "lastName", "emailAddress", "message")} == {
        "firstName": "Al", "lastName": "Agent", "emailAddress": "agent@example.com", "message": "Fixed it.",
    }
    assert WebhookEvent.from_json(payload).reply.message == "Fixed it."


def test_changes_that_are_not_status_changes_post_nothing(hooked, receiver):
    _, api = hooked
    current = api.get_ticket(12345678).status
    api.update_ticket(12345678, status=current, priority="HIGH")
    api.update_ticket(12345678, status="IN_PROGRESS" if current != "IN_PROGRESS" else "OPEN")
    _, _, payload = receiver.next()
    assert payload["webhook"] == "TICKET_STATUS_CHANGE"  # the first, status-neutral update sent nothing
    assert receiver.received.empty()


def test_a_failing_receiver_gets_the_webhook_again(hooked, receiver):
    _, api = hooked
    receiver.fail_first = 2
    api.update_ticket(12345678, status="REVIEW")
    _, _, payload = receiver.next()
    assert payload["status"] == "REVIEW"
    assert receiver.fail_first == 0  # both failed deliveries were tried again


def test_a_slow_receiver_does_not_hold_up_the_api_answer(hooked, receiver):
    _, api = hooked
    receiver.release.clear()  # the receiver hangs until released; the API call must not wait for it
    assert api.update_ticket(12345678, status="AWAITING_USER") == 12345678
    receiver.release.set()
    assert receiver.next()[2]["status"] == "AWAITING_USER"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/hook", "http://"])
def test_webhook_urls_must_be_http_with_a_host(url):
    with pytest.raises(ValueError, match="webhook URL"):
        SandboxServer(webhook_url=url)


# ------------------------------------------------------------ the desk's listener: numbers from the network


@pytest.fixture
def listener() -> Iterator[tuple]:
    from gui.services.webhook_listener import WebhookListener

    events: list[WebhookEvent] = []
    server = WebhookListener(events.append).start()
    yield server, events
    server.stop()


def post_hook(url: str, raw: bytes, **headers: str) -> tuple[int, dict]:
    import requests

    response = requests.post(url, data=raw, headers={"Content-Type": "application/json", **headers}, timeout=5)
    return response.status_code, response.json()


@pytest.mark.parametrize("number", ["9223372036854775808", "100000000000000000000", "1e20", "0", "-1",
                                    "9" * 5000])
def test_a_webhook_ticket_number_outside_1_to_2_63_minus_1_is_422_and_reaches_nobody(listener, number):
    server, events = listener
    raw = b'{"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": %s, "status": "OPEN"}' % number.encode()
    status, payload = post_hook(server.url, raw)
    assert status == (400 if len(number) > 4300 else 422)  # past 4300 digits Python's JSON parser refuses it
    assert payload["success"] is False and "Traceback" not in payload["error"]
    assert events == []


def test_the_largest_ticket_number_is_a_valid_webhook(listener):
    server, events = listener
    raw = b'{"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 9223372036854775807, "status": "OPEN"}'
    assert post_hook(server.url, raw)[0] == 202
    assert [e.ticket_number for e in events] == [2**63 - 1]


def test_a_content_length_of_thousands_of_digits_is_413_not_a_crash(listener):
    import socket as sockets

    server, events = listener
    host, port = server.url.split("//")[1].split("/")[0].split(":")
    with sockets.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(b"POST /toga/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")
    assert events == []
