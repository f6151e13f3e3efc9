"""A hostile or broken server cannot fill the desk's memory, hold a call for ever, send it elsewhere or fool TLS.

Every server here is a real socket on loopback, written for the one misbehaviour it shows;
every limit is a parameter, so each test takes well under a second.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gui.api import (
    SAMPLE_PUBLIC_KEY,
    SAMPLE_SECRET_KEY,
    NetworkError,
    NotFoundError,
    RedirectError,
    ResponseError,
    TlsError,
    TogaClient,
)

TICKET = {"success": True, "error": "", "ticket": {"ticketNumber": 12345678, "subject": "Printer", "replies": []}}
Behaviour = Callable[[socket.socket, bytes, threading.Event], None]


class HostileServer:
    """Accepts connections on loopback; for each request (its headers and Content-Length body) runs ``behaviour``.

    ``behaviour(conn, request, stopping)`` writes whatever it likes; pauses use ``stopping.wait`` so
    that ``close()`` ends them at once.
    """

    def __init__(self, behaviour: Behaviour, greeting: bytes = b"") -> None:
        self.behaviour = behaviour
        self.greeting = greeting  # sent as soon as a connection is accepted, before any request
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, name="test-hostile-server", daemon=True)
        self._accepter.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), name="test-hostile-conn", daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        buffer = b""
        with conn:
            try:
                if self.greeting:
                    conn.sendall(self.greeting)
                while not self.stopping.is_set():
                    while b"\r\n\r\n" not in buffer:
                        data = conn.recv(65536)
                        if not data:
                            return
                        buffer += data
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(buffer) < length:
                        buffer += conn.recv(65536)
                    self.requests.append(head + b"\r\n\r\n" + buffer[:length])
                    buffer = buffer[length:]
                    self.behaviour(conn, head, self.stopping)
            except OSError:
                return

    def close(self) -> None:
        self.stopping.set()
        self._accepter.join(2)
        for worker in self._threads:
            worker.join(2)
        self.listener.close()
        assert not self._accepter.is_alive() and not any(t.is_alive() for t in self._threads)


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], HostileServer]]:
    servers: list[HostileServer] = []

    def start(behaviour: Behaviour, greeting: bytes = b"") -> HostileServer:
        servers.append(HostileServer(behaviour, greeting))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def new_client(url: str, **options) -> TogaClient:
    options.setdefault("backoff", 0)
    return TogaClient(url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, **options)


def answer(status: str, body: bytes, *headers: str) -> Behaviour:
    head = "\r\n".join((f"HTTP/1.1 {status}", "Content-Type: application/json", *headers))

    def send(conn: socket.socket, _request: bytes, _stopping: threading.Event) -> None:
        extra = "" if any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers) \
            else f"\r\nContent-Length: {len(body)}"
        conn.sendall(f"{head}{extra}\r\n\r\n".encode() + body)

    return send


def bomb(encoding: str, inflated: int) -> bytes:
    """``inflated`` bytes of zeros compressed as gzip or raw deflate (about 1000 times smaller)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS if encoding == "gzip" else -zlib.MAX_WBITS)
    block = bytes(2**20)
    return b"".join(packer.compress(block) for _ in range(inflated // len(block))) + packer.flush()


# ------------------------------------------------------------------------------ answer size


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_that_inflates_past_the_cap_is_refused_without_inflating_it(serve, encoding):
    body = bomb(encoding, 64 * 2**20)  # 64 MB of zeros in about 64 KB
    server = serve(answer("200 OK", body, f"Content-Encoding: {encoding}"))
    with new_client(server.url, max_answer_bytes=2**20) as api:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseError) as caught:
                api.get_ticket(12345678)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "larger than 1 MB" in caught.value.message and "(HTTP 200)" in caught.value.message
    assert caught.value.maybe_applied is False
    assert peak < 8 * 2**20, f"the client held {peak / 2**20:.0f} MB for a 1 MB cap"
    assert len(server.requests) == 1  # the same answer would come again: not retried


def test_an_answer_larger_than_the_cap_off_the_wire_is_a_readable_error(serve):
    chunked = b"".join(b"%x\r\n%s\r\n" % (2**16, b" " * 2**16) for _ in range(40)) + b"0\r\n\r\n"  # 2.5 MB
    server = serve(answer("200 OK", chunked, "Transfer-Encoding: chunked"))
    with new_client(server.url, max_answer_bytes=2**20) as api, pytest.raises(ResponseError) as caught:
        api.create_ticket("jane@example.com", "Printer", "Smoke")
    assert "larger than 1 MB" in caught.value.message
    assert caught.value.maybe_applied is True  # a POST answered 2xx we could not read: it may have landed


def test_an_announced_length_past_the_cap_is_refused_before_reading(serve):
    server = serve(answer("200 OK", b"{}", f"Content-Length: {10 * 2**30}"))  # 10 GB promised, 2 bytes sent
    started = time.monotonic()
    with new_client(server.url, max_answer_bytes=2**20, timeout=5) as api, pytest.raises(ResponseError) as caught:
        api.get_order(12345678)
    assert "larger than 1 MB" in caught.value.message
    assert time.monotonic() - started < 1  # did not wait for bytes that never come


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_normal_compressed_answer_is_read(serve, encoding):
    data = json.dumps(TICKET).encode()
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    server = serve(answer("200 OK", packer.compress(data) + packer.flush(), f"Content-Encoding: {encoding}"))
    with new_client(server.url) as api:
        assert api.get_ticket(12345678).subject == "Printer"
    assert b"accept-encoding: gzip, deflate\r\n" in server.requests[0].lower()


def test_an_error_page_past_the_cap_keeps_the_words_of_its_status(serve):
    server = serve(answer("404 Not Found", b"<html>" + b" " * (2 * 2**20)))
    with new_client(server.url, max_answer_bytes=2**20) as api, pytest.raises(NotFoundError) as caught:
        api.get_ticket(12345678)
    assert caught.value.status == 404 and "could not be found" in caught.value.message


# ------------------------------------------------------------------------------ one deadline


def trickle(head: bytes, then: bytes, every: float = 0.1) -> Behaviour:
    """Sends ``head`` then ``then`` one byte every ``every`` seconds: no single read ever times out."""

    def send(conn: socket.socket, _request: bytes, stopping: threading.Event) -> None:
        conn.sendall(head)
        for byte in then:
            if stopping.wait(every):
                return
            conn.sendall(bytes([byte]))

    return send


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_server_trickling_its_answer_is_cut_off_at_the_calls_deadline(serve, where):
    body = json.dumps(TICKET).encode()
    if where == "headers":
        server = serve(trickle(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"))
    else:
        server = serve(trickle(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body), body))
    started = time.monotonic()
    with new_client(server.url, timeout=(1, 0.3), deadline=0.5) as api, pytest.raises(NetworkError) as caught:
        api.get_ticket(12345678)
    took = time.monotonic() - started
    assert 0.45 <= took < 0.9, f"the call took {took:.2f} s for a 0.5 s deadline"
    assert "within 0.5 seconds" in caught.value.message
    assert caught.value.maybe_applied is False


def test_all_tries_of_a_call_share_one_deadline(serve):
    server = serve(lambda conn, request, stopping: stopping.wait(5))  # hears the request, never answers
    started = time.monotonic()
    with new_client(server.url, timeout=(1, 0.2), deadline=0.5, max_tries=10) as api, \
            pytest.raises(NetworkError) as caught:
        api.get_order(12345678)
    took = time.monotonic() - started
    assert took < 0.9, f"10 tries of 0.2 s took {took:.2f} s for a 0.5 s deadline"
    assert 2 <= len(server.requests) <= 3
    assert caught.value.status is None


def test_a_post_cut_off_at_its_deadline_may_have_been_saved(serve):
    server = serve(trickle(b"HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n", b"{" * 100))
    with new_client(server.url, timeout=(1, 0.3), deadline=0.3) as api, pytest.raises(NetworkError) as caught:
        api.add_reply(12345678, "agent@example.com", "Hello")
    assert caught.value.maybe_applied is True and "may or may not have been saved" in caught.value.message
    assert len(server.requests) == 1


def test_the_default_deadline_is_sixty_seconds(serve):
    server = serve(answer("200 OK", json.dumps(TICKET).encode()))
    with new_client(server.url) as api:
        assert api.deadline == 60
        assert api.get_ticket(12345678).ticket_number == 12345678


# ------------------------------------------------------------------------------ redirects


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect",
                                    "308 Permanent Redirect"])
