"""Live updates: background refresh finds others' changes, webhooks are hints checked with a signed GET."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
import requests
from PySide6.QtCore import QCoreApplication, QSettings

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient
from gui.app import Desk
from gui.sandbox import Fault, SandboxServer
from gui.services.webhook_listener import MAX_BODY, WebhookListener
from gui.settings import CUSTOM, Profile, Secrets

WAIT = 10_000
SPEC_TICKET = 12345678
OTHER_PUBLIC, SECRET = "PUB-LIVE", "SECRET-LIVE"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveDesk:
    """A configured desk against its own sandbox, whose webhooks (if asked) reach the desk's listener."""

    def __init__(self, qtbot, tmp_path, *, webhooks: bool):
        self.qtbot = qtbot
        port = free_port()
        hook = f"http://127.0.0.1:{port}/toga/webhook" if webhooks else None
        self.sandbox = SandboxServer(keys={OTHER_PUBLIC: SECRET}, webhook_url=hook).start()
        self.profile = Profile(environment=CUSTOM, custom_url=self.sandbox.url, public_key=OTHER_PUBLIC,
                               first_name="Sam", last_name="Agent", email_address="sam@togadesk.example",
                               webhook_enabled=webhooks, webhook_port=port)
        self.desk = Desk(tmp_path / "data", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                         Secrets())
        qtbot.addWidget(self.desk.window)
        self.desk.start()
        self.desk.apply(self.profile, SECRET)
        self.window = self.desk.window
        self.colleague = TogaClient(self.sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY)

    def open(self, number: int) -> None:
        with self.qtbot.waitSignal(self.desk.controller.opened, timeout=WAIT,
                                   check_params_cb=lambda n: n == number):
            self.window.open_ticket_number(str(number))

    def close(self) -> None:
        self.colleague.close()
        self.desk.shutdown()
        self.sandbox.stop()


@pytest.fixture
def live(qtbot, tmp_path) -> Iterator[LiveDesk]:
    desk = LiveDesk(qtbot, tmp_path, webhooks=False)
    yield desk
    desk.close()


@pytest.fixture
def hooked(qtbot, tmp_path) -> Iterator[LiveDesk]:
    desk = LiveDesk(qtbot, tmp_path, webhooks=True)
    yield desk
    desk.close()


def other_ticket(desk: LiveDesk) -> int:
    return next(n for n in desk.sandbox.store.ticket_numbers() if n != SPEC_TICKET)


def test_a_reply_by_someone_else_is_unread_and_notified_within_one_refresh_cycle(live):
    other = other_ticket(live)
    live.open(SPEC_TICKET)
    live.open(other)  # the agent now looks at another ticket
    live.colleague.add_reply(SPEC_TICKET, "jane@customer.example", "Still broken.", first_name="Jane",
                             last_name="Doe")
    planner = live.desk.live.planner
    planner.track(SPEC_TICKET, "IN_PROGRESS", time.monotonic(), fresh=False)  # its turn comes round
    with live.qtbot.waitSignal(live.desk.tray.notified, timeout=WAIT) as shown:
        live.desk.live.tick()
    assert shown.args == ["New reply on #12345678 from Jane Doe"]
    assert live.desk.store.row(live.profile.store_key, SPEC_TICKET).unread
    assert live.window.windowTitle().startswith("(1) ")


def test_the_agents_own_reply_is_not_notified(live):
    live.open(SPEC_TICKET)
    live.open(other_ticket(live))
    live.colleague.add_reply(SPEC_TICKET, "sam@togadesk.example", "From my phone.", first_name="Sam")
    notified: list[str] = []
    live.desk.tray.notified.connect(notified.append)
    live.desk.live.planner.track(SPEC_TICKET, "IN_PROGRESS", time.monotonic(), fresh=False)
    with live.qtbot.waitSignal(live.desk.controller.ticket_changed, timeout=WAIT):
        live.desk.live.tick()
    assert notified == []


def test_refresh_backs_off_while_the_server_fails_and_recovers_after(live):
    live.open(SPEC_TICKET)
    live.qtbot.waitUntil(lambda: live.desk.runner.in_flight == 0, timeout=WAIT)  # faults meet the refresh only
    live.sandbox.faults.script(*[Fault(502, method="GET")] * 3)
    states: list[str] = []
    live.desk.live.state_changed.connect(states.append)
    live.desk.live.planner.track(SPEC_TICKET, "OPEN", time.monotonic(), fresh=False)
    with live.qtbot.waitSignal(live.desk.live.state_changed, timeout=WAIT,
                               check_params_cb=lambda text: text.startswith("Server trouble")):
        live.desk.live.tick()
    assert live.desk.live.planner.due(time.monotonic()) == []  # paused: nothing is sent while backing off
    live.colleague.add_reply(SPEC_TICKET, "jane@customer.example", "Hello?")
    with live.qtbot.waitSignal(live.desk.live.state_changed, timeout=WAIT,
                               check_params_cb=lambda text: text.startswith("Refreshed")):
        live.desk.live.manual_refresh()  # the network is back (or F5)
    assert live.desk.store.row(live.profile.store_key, SPEC_TICKET).replies == 3


