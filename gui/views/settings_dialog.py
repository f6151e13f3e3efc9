"""The settings dialog: environment, API keys (secret to the OS keyring), the agent's identity, preferences.

Rows appear and disappear with the environment; the dialog's height follows them (a wrapped note is
never clipped, a hidden row leaves no gap) and stays within the screen: on a short one the form scrolls.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QLocale, QSize, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError
from ..api import validation as v
from ..connection import check_keys
from ..settings import (
    BETA,
    CUSTOM,
    ENVIRONMENT_NAMES,
    ENVIRONMENT_URLS,
    PRODUCTION,
    SANDBOX,
    SPELLING_OFF,
    SPELLING_SYSTEM,
    Profile,
    secret_problem,
)
from ..spelling import LANGUAGE_NAMES, available_languages, language_for_locale
from ..tasks import TaskRunner
from ..theme import CHOICES, SYSTEM
from .banner import ToneLabel, error_label


class _FormArea(QScrollArea):
    """The form, exactly as tall as its visible rows at its width; it scrolls only when the screen is shorter."""

    def __init__(self, page: QWidget):
        super().__init__()
        self.setWidget(page)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, never to the frame around them

    def sizeHint(self) -> QSize:
        page = self.widget()
        hint = page.sizeHint()
        width = self.width() if self.isVisible() else hint.width()
        height = page.heightForWidth(width) if page.hasHeightForWidth() else hint.height()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), height)


class SettingsDialog(QDialog):
    applied = Signal(object, str, str)  # Profile, secret key, team database password
    tested = Signal(bool, str)  # keys worked?, words
    theme_chosen = Signal(str)  # Light, Dark or System picked: shown at once (Cancel brings the saved one back)
    theme_saved = Signal(str)  # Save pressed with this appearance
    spelling_saved = Signal(str)  # Save pressed with this spelling choice (settings.load_spelling's words)

    def __init__(self, runner: TaskRunner, profile: Profile, secret: str, *, keyring_usable: bool,
                 keyring_name: str, keys_for: Callable[[Profile], tuple[str, str]] | None = None,
                 team_password: str = "", theme: str = SYSTEM, spelling: str = SPELLING_SYSTEM,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._keys_for = keys_for
        self._keys_url = profile.base_url  # the server whose keys are in the fields now
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._runner = runner

        self.environment = QComboBox()
        for key in (SANDBOX, BETA, PRODUCTION, CUSTOM):
            text = ENVIRONMENT_NAMES[key]
            if key in ENVIRONMENT_URLS:
                text += f" ({ENVIRONMENT_URLS[key]})"
            elif key == SANDBOX:
                text += " (built in, no account needed)"
            self.environment.addItem(text, key)
        self.environment.setAccessibleName("Environment")
        self.environment.setToolTip("Which server to work with")
        self.custom_url = QLineEdit(profile.custom_url)
        self.custom_url.setPlaceholderText("https://…")
        self.custom_url.setAccessibleName("Custom server address")
        self.custom_url.setToolTip("The address of a custom TOGa API server")
        self.public_key = QLineEdit(profile.public_key)
        self.public_key.setAccessibleName("Public API key")
        self.public_key.setToolTip("The public API key from Agilant")
        self.secret_key = QLineEdit(secret)
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_key.setAccessibleName("Secret API key")
        self.secret_key.setToolTip("The secret API key; stored only in the operating system's keyring")
        self.keyring_note = ToneLabel("" if keyring_usable else "warning")
        self.keyring_note.setWordWrap(True)
        if keyring_usable:
            self.keyring_note.setText(f"The secret key is kept in the system keyring ({keyring_name}).")
        else:
            self.keyring_note.setText(
                "No system keyring is available on this computer, so the secret key is kept in memory for "
                "this session only and must be entered again next time. It is never written to disk."
            )
        self.test_button = QPushButton("&Test connection")
        self.test_button.setToolTip("Send one signed request with these values and report the answer")
        self.test_result = ToneLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName("Test result")
        self.test_button.clicked.connect(self.test_connection)

        self.first_name = QLineEdit(profile.first_name)
        self.first_name.setAccessibleName("Your first name")
        self.first_name.setToolTip("Shown as the author of your replies")
        self.last_name = QLineEdit(profile.last_name)
        self.last_name.setAccessibleName("Your last name")
        self.last_name.setToolTip("Shown as the author of your replies")
        self.email = QLineEdit(profile.email_address)
        self.email.setAccessibleName("Your e-mail address")
        self.email.setToolTip("Sent with your replies")
        self.refresh = QSpinBox()
        self.refresh.setRange(1, 120)
        self.refresh.setSuffix(" min")
        self.refresh.setValue(profile.refresh_minutes)
        self.refresh.setAccessibleName("Refresh interval")
        self.refresh.setToolTip("How often open tickets are fetched again")
        self.notifications = QCheckBox("Desktop notifications for new replies and status changes")
        self.notifications.setChecked(profile.notifications)
        self.notifications.setToolTip("Show a notification when a tracked ticket changes")
        self.theme = QComboBox()
        for key, text in CHOICES.items():
            self.theme.addItem(text, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        self.theme.setAccessibleName("Appearance")
        self.theme.setToolTip("Light, Dark, or as the desktop is set; shown at once")
        self.theme.currentIndexChanged.connect(self._theme_changed)
        self.spelling = QComboBox()
        languages = available_languages()
        system = language_for_locale(QLocale.system().name(), languages)
        self.spelling.addItem(f"The system's language ({LANGUAGE_NAMES.get(system, system) or 'none'})",
                              SPELLING_SYSTEM)
        for code in languages:
            self.spelling.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.spelling.addItem("Off", SPELLING_OFF)
        self.spelling.setCurrentIndex(max(0, self.spelling.findData(spelling)))
        self.spelling.setAccessibleName("Spelling")
        self.spelling.setToolTip("Misspellings are underlined in your replies and new tickets; right-click one for "
                                 "suggestions or to add it to your dictionary")
        self.webhook_enabled = QCheckBox("Listen for the vendor's webhooks on this computer")
        self.webhook_enabled.setChecked(profile.webhook_enabled)
        self.webhook_enabled.setToolTip("Off by default. Webhooks are only hints: every one is checked with a "
                                        "signed request before anything changes")
        self.webhook_host = QLineEdit(profile.webhook_host)
        self.webhook_host.setAccessibleName("Webhook bind address")
        self.webhook_host.setToolTip("127.0.0.1 accepts only this computer (a relay on it); 0.0.0.0 the network")
        self.webhook_port = QSpinBox()
        self.webhook_port.setRange(1, 65535)
        self.webhook_port.setValue(profile.webhook_port)
        self.webhook_port.setAccessibleName("Webhook port")
        self.webhook_port.setToolTip("The port to listen on")
        self.webhook_path = QLineEdit(profile.webhook_path)
        self.webhook_path.setAccessibleName("Webhook path")
        self.webhook_path.setToolTip("The path the vendor (or your relay) posts to")
        self.team_url = QLineEdit(profile.team_url)
        self.team_url.setPlaceholderText("postgresql://you@db.example.com/team (empty: this desk works alone)")
        self.team_url.setAccessibleName("Team database")
        self.team_url.setToolTip("Share tickets with your team through this PostgreSQL database; no password here")
        self.team_password = QLineEdit(team_password)
        self.team_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.team_password.setAccessibleName("Team database password")
        self.team_password.setToolTip("Stored only in the operating system's keyring (empty when a .pgpass file "
                                      "or your IT's setup provides it)")
        self.error = error_label()

        form = QFormLayout()
        form.addRow("Environment", self.environment)
        form.addRow("Server address", self.custom_url)
        form.addRow("Public API key", self.public_key)
        form.addRow("Secret API key", self.secret_key)
        form.addRow("", self.keyring_note)
        form.addRow(self.test_button, self.test_result)
        form.addRow("First name", self.first_name)
        form.addRow("Last name", self.last_name)
        form.addRow("E-mail", self.email)
        form.addRow("Refresh every", self.refresh)
        form.addRow("", self.notifications)
        form.addRow("&Appearance", self.theme)
        form.addRow("Spe&lling", self.spelling)
        form.addRow("", self.webhook_enabled)
        form.addRow("Listen on", self.webhook_host)
        form.addRow("Port", self.webhook_port)
        form.addRow("Path", self.webhook_path)
        form.addRow("Team database", self.team_url)
        form.addRow("Team password", self.team_password)
        self._form = form
        page = QWidget()
        page.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        self.form_area = _FormArea(page)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save")  # Alt+S: the standard button has no mnemonic of its own
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form_area, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.webhook_enabled.toggled.connect(self._webhook_toggled)
        self._webhook_toggled(profile.webhook_enabled)
        self.environment.currentIndexChanged.connect(self._environment_changed)
        self.custom_url.editingFinished.connect(self._environment_changed)
        index = self.environment.findData(profile.environment or SANDBOX)
        self.environment.setCurrentIndex(max(0, index))
        self._environment_changed()

    def profile(self) -> Profile:
        return Profile(
            environment=self.environment.currentData(), custom_url=self.custom_url.text().strip(),
            public_key=self.public_key.text().strip(), first_name=self.first_name.text().strip(),
            last_name=self.last_name.text().strip(), email_address=self.email.text().strip(),
            refresh_minutes=self.refresh.value(), notifications=self.notifications.isChecked(),
            webhook_enabled=self.webhook_enabled.isChecked(), webhook_host=self.webhook_host.text().strip(),
            webhook_port=self.webhook_port.value(), webhook_path=self.webhook_path.text().strip() or "/toga/webhook",
            team_url=self.team_url.text().strip(),
        )

    def problems(self) -> list[str]:
        profile = self.profile()
        found = []
        if profile.environment == CUSTOM and not profile.base_url.startswith(("https://", "http://")):
            found.append("The server address must start with https:// (or http:// for a local test server).")
        if profile.environment != SANDBOX:
            if not profile.public_key:
                found.append("Enter the public API key.")
            if not self.secret_key.text().strip():
                found.append("Enter the secret API key.")
        if profile.email_address:
            try:
                v.email(profile.email_address)
            except ApiError as error:
                found.append(error.message)
        else:
            found.append("Enter your e-mail address: replies are sent with it.")
        if profile.team_url:
            found.extend(team_url_problems(profile.team_url))
        for secret, what in ((self.secret_key.text().strip(), "secret API key"),
                             (self.team_password.text(), "team password")):
            if problem := secret_problem(secret, what):
                found.append(problem)
        return found

    @Slot()
    def _environment_changed(self) -> None:
        sandbox = self.environment.currentData() == SANDBOX
        custom = self.environment.currentData() == CUSTOM
        self._form.setRowVisible(self.custom_url, custom)
        for widget in (self.public_key, self.secret_key, self.keyring_note):
            self._form.setRowVisible(widget, not sandbox)
        self._form.setRowVisible(self.test_button, not sandbox)
        self.test_result.clear()
        self.fit()
        url = self.profile().base_url
        if self._keys_for is not None and url and url != self._keys_url:
            # Another server: its own keys (or empty ones), never the previous server's.
            public, secret = self._keys_for(self.profile())
            self.public_key.setText(public)
            self.secret_key.setText(secret)
            self._keys_url = url

    def theme_choice(self) -> str:
        return self.theme.currentData()

    @Slot()
    def _theme_changed(self) -> None:
        self.theme_chosen.emit(self.theme_choice())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

    def fit(self) -> None:
        """Height to the rows shown now at this width (no clipped note, no gap), within the screen's height."""
        if not self.isVisible():
            return  # the first show sizes the dialog from the same hints
        self.form_area.widget().layout().activate()
        self.form_area.updateGeometry()
        layout = self.layout()
        layout.invalidate()
        width = self.width()
        height = self.heightForWidth(width) if self.hasHeightForWidth() else layout.sizeHint().height()
        screen = self.screen().availableGeometry()
        frame = self.frameGeometry().height() - self.height()  # the title bar, once the window manager added it
        self.resize(width, max(self.minimumHeight(), min(height, screen.height() - frame)))
        outer = self.frameGeometry()
        if outer.bottom() > screen.bottom():  # grown past the screen's foot: move up, never off its top
            self.move(self.x(), max(screen.top(), screen.bottom() - outer.height() + 1))

    @Slot(bool)
    def _webhook_toggled(self, on: bool) -> None:
        for widget in (self.webhook_host, self.webhook_port, self.webhook_path):
            widget.setEnabled(on)

    @Slot()
    def test_connection(self) -> None:
        profile = self.profile()
        url = profile.base_url
        if not url.startswith(("https://", "http://")):
            self.test_result.setText("Enter the server address first.")
            return
        self.test_button.setEnabled(False)
        self.test_result.set_tone("")
        self.test_result.setText("Testing…")
        self._runner.submit(check_keys, url, profile.public_key, self.secret_key.text().strip(),
                            on_done=self._test_passed, on_error=self._test_failed)

    @Slot(object)
    def _test_passed(self, words: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.set_tone("success")
        self.test_result.setText(words)
        self.fit()
        self.tested.emit(True, words)

    @Slot(object)
    def _test_failed(self, error: ApiError) -> None:
        self.test_button.setEnabled(True)
        self.test_result.set_tone("error")
        self.test_result.setText(error.message)
        self.fit()
        self.tested.emit(False, error.message)

    @Slot()
    def save(self) -> None:
        problems = self.problems()
        if problems:
            self.error.setText(" ".join(problems))
            self.error.show()
            self.fit()
            return
        self.applied.emit(self.profile(), self.secret_key.text().strip(), self.team_password.text())
        self.theme_saved.emit(self.theme_choice())
        self.spelling_saved.emit(self.spelling.currentData())
        self.accept()


def team_url_problems(url: str) -> list[str]:
    """A team URL is a postgresql:// address without a password (that goes to the keyring)."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname:
        return ["The team database must be an address like postgresql://you@db.example.com/team."]
    if parsed.password or "password=" in parsed.query.lower():
        return ["Leave the password out of the team database address: type it in Team password (it goes to the "
                "keyring, not the settings file)."]
    return []
