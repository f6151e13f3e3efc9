"""Builds the QApplication and the services, shows the main window, and shuts down cleanly.

``Desk`` owns what lives as long as the window: the local store, the task runner, the
settings and secrets, and the current environment's Connection, which it swaps when the
agent changes settings.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, QObject, QSettings, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from . import __version__, logs, single_instance, theme
from .api import ApiError
from .connection import Connection, SandboxFaults
from .controller import TicketController
from .crash import CrashReporter
from .os_signals import StopOnSignals
from .services.notifications import describe_change
from .settings import (
    SANDBOX,
    SPELLING_OFF,
    Profile,
    Secrets,
    load_profile,
    load_spelling,
    save_profile,
    save_spelling,
    saved_public_key,
)
from .spelling import language_for_locale
from .store import Change, Saved, open_store
from .tasks import TaskRunner
from .tickets import TicketRepository

if TYPE_CHECKING:  # dialogs are imported when first opened: the first paint does not wait for them
    from .views.about_dialog import AboutDialog
    from .views.settings_dialog import SettingsDialog
from .views.app_icon import app_icon
from .views.main_window import MainWindow
from .views.tray import Tray, badge_icon

APP_NAME = "TOGaDesk Agent"
ORGANIZATION = "TOGaDesk"
STORE_FILE = "togadesk.sqlite3"
DICTIONARY_FILE = "my-dictionary.txt"  # the words the agent added to spelling, one per line
SANDBOX_DB_FILE = "demo-sandbox.sqlite3"
DESKTOP_FILE = "togadesk-agent"
GC_FREEZE_ROWS = 20_000
QUIT_WAIT_MS = 1500  # quitting waits this long at most for workers (their requests are cancelled first)
DEMO_PROFILE = Profile(environment=SANDBOX, first_name="Sam", last_name="Agent",
                       email_address="sam.agent@togadesk.example")

log = logging.getLogger(__name__)


def demo_profile(agent: str) -> Profile:
    """``--agent "Jane Doe <jane.doe@team.example>"``: the demo desk's agent (a bare e-mail or name works too)."""
    name, _, rest = agent.partition("<")
    email = rest.rstrip("> ").strip() if rest else (name.strip() if "@" in name else "")
    name = "" if email == name.strip() else name.strip()
    first, _, last = name.partition(" ")
    return Profile(environment=SANDBOX, first_name=first, last_name=last.strip(), email_address=email)


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_FILE)  # Wayland and task bars match the window to the .desktop file
    return app