def test_a_sandbox_webhook_triggers_a_signed_get_and_an_unread_marker(hooked):
    hooked.open(SPEC_TICKET)
    hooked.open(other_ticket(hooked))
    with hooked.qtbot.waitSignal(hooked.desk.tray.notified, timeout=WAIT) as shown:
        hooked.colleague.add_reply(SPEC_TICKET, "jane@customer.example", "Any update?", first_name="Jane")
    assert shown.args == ["New reply on #12345678 from Jane"]
    assert hooked.desk.live.listener.received == 1
    gets = [r for r in hooked.sandbox.recent if r.method == "GET" and r.path == f"/ticket/{SPEC_TICKET}"]
    assert gets and gets[-1].header("Authorization").startswith(OTHER_PUBLIC + ".")
    assert hooked.desk.store.row(hooked.profile.store_key, SPEC_TICKET).unread


def test_a_webhook_for_a_ticket_not_in_the_list_adds_it_after_the_get(hooked):
    number = hooked.colleague.create_ticket("new@customer.example", "Brand new", "Hi")
    with hooked.qtbot.waitSignal(hooked.desk.controller.ticket_changed, timeout=WAIT):
        hooked.colleague.update_ticket(number, status="OPEN")
    assert hooked.window.model.row_of(number) is not None


def test_a_forged_webhook_the_server_does_not_confirm_changes_nothing(hooked):
    hooked.open(SPEC_TICKET)
    hooked.open(other_ticket(hooked))
    before = hooked.desk.store.row(hooked.profile.store_key, SPEC_TICKET)
    forged = {"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": SPEC_TICKET, "status": "CLOSED"}
    changes: list[object] = []
    hooked.desk.controller.ticket_changed.connect(changes.append)
    served = len(hooked.sandbox.recent)
    answer = requests.post(hooked.desk.live.listener.url, json=forged, timeout=5)
    assert answer.status_code == 202
    hooked.qtbot.waitUntil(lambda: any(r.method == "GET" for r in list(hooked.sandbox.recent)[served:]),
                           timeout=WAIT)
    hooked.desk.runner.pool.waitForDone(5000)
    QCoreApplication.processEvents()
    assert changes == []
    assert hooked.desk.store.row(hooked.profile.store_key, SPEC_TICKET) == before  # still not CLOSED, not unread


@pytest.fixture
def listener() -> Iterator[tuple[WebhookListener, list]]:
    events: list = []
    box = WebhookListener(events.append).start()
    yield box, events
    box.stop()


@pytest.mark.parametrize(("method", "path", "headers", "body", "status"), [
    ("GET", "/toga/webhook", {}, b"", 405),
    ("POST", "/elsewhere", {"Content-Type": "application/json"}, b"{}", 404),
    ("POST", "/toga/webhook", {"Content-Type": "text/plain"}, b'{"webhook": "TICKET_REPLY"}', 415),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"}, b"{not json", 400),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"}, b"x" * (MAX_BODY + 1), 413),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"},
     json.dumps({"webhook": "TICKET_DELETED", "ticketNumber": 1}).encode(), 422),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"},
     json.dumps({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": "12345678", "status": "CLOSED"}).encode(), 422),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"},
     json.dumps({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "DONE"}).encode(), 422),
    ("POST", "/toga/webhook", {"Content-Type": "application/json"},
     json.dumps({"webhook": "TICKET_REPLY", "ticketNumber": 12345678, "reply": "text"}).encode(), 422),
])
def test_malformed_webhook_requests_get_4xx_and_change_nothing(listener, method, path, headers, body, status):
    box, events = listener
    url = box.url.rsplit("/toga/webhook", 1)[0] + path
    answer = requests.request(method, url, data=body, headers=headers, timeout=5)
    assert answer.status_code == status
    assert answer.json()["success"] is False
    assert events == []


