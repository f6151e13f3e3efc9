"""Settings and credentials: the secret only in the keyring, test connection in words, live environment switch."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import QCoreApplication, QSettings

from gui import logs
from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY
from gui.app import Desk
from gui.sandbox import SandboxServer
from gui.settings import CUSTOM, PRODUCTION, SANDBOX, Profile, Secrets, load_profile, save_profile

SECRET = "S3CRET-never-on-disk-" + "x" * 8
OTHER_PUBLIC = "PUB-OTHER-1"
WAIT = 10_000


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (priority > 0) that keeps passwords in this process, noting who read them."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.read_on: list[threading.Thread] = []

    def get_password(self, service, username):
        self.read_on.append(threading.current_thread())
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def keyed_sandbox() -> Iterator[SandboxServer]:
    """A sandbox that also accepts a second key pair, standing in for a real account."""
    with SandboxServer(keys={OTHER_PUBLIC: SECRET}) as server:
        yield server


@pytest.fixture
def desk_factory(qtbot, tmp_path):
    made: list[Desk] = []

    def make(*, demo: bool = False) -> Desk:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        desk = Desk(tmp_path / "data", settings, Secrets(), demo=demo)
        qtbot.addWidget(desk.window)
        with qtbot.waitSignal(desk.ready, timeout=WAIT):
            desk.start()
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.shutdown()


def open_settings(qtbot, desk: Desk):
    """Settings opens once the keyring has been read on a worker."""
    with qtbot.waitSignal(desk.settings_shown, timeout=WAIT) as shown:
        desk.open_settings()
    return shown.args[0]


def custom_profile(server: SandboxServer, public: str = OTHER_PUBLIC) -> Profile:
    return Profile(environment=CUSTOM, custom_url=server.url, public_key=public, first_name="Kim",
                   last_name="Lee", email_address="kim@togadesk.example")


def test_profiles_round_trip_through_qsettings_without_the_secret(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    profile = Profile(environment=PRODUCTION, public_key="PUB", email_address="a@b.co", refresh_minutes=7,
                      notifications=False)
    save_profile(settings, profile)
    assert load_profile(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)) == profile
    assert profile.base_url == "https://api.agilantsolutions.com"
    assert profile.keyring_service == "TOGaDesk Agent (https://api.agilantsolutions.com)"


def test_the_secret_goes_to_the_keyring_and_nowhere_on_disk_after_a_full_session(
        qtbot, desk_factory, keyed_sandbox, memory_keyring, tmp_path):
    log_dir = tmp_path / "logs"
    handler_count = len(logging.getLogger().handlers)
    logs.configure(log_dir, logging.DEBUG)
    try:
        desk = desk_factory()
        desk.apply(custom_profile(keyed_sandbox), SECRET)
        window = desk.window
        assert window.pages.currentWidget() is window.tabs
        with qtbot.waitSignal(window.controller.opened, timeout=WAIT):
            window.open_ticket_number("12345678")
        window.detail.composer.setPlainText("Reply from a configured desk")
        with qtbot.waitSignal(window.detail.reply_sent, timeout=WAIT):
            window.detail.send()
        window.close()
        desk.shutdown()
    finally:
        for handler in logging.getLogger().handlers[handler_count:]:
            handler.close()
            logging.getLogger().removeHandler(handler)
    assert memory_keyring.passwords == {(f"TOGaDesk Agent ({keyed_sandbox.url})", OTHER_PUBLIC): SECRET}
    files = [tmp_path / "settings.ini", *Path(tmp_path / "data").rglob("*"), *log_dir.rglob("*")]
    readable = [f for f in files if f.is_file()]
    assert any(f.suffix == ".log" for f in readable) and any(f.name == "togadesk.sqlite3" for f in readable)
    for path in readable:
        assert SECRET.encode() not in path.read_bytes(), f"secret found in {path}"
    assert "Reply from a configured desk" in keyed_sandbox.store.ticket(12345678)["replies"][-1]["message"]


def test_without_a_keyring_the_secret_lives_in_memory_for_this_session_only(no_keyring, keyed_sandbox):
    secrets = Secrets()
    profile = custom_profile(keyed_sandbox)
    assert not secrets.keyring_usable()
    assert secrets.set(profile, SECRET) is False
    assert secrets.get(profile) == SECRET
    assert Secrets().get(profile) == ""  # a new session does not have it


def test_the_settings_dialog_says_when_there_is_no_keyring(qtbot, desk_factory, no_keyring):
    desk = desk_factory()
    open_settings(qtbot, desk)
    assert "kept in memory for this session only" in desk.settings_dialog.keyring_note.text()
    desk.settings_dialog.reject()


def test_test_connection_reports_working_keys_in_words(qtbot, desk_factory, keyed_sandbox):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.environment.setCurrentIndex(dialog.environment.findData(CUSTOM))
    dialog.custom_url.setText(keyed_sandbox.url)
    dialog.public_key.setText(OTHER_PUBLIC)
    dialog.secret_key.setText(SECRET)
    with qtbot.waitSignal(dialog.tested, timeout=WAIT) as result:
        dialog.test_button.click()
    assert result.args == [True, "The keys work: the server accepted the signed request."]
    dialog.reject()


def test_test_connection_reports_refused_keys_in_words(qtbot, desk_factory, keyed_sandbox):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.environment.setCurrentIndex(dialog.environment.findData(CUSTOM))
    dialog.custom_url.setText(keyed_sandbox.url)
    dialog.public_key.setText(OTHER_PUBLIC)
    dialog.secret_key.setText("wrong")
    with qtbot.waitSignal(dialog.tested, timeout=WAIT) as result:
        dialog.test_button.click()
    ok, words = result.args
    assert not ok and words.startswith("The server refused these keys: Signature does not match")
    assert "wrong" not in words
    dialog.reject()


def test_the_dialog_refuses_incomplete_settings_with_reasons(qtbot, desk_factory):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.environment.setCurrentIndex(dialog.environment.findData(PRODUCTION))
    dialog.email.setText("not-an-address")
    dialog.save_button.click()
    assert dialog.isVisible()
    text = dialog.error.text()
    assert "public API key" in text and "secret API key" in text and "not valid" in text
    dialog.reject()


def test_switching_environment_swaps_the_list_and_the_indicator_without_a_restart(
        qtbot, desk_factory, keyed_sandbox, memory_keyring):
    desk = desk_factory()
    window = desk.window
    desk.explore()  # the built-in sandbox
    assert window.environment_label.text().strip() == "Sandbox"
    qtbot.waitUntil(lambda: window.model.total() >= 50, timeout=WAIT)
    desk.apply(custom_profile(keyed_sandbox), SECRET)
    assert window.environment_label.text().strip() == f"Custom: {keyed_sandbox.url}"
    assert window.model.total() == 0  # the custom server's list is its own
    with qtbot.waitSignal(window.controller.opened, timeout=WAIT):
        window.open_ticket_number("12345678")
    assert window.model.total() == 1
    desk.explore()
    qtbot.waitUntil(lambda: window.model.total() >= 50, timeout=WAIT)
    assert "#2e7d32" in window.environment_label.styleSheet()


def test_a_saved_profile_is_used_at_the_next_start(qtbot, desk_factory, keyed_sandbox, memory_keyring):
    first = desk_factory()
    first.apply(custom_profile(keyed_sandbox), SECRET)
    first.shutdown()
    second = desk_factory()
    assert second.window.pages.currentWidget() is second.window.tabs
    assert second.connection is not None and second.connection.profile.public_key == OTHER_PUBLIC


def test_the_keyring_is_read_on_a_worker_at_start_and_for_settings(qtbot, desk_factory, keyed_sandbox,
                                                                     memory_keyring):
    first = desk_factory()
    first.apply(custom_profile(keyed_sandbox), SECRET)
    first.shutdown()
    memory_keyring.read_on.clear()
    second = desk_factory()  # connects with the saved profile: the secret comes from the keyring
    assert second.connection is not None and second.connection.client.public_key == OTHER_PUBLIC
    open_settings(qtbot, second).reject()
    assert len(memory_keyring.read_on) >= 2
    assert threading.main_thread() not in memory_keyring.read_on  # the UI thread never waits on the keyring


def test_a_missing_secret_at_start_asks_for_it_instead_of_failing(qtbot, desk_factory, keyed_sandbox, no_keyring):
    first = desk_factory()
    first.apply(custom_profile(keyed_sandbox), SECRET)  # memory only: gone with this session
    first.shutdown()
    second = desk_factory()
    assert second.connection is None
    assert second.window.pages.currentWidget() is second.window.welcome
    assert second.window.welcome.banner.isVisible()
    assert "secret API key is not available" in second.window.welcome.banner.text()


def test_the_demo_never_writes_the_agents_settings(qtbot, desk_factory, tmp_path):
    desk = desk_factory(demo=True)
    assert desk.connection is not None and desk.connection.profile.environment == SANDBOX
    desk.shutdown()
    assert load_profile(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)) == Profile()


def test_the_sandbox_keys_are_never_asked_for(desk_factory):
    desk = desk_factory()
    desk.explore()
    assert desk.connection.client.public_key == SAMPLE_PUBLIC_KEY
    assert SAMPLE_SECRET_KEY not in repr(desk.connection.client)


class BrokenKeyring(MemoryKeyring):
    """A keyring whose store fails the way a locked or absent D-Bus service does."""

    def get_password(self, service, username):
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")

    def set_password(self, service, username, password):
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")


def test_a_failing_keyring_neither_crashes_nor_loses_the_settings(qtbot, desk_factory, keyed_sandbox):
    keyring.set_keyring(BrokenKeyring())
    desk = desk_factory()
    assert desk.apply(custom_profile(keyed_sandbox), SECRET) is None
    assert desk.connection is not None  # connected with the secret kept in memory
    assert desk.secrets.get(custom_profile(keyed_sandbox)) == SECRET


def test_a_plaintext_file_keyring_is_not_trusted_with_the_secret(memory_keyring):
    type(memory_keyring).__module__ = "keyrings.alt.file"  # how keyrings.alt's PlaintextKeyring presents itself
    try:
        assert not Secrets.keyring_usable()
    finally:
        type(memory_keyring).__module__ = __name__


def test_switching_environment_drops_answers_from_the_old_one(qtbot, desk_factory, keyed_sandbox, memory_keyring):
    desk = desk_factory()
    desk.explore()
    window = desk.window
    qtbot.waitUntil(lambda: window.model.total() >= 50, timeout=WAIT)
    desk.connection.sandbox.faults.latency_ms = 300
    window.refresh()  # slow answers from the sandbox are on their way ...
    desk.apply(custom_profile(keyed_sandbox), SECRET)  # ... when the agent switches
    with qtbot.waitSignal(window.controller.opened, timeout=WAIT):
        window.open_ticket_number("12345678")
    desk.runner.pool.waitForDone(5000)
    QCoreApplication.processEvents()  # deliver anything queued: none may reach the new environment's list
    assert window.model.total() == 1


def test_a_custom_address_of_production_is_shown_as_production():
    profile = Profile(environment=CUSTOM, custom_url="https://api.agilantsolutions.com/")
    assert profile.label == "Production"


def test_changing_environment_in_the_dialog_brings_that_servers_keys_not_the_previous_ones(
        qtbot, desk_factory, keyed_sandbox, memory_keyring):
    desk = desk_factory()
    desk.apply(custom_profile(keyed_sandbox), SECRET)
    dialog = open_settings(qtbot, desk)
    assert dialog.public_key.text() == OTHER_PUBLIC
    dialog.environment.setCurrentIndex(dialog.environment.findData(PRODUCTION))
    assert (dialog.public_key.text(), dialog.secret_key.text()) == ("", "")
    dialog.environment.setCurrentIndex(dialog.environment.findData(CUSTOM))
    assert (dialog.public_key.text(), dialog.secret_key.text()) == (OTHER_PUBLIC, SECRET)
    dialog.reject()


def test_settings_is_one_dialog_that_is_deleted_when_closed(qtbot, desk_factory):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    desk.open_settings()  # again while it is open: the same dialog comes forward
    assert desk.settings_dialog is dialog
    assert len(desk.window.findChildren(type(dialog))) == 1
    with qtbot.waitSignal(dialog.destroyed, timeout=WAIT):
        dialog.reject()
    assert desk.settings_dialog is None
    assert desk.window.findChildren(type(dialog)) == []


def test_a_team_address_with_a_password_in_it_is_refused_with_the_reason(qtbot, desk_factory):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.email.setText("kim@togadesk.example")
    dialog.team_url.setText("postgresql://kim:hunter2@db.example.com/team")
    dialog.save_button.click()
    assert "Leave the password out" in dialog.error.text()
    dialog.team_url.setText("mysql://db.example.com/team")
    dialog.save_button.click()
    assert "postgresql://" in dialog.error.text()
    dialog.reject()


def test_the_team_password_goes_to_the_keyring_and_the_address_to_the_settings(qtbot, desk_factory, memory_keyring,
                                                                              tmp_path):
    desk = desk_factory()
    dialog = open_settings(qtbot, desk)
    dialog.email.setText("kim@togadesk.example")
    dialog.team_url.setText("postgresql://kim@127.0.0.1:1/team?connect_timeout=1")
    dialog.team_password.setText("team-" + SECRET)
    dialog.save_button.click()
    saved = load_profile(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert saved.team_url == "postgresql://kim@127.0.0.1:1/team?connect_timeout=1"
    assert memory_keyring.passwords[saved.team_keyring_key] == "team-" + SECRET
    assert SECRET not in (tmp_path / "settings.ini").read_text()
    assert desk.connection.team is not None  # the desk works with its team (offline here: nothing listens there)