def test_a_redirect_to_another_host_is_not_followed_and_names_that_host(serve, status):
    server = serve(answer(status, b"", "Location: http://evil.example:8080/ticket/12345678"))
    with new_client(server.url) as api, pytest.raises(RedirectError) as caught:
        api.get_ticket(12345678)
    assert caught.value.status == int(status[:3])
    assert caught.value.location_host == "evil.example"
    assert "evil.example" in caught.value.message and "does not follow" in caught.value.message
    assert len(server.requests) == 1  # neither followed nor retried


@pytest.mark.parametrize("status", ["302 Found", "307 Temporary Redirect"])
def test_a_reply_answered_with_a_redirect_is_not_posted_again_and_was_not_saved(serve, status):
    server = serve(answer(status, b"", "Location: https://elsewhere.example/ticket/1/reply"))
    with new_client(server.url) as api, pytest.raises(RedirectError) as caught:
        api.add_reply(12345678, "agent@example.com", "Only here")
    assert caught.value.maybe_applied is False
    assert "may or may not" not in caught.value.message
    assert len(server.requests) == 1


def test_a_write_answered_see_other_may_have_been_carried_out(serve):
    server = serve(answer("303 See Other", b"", "Location: /ticket/12345678"))
    with new_client(server.url) as api, pytest.raises(RedirectError) as caught:
        api.update_ticket(12345678, priority="LOW")
    assert caught.value.maybe_applied is True
    assert "same server" in caught.value.message