def test_the_specs_two_payloads_are_accepted(listener):
    box, events = listener
    for payload in ({"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": 12345678, "status": "CLOSED"},
                    {"webhook": "TICKET_REPLY", "ticketNumber": 12345678,
                     "reply": {"repliedOn": "2020-02-03T07:34:16-06:00", "firstName": "Jane", "lastName": "Doe",
                               "emailAddress": "janedoe@testco.com", "message": "Have you tried..."}}):
        assert requests.post(box.url, json=payload, timeout=5).status_code == 202
    assert [e.ticket_number for e in events] == [12345678, 12345678]


def test_the_listener_binds_to_loopback_by_default(listener):
    box, _ = listener
    assert box.url.startswith("http://127.0.0.1:")


def test_a_webhook_about_a_ticket_the_server_does_not_have_is_dropped_without_backing_off(hooked):
    for number in (99_999_999, 2**40):  # the second does not fit a C int: it must still be handled
        served = len(hooked.sandbox.recent)
        assert requests.post(hooked.desk.live.listener.url, timeout=5, json={
            "webhook": "TICKET_STATUS_CHANGE", "ticketNumber": number, "status": "OPEN"}).status_code == 202
        hooked.qtbot.waitUntil(lambda: any(r.path.endswith(f"/ticket/{number}")  # noqa: B023
                                           for r in list(hooked.sandbox.recent)[served:]), timeout=WAIT)  # noqa: B023
        hooked.qtbot.waitUntil(lambda: hooked.desk.live.planner.in_flight == 0, timeout=WAIT)
        assert not hooked.desk.live.planner.backing_off
        assert hooked.window.model.row_of(number) is None


def test_a_ticket_removed_from_the_list_is_no_longer_fetched_in_the_background(live):
    live.open(SPEC_TICKET)
    live.window.list_pane.select(SPEC_TICKET)
    live.window.remove_current()
    assert SPEC_TICKET not in live.desk.live.planner.due(time.monotonic() + 10**6)


def test_when_the_network_comes_back_open_tickets_are_checked_at_once(live):
    from PySide6.QtNetwork import QNetworkInformation

    live.open(SPEC_TICKET)
    with live.qtbot.waitSignal(live.desk.live.state_changed, timeout=WAIT,
                               check_params_cb=lambda text: text.startswith("Offline")):
        live.desk.live._reachability(QNetworkInformation.Reachability.Disconnected)
    served = len(live.sandbox.recent)
    with live.qtbot.waitSignal(live.desk.live.state_changed, timeout=WAIT,
                               check_params_cb=lambda text: text.startswith("Synced")):
        live.desk.live._reachability(QNetworkInformation.Reachability.Online)
    assert any(r.path == f"/ticket/{SPEC_TICKET}" for r in list(live.sandbox.recent)[served:])


def test_the_status_bar_counts_tickets_as_they_join_the_watch_list(live):
    live.qtbot.waitUntil(lambda: live.window.refreshed_label.text() == "Watching 0 tickets", timeout=WAIT)
    live.open(12345678)
    assert live.window.refreshed_label.text() == "Watching 1 ticket"
    live.desk.controller.remove(12345678)
    assert live.window.refreshed_label.text() == "Watching 0 tickets"


def test_a_flood_of_hints_for_unknown_tickets_costs_a_few_gets_and_a_tracked_ticket_still_gets_through(hooked):
    from gui.live_updates import UNTRACKED_HINTS_PER_MINUTE

    hooked.open(SPEC_TICKET)
    served = len(hooked.sandbox.recent)
    listener = hooked.desk.live.listener
    forged = range(50_000_000, 50_000_300)  # 300 tickets this desk never heard of
    with requests.Session() as session:
        for number in forged:
            assert session.post(listener.url, timeout=5, json={
                "webhook": "TICKET_STATUS_CHANGE", "ticketNumber": number, "status": "OPEN"}).status_code == 202
        hooked.qtbot.waitUntil(lambda: hooked.desk.live.planner.in_flight == 0, timeout=WAIT)
        gets = [r for r in list(hooked.sandbox.recent)[served:] if r.method == "GET"
                and int(r.path.rsplit("/", 1)[1]) in forged]
        assert len(gets) <= UNTRACKED_HINTS_PER_MINUTE
        served = len(hooked.sandbox.recent)
        session.post(listener.url, timeout=5, json={"webhook": "TICKET_STATUS_CHANGE", "ticketNumber": SPEC_TICKET,
                                                    "status": "OPEN"})
    hooked.qtbot.waitUntil(lambda: any(r.path.endswith(f"/ticket/{SPEC_TICKET}")
                                       for r in list(hooked.sandbox.recent)[served:]), timeout=WAIT)