def data_dir() -> Path:
    """The platform's app-data folder (e.g. ~/.local/share/TOGaDesk/TOGaDesk Agent)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def keep_long_list_out_of_gc(rows: list) -> None:
    """A list this long lives for the session: full garbage collections need not walk it (70-90 ms at 100,000
    rows, each a tracked tuple). gc.freeze() moves what exists now out of their way; rows freed later are
    still freed (by reference count). Once per process: each freeze also keeps whatever cyclic garbage
    exists at that moment (a few hundred objects), so it must not repeat at every environment switch."""
    if len(rows) > GC_FREEZE_ROWS and not gc.get_freeze_count():
        gc.freeze()


class Desk(QObject):
    """The running app: window, store, runner, settings, and the live connection."""

    ready = Signal()  # the start-up connection is made, or it could not be (the window says why)
    settings_shown = Signal(object)  # the SettingsDialog, once its keyring facts are read

    def __init__(self, folder: Path, settings: QSettings, secrets: Secrets, *, demo: bool = False,
                 log_file: Path | None = None, faults: SandboxFaults | None = None, team_url: str = "",
                 demo_profile: Profile | None = None):
        super().__init__()
        self.team_url = team_url
        self.folder = folder
        self.log_file = log_file
        self.settings = settings
        self.secrets = secrets
        self.demo = demo
        self.faults = faults
        self.store, self.store_problem = open_store(folder / STORE_FILE)  # a damaged file is moved aside, in words
        if self.store_problem:
            log.warning("%s", self.store_problem)
        self.runner = TaskRunner()
        self.controller = TicketController(self.runner, parent=self)
        self.live = self.controller.live
        self.connection: Connection | None = None
        self._stored: TicketRepository | None = None  # the list shown before the connection; it adopts it
        self.demo_profile = demo_profile or DEMO_PROFILE
        self._settings_shown_with = ("", "")  # the secret and team password the Settings dialog opened with
        self.profile = self.demo_profile if demo else load_profile(settings)
        theme.apply(theme.load(settings))  # before the first widget: the window opens in its colours
        self.window = MainWindow(self.controller, "Not configured", self._agent(self.profile), settings=settings)
        self.window.settings_requested.connect(self.open_settings)
        self.window.explore_requested.connect(self.explore)
        self.window.about_requested.connect(self.show_about)
        self.controller.list_loaded.connect(keep_long_list_out_of_gc)
        self.controller.ticket_changed.connect(self.changed)
        self.settings_dialog: SettingsDialog | None = None
        QApplication.setWindowIcon(app_icon())  # dialogs too; a build that lost the icon fails here, with a dialog
        self.window.setWindowIcon(badge_icon(0))
        self.tray = Tray(self.window, parent=self)
        self.window.model.modelReset.connect(self._unread_changed)
        self.window.model.dataChanged.connect(self._unread_changed)
        self.tray.ticket_requested.connect(self.open_from_notification)

    @staticmethod
    def _agent(profile: Profile):
        from .services.tickets import Agent

        return Agent(profile.first_name, profile.last_name, profile.email_address)

    def start(self) -> None:
        """The stored list first: the server, the sandbox and the keyring come after the window's first paint."""
        if self.profile.configured:
            self._stored = TicketRepository(self.store, self.profile.store_key)
            self.controller.show_stored(self._stored)
            self.window.show_environment(self.profile.label, self._agent(self.profile))
        self.window.installEventFilter(self)
        self.window.show()
        if self.store_problem:
            self.window.notify(self.store_problem)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self._connect_saved)  # once this frame is on screen
            QTimer.singleShot(0, self._start_spelling)
        return False

    @Slot()
    def _start_spelling(self) -> None:
        choice = load_spelling(self.settings)
        language = "" if choice == SPELLING_OFF else choice or language_for_locale(QLocale.system().name())
        self.window.use_spelling(language, self.folder / DICTIONARY_FILE)

    @Slot(str)
    def keep_spelling(self, choice: str) -> None:
        save_spelling(self.settings, choice)
        self._start_spelling()

    @Slot()
    def _connect_saved(self) -> None:
        profile = self.profile
        if not profile.configured or self.connection is not None:
            self.ready.emit()
        elif profile.environment == SANDBOX and not profile.team_url:
            self.connect(profile, "")
            self.ready.emit()
        else:  # the keyring may be slow (D-Bus, a locked store): read it on a worker
            self.runner.submit(self._secrets_for, profile, on_done=self._secrets_read)

    def _secrets_for(self, profile: Profile) -> tuple[Profile, str, str]:
        secret = self.secrets.get(profile) if profile.environment != SANDBOX else ""
        return profile, secret, self.secrets.team_password(profile)

    @Slot(object)
    def _secrets_read(self, read: tuple[Profile, str, str]) -> None:
        profile, secret, team_password = read
        if profile is self.profile and self.connection is None:  # not changed in Settings meanwhile
            self.connect(profile, secret, team_password)
        self.ready.emit()

    def connect(self, profile: Profile, secret: str, team_password: str = "") -> bool:
        """Opens ``profile``'s environment in the window; False (with a message) when it cannot."""
        stored, self._stored = self._stored, None
        missing = profile.environment != SANDBOX and not secret
        if missing or self.connection is not None or stored is None or stored.env != profile.store_key:
            stored = None
            self.close_connection()  # cancels the old environment's tasks: none of its answers lands in the new one
            self.window.show_environment("Not configured", self._agent(profile))
        self.profile = profile
        if missing:
            self.window.notify(
                "The secret API key is not available on this computer (no system keyring, or it was removed). "
                "Enter it in Settings.", kind="info", retry=self.open_settings, action_text="Open &settings",
            )
            return False
        try:
            self.connection = Connection(profile, secret, self.store, self.folder / SANDBOX_DB_FILE, self.faults,
                                         stored, team_url=self.team_url or profile.team_url,
                                         team_password=team_password)
        except (ApiError, OSError, sqlite3.Error) as error:
            log.warning("Could not connect to %s: %s", profile.label, error)
            self.window.notify(f"Could not connect to {profile.label}: {error}")
            return False
        connection = self.connection
        self.controller.connect_to(connection.tickets, connection.scope, active_minutes=profile.refresh_minutes)
        self.window.show_environment(profile.label, connection.agent, connection.orders)
        if connection.sandbox is not None and not connection.repository.count():
            self.controller.learn(connection.sandbox.store.ticket_numbers())  # each joins the list when stored
        self.tray.enabled = profile.notifications
        if profile.webhook_enabled:
            try:
                url = self.live.start_listener(profile.webhook_host, profile.webhook_port, profile.webhook_path)
                log.info("Listening for webhooks at %s", url)
            except OSError as error:
                self.window.notify(f"Webhooks are switched on but the listener could not start on "
                                   f"{profile.webhook_host}:{profile.webhook_port}: {error.strerror or error}. "
                                   "Tickets are still refreshed in the background.", kind="info")
        return True

    @Slot(object)
    def changed(self, saved: Saved) -> None:
        """A change the ticket owner accepted: tell the agent if it is news (unread: not on screen)."""
        if self.connection is None or saved.change is Change.SAME or not saved.row.unread:
            return
        text = describe_change(saved, saved.ticket, self.profile.email_address)
        if text:
            self.tray.notify(saved.row.number, text)

    @Slot(object)
    def open_from_notification(self, number: int) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.window.tabs.setCurrentIndex(0)
        self.controller.open(number)

    @Slot()
    def _unread_changed(self) -> None:
        self.tray.set_unread(self.window.model.unread_count())

    @Slot()
    def open_settings(self) -> None:
        """One Settings dialog at a time (deleted when closed); the keyring is read on a worker first."""
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        self.runner.submit(self._keyring_facts, self.profile, on_done=self._show_settings)

    def _keyring_facts(self, profile: Profile) -> tuple[Profile, str, bool, str, str]:
        """On a worker: the keyring may answer slowly (D-Bus, a locked store)."""
        secret = self.secrets.get(profile) if profile.configured else ""
        return (profile, secret, self.secrets.keyring_usable(), self.secrets.backend_name(),
                self.secrets.team_password(profile))

    @Slot(object)
    def _show_settings(self, facts: tuple[Profile, str, bool, str, str]) -> None:
        profile, secret, usable, name, team_password = facts
        self._settings_shown_with = (secret, team_password)
        if self.settings_dialog is not None or profile is not self.profile:
            return
        from .views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.runner, profile, secret, keyring_usable=usable, keyring_name=name,
                                keys_for=self.keys_for, team_password=team_password,
                                theme=theme.load(self.settings), spelling=load_spelling(self.settings),
                                parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self.apply)
        dialog.theme_chosen.connect(self.show_theme)
        dialog.theme_saved.connect(self.keep_theme)
        dialog.spelling_saved.connect(self.keep_spelling)
        dialog.rejected.connect(self.restore_theme)
        dialog.destroyed.connect(self._settings_closed)
        self.settings_dialog = dialog
        dialog.open()
        self.settings_shown.emit(dialog)

    @Slot()
    def _settings_closed(self) -> None:
        self.settings_dialog = None

    @Slot(str)
    def show_theme(self, choice: str) -> None:
        """Light, Dark or System as soon as it is picked in Settings; kept only when Save is pressed."""
        theme.apply(choice)

    @Slot(str)
    def keep_theme(self, choice: str) -> None:
        """The appearance is this workstation's, like the window's place: kept in the demo too."""
        theme.save(self.settings, choice)
        theme.apply(choice)

    @Slot()
    def restore_theme(self) -> None:
        """Settings cancelled: the saved appearance again."""
        theme.apply(theme.load(self.settings))

    def keys_for(self, profile: Profile) -> tuple[str, str]:
        """The public and secret key last used with ``profile``'s server (empty when never)."""
        public = saved_public_key(self.settings, profile.base_url)
        return public, self.secrets.get(replace(profile, public_key=public)) if public else ""

    @Slot(object, str, str)
    def apply(self, profile: Profile, secret: str, team_password: str = "") -> None:
        """Settings saved: the server is connected again only when something it depends on changed (a reply on
        its way would be stopped by it: the agent is told, the text is kept)."""
        if profile == self.profile and (secret, team_password) == self._settings_shown_with and \
                self.connection is not None:
            return  # only the appearance or the spelling changed: they apply by themselves
        if self.controller.sending_any:
            self.window.notify("Settings changed the connection while a reply was on its way: it may have been "
                               "stopped. Its ticket shows whether it arrived; if not, its text is back in that "
                               "ticket's reply box (Help > What this desk sent says which).", kind="info")
        if profile.environment != SANDBOX:
            self.secrets.set(profile, secret)
        if profile.team_url:
            self.secrets.set_team_password(profile, team_password)
        if not self.demo:
            save_profile(self.settings, profile)
        self.connect(profile, secret, team_password)

    @Slot()
    def show_about(self) -> AboutDialog:
        from .views.about_dialog import AboutDialog, AboutFacts

        facts = AboutFacts(__version__, self.folder, self.log_file, self.secrets.backend_name()
                           if self.secrets.keyring_usable() else "this session only (no usable OS keyring)")
        dialog = AboutDialog(facts, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot()
    def quit(self) -> None:
        """As the agent's Quit: the window closes (keeping the draft and layout) and the event loop ends."""
        self.window.close()
        QApplication.quit()

    @Slot()
    def explore(self) -> None:
        demo = self.demo_profile
        self.apply(Profile(environment=SANDBOX, first_name=demo.first_name, last_name=demo.last_name,
                           email_address=demo.email_address), "")

    def close_connection(self) -> None:
        self.live.stop()
        self.controller.connect_to(None)  # nothing reaches the old server while the next list is being read
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def shutdown(self) -> bool:
        """Bounded whatever the server does: requests are cancelled, then workers get ``QUIT_WAIT_MS``.

        Returns False when a worker was still busy; the store then stays open for it (the process is ending).
        """
        self.close_connection()
        done = self.runner.shutdown(QUIT_WAIT_MS)
        if done:
            self.store.close()
        else:
            log.warning("A background task was still running at quit")
        return done


def run(*, demo: bool = False, log_level: int = logging.INFO, faults: SandboxFaults | None = None,
        team_url: str = "", data_folder: str | None = None, agent: str = "") -> int:
    """Shows the main window until the agent quits (or Ctrl+C / SIGTERM); returns the exit code.

    ``data_folder``: this desk's own data and settings instead of the platform's (``--data-dir``).
    ``agent``: with ``demo``, "First Last <email>" instead of the demo's Sam Agent (``--agent``)."""
    app = make_application()
    crashes = CrashReporter(None).install()  # first: whatever fails from here on is shown, not just printed
    desk: Desk | None = None
    stopper: StopOnSignals | None = None
    claim: single_instance.Claim | None = None
    try:
        folder = Path(data_folder).resolve() if data_folder else data_dir()
        claim = single_instance.claim(folder)  # first: a second launch must not touch this folder's log or store
        if claim is None:  # a desk runs on this folder: it comes forward, this launch ends
            crashes.uninstall()
            return single_instance.hand_over(folder)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat) if data_folder else QSettings()
        crashes.log_file = logs.configure(folder / "logs", log_level)
        log.info("TOGaDesk Agent %s starting%s", __version__, " (demo)" if demo else "")
        desk = Desk(folder, settings, Secrets(), demo=demo, log_file=crashes.log_file, faults=faults,
                    team_url=team_url, demo_profile=demo_profile(agent) if demo and agent else None)
        claim.serve(lambda: single_instance.bring_forward(desk.window))
        stopper = StopOnSignals(desk.quit)
        desk.start()
    except Exception as error:  # a start that fails must say so, not vanish (no console when packaged)
        if stopper is not None:
            stopper.uninstall()
        crashes.fatal(error)
        if desk is not None:
            with contextlib.suppress(Exception):  # already failing; the first error is the one that matters
                desk.shutdown()
        if claim is not None:
            claim.release()
        crashes.uninstall()
        return 1
    code = 1
    try:
        code = app.exec()
    finally:
        clean = desk.shutdown()  # a second Ctrl+C meanwhile only queues another quit: the handler stays
        claim.release()
        stopper.uninstall()
        crashes.uninstall()
    if not clean:
        # A worker is stuck outside any request (a hung file system, say): Qt would wait for it at exit for
        # ever. Everything the agent typed is stored already; end the process now.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