# ------------------------------------------------------------------------------ TLS


def make_certificate(folder: Path, *, names: list[str], days: tuple[int, int] = (-1, 30)) -> tuple[Path, Path]:
    """A self-signed certificate and key (PEM files) for ``names`` (DNS names or IP addresses)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0])).not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{names[0]}.crt", folder / f"{names[0]}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class TlsServer:
    """An HTTPS listener on loopback with the given certificate; counts handshakes tried, answers nothing."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-tls-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(1)
            try:
                with self.context.wrap_socket(conn, server_side=True) as secure:
                    secure.recv(65536)
            except OSError:  # the client refused our certificate: exactly what is tested
                conn.close()

    def close(self) -> None:
        self.stopping.set()
        self._thread.join(3)
        self.listener.close()


@pytest.fixture
def tls(tmp_path) -> Iterator[Callable[..., TlsServer]]:
    servers: list[TlsServer] = []

    def start(**certificate) -> TlsServer:
        servers.append(TlsServer(*make_certificate(tmp_path, **certificate)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("call", [
    lambda api: api.get_ticket(12345678),
    lambda api: api.create_ticket("jane@example.com", "Printer", "Smoke"),
], ids=["GET", "POST"])
def test_a_self_signed_certificate_is_its_own_error_not_retried_and_nothing_was_saved(tls, call):
    server = tls(names=["127.0.0.1"])
    with new_client(server.url, timeout=2) as api, pytest.raises(TlsError) as caught:
        call(api)
    assert caught.value.maybe_applied is False and caught.value.status is None
    assert "certificate is not trusted on this computer" in caught.value.message
    assert "self-signed" in caught.value.message and "Nothing was sent" in caught.value.message
    assert "may or may not" not in caught.value.message and "connection to the server was lost" not in str(caught.value)
    assert server.connections == 1


def test_a_certificate_for_another_name_says_so(tls, monkeypatch, tmp_path):
    server = tls(names=["desk.example"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "desk.example.crt"))  # trusted, but not for 127.0.0.1
    with new_client(server.url, timeout=2) as api, pytest.raises(TlsError) as caught:
        api.get_order(12345678)
    assert "certificate is for another name" in caught.value.message and "server address" in caught.value.message
    assert server.connections == 1


def test_an_expired_certificate_says_so(tls, monkeypatch, tmp_path):
    server = tls(names=["127.0.0.1"], days=(-30, -1))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "127.0.0.1.crt"))
    with new_client(server.url, timeout=2) as api, pytest.raises(TlsError) as caught:
        api.get_order(12345678)
    assert "out of date" in caught.value.message and "date and time" in caught.value.message


def test_https_to_a_server_that_speaks_plain_http_is_a_secure_connection_error(serve):
    plain = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    server = serve(answer("400 Bad Request", b"{}"), greeting=plain)  # answers the TLS hello in plain text
    with new_client(server.url.replace("http://", "https://"), timeout=2) as api, \
            pytest.raises(TlsError) as caught:
        api.add_reply(12345678, "agent@example.com", "Hello")
    assert "secure connection to the server could not be set up" in caught.value.message
    assert caught.value.maybe_applied is False
    assert server.connections == 1


def test_settings_test_connection_tells_an_untrusted_certificate_in_words(tls):
    from gui.connection import check_keys

    server = tls(names=["127.0.0.1"])
    with pytest.raises(TlsError) as caught:
        check_keys(server.url, "PUBLIC", "SECRET")  # what Settings > Test connection calls
    assert "certificate is not trusted on this computer" in caught.value.message
    assert server.connections == 1
