"""The agent's settings: preferences in QSettings, the secret API key only in the OS keyring.

The secret never touches QSettings, the local database or the logs. Where no usable
keyring exists (a bare Linux box), it is kept in memory for this session only and the
settings dialog says so; it is never written to disk in plain text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

SANDBOX, BETA, PRODUCTION, CUSTOM = "sandbox", "beta", "production", "custom"
ENVIRONMENT_URLS = {
    BETA: "https://api.beta.agilantsolutions.com",
    PRODUCTION: "https://api.agilantsolutions.com",
}
ENVIRONMENT_NAMES = {SANDBOX: "Sandbox", BETA: "Beta", PRODUCTION: "Production", CUSTOM: "Custom"}
SANDBOX_STORE_KEY = "demo-sandbox"  # the built-in sandbox's partition of the local store
DEFAULT_REFRESH_MINUTES = 5


@dataclass(frozen=True)
class Profile:
    """Everything but the secret: safe to keep in QSettings."""

    environment: str = ""
    custom_url: str = ""
    public_key: str = ""
    first_name: str = ""
    last_name: str = ""
    email_address: str = ""
    refresh_minutes: int = DEFAULT_REFRESH_MINUTES
    notifications: bool = True
    webhook_enabled: bool = False
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8765
    webhook_path: str = "/toga/webhook"
    team_url: str = ""  # the team database (postgresql://user@host/db); its password only in the keyring

    @property
    def configured(self) -> bool:
        return self.environment in ENVIRONMENT_NAMES

    @property
    def base_url(self) -> str:
        """The server address; empty for the built-in sandbox (its port is chosen at start)."""
        if self.environment == CUSTOM:
            return self.custom_url.strip().rstrip("/")
        return ENVIRONMENT_URLS.get(self.environment, "")

    @property
    def label(self) -> str:
        """What the status bar shows: the environment's name, or the custom server's address."""
        if self.environment == CUSTOM:
            for known, url in ENVIRONMENT_URLS.items():
                if self.base_url.lower() == url:  # the same server by another name keeps its colour
                    return ENVIRONMENT_NAMES[known]
            return f"Custom: {self.base_url}"
        return ENVIRONMENT_NAMES.get(self.environment, "Not configured")

    @property
    def store_key(self) -> str:
        """Which partition of the local store this profile's tickets live in."""
        return SANDBOX_STORE_KEY if self.environment == SANDBOX else self.base_url

    @property
    def keyring_service(self) -> str:
        """One keyring entry per server, so Beta and Production keys never overwrite each other."""
        return f"TOGaDesk Agent ({self.base_url})"

    @property
    def team_keyring_key(self) -> tuple[str, str]:
        """Where the team database's password lives in the keyring: one entry per team URL."""
        return f"TOGaDesk team ({self.team_url})", "team"


_FIELDS = {
    "environment": str, "custom_url": str, "public_key": str, "first_name": str, "last_name": str,
    "email_address": str, "refresh_minutes": int, "notifications": bool,
    "webhook_enabled": bool, "webhook_host": str, "webhook_port": int, "webhook_path": str, "team_url": str,
}


def load_profile(settings: QSettings) -> Profile:
    values = {}
    for name, kind in _FIELDS.items():
        raw = settings.value(f"profile/{name}")
        if raw is None:
            continue
        if kind is bool:
            values[name] = raw in (True, "true", "1", 1)
        elif kind is int:
            try:
                values[name] = max(1, int(raw))
            except (TypeError, ValueError):
                continue
        else:
            values[name] = str(raw)
    return replace(Profile(), **values)


def save_profile(settings: QSettings, profile: Profile) -> None:
    for name in _FIELDS:
        settings.setValue(f"profile/{name}", getattr(profile, name))
    if profile.base_url and profile.public_key:
        settings.setValue(f"public-keys/{_url_key(profile.base_url)}", profile.public_key)
    settings.sync()


def saved_public_key(settings: QSettings, base_url: str) -> str:
    """The public key last used with this server, so switching Beta/Production brings its own keys back."""
    return str(settings.value(f"public-keys/{_url_key(base_url)}", "") or "")


def _url_key(url: str) -> str:
    return url.lower().replace("://", "_").replace("/", "_").replace(":", "_")


SECRET_BYTES = 2560  # Windows Credential Manager keeps at most this many bytes of a secret (UTF-16: 1,280 chars)


def secret_problem(secret: str, what: str) -> str:
    """Why the OS keyring could not keep ``secret`` on every platform ('' when it can), in words."""
    if len(secret.encode("utf-16-le")) > SECRET_BYTES:
        return (f"The {what} is longer than the {SECRET_BYTES // 2:,} characters Windows Credential Manager "
                "keeps; check that the whole of it (and nothing else) was pasted.")
    return ""


class Secrets:
    """The secret API key per server: OS keyring when usable, else this session's memory."""

    def __init__(self) -> None:
        self._memory: dict[tuple[str, str], str] = {}

    @staticmethod
    def keyring_usable() -> bool:
        """True only for a real OS store: not keyring's fail/null backends, not plaintext files.

        keyring's own OS backends have priority >= 1; keyrings.alt's file backends (plaintext or
        weakly encrypted files on disk) sit below 1 and are refused.
        """
        import keyring  # here, not at the top: about 45 ms that start-up need not pay

        try:
            backend = keyring.get_keyring()
            priority = float(getattr(backend, "priority", 0))
        except Exception:  # a broken backend is as good as none
            log.warning("The OS keyring could not be loaded")
            return False
        return priority >= 1 and not type(backend).__module__.startswith("keyrings.alt")

    @staticmethod
    def backend_name() -> str:
        import keyring

        try:
            backend = keyring.get_keyring()
        except Exception:
            return "none"
        return getattr(backend, "name", type(backend).__name__)

    def get(self, profile: Profile) -> str:
        return self._read((profile.keyring_service, profile.public_key)) if profile.public_key else ""

    def team_password(self, profile: Profile) -> str:
        """The team database's password ('' when none is needed: a .pgpass file or trust on a lab server)."""
        return self._read(profile.team_keyring_key) if profile.team_url else ""

    def set_team_password(self, profile: Profile, password: str) -> bool:
        return self._write(profile.team_keyring_key, password) if profile.team_url else False

    def _read(self, key: tuple[str, str]) -> str:
        if key in self._memory:
            return self._memory[key]
        if not self.keyring_usable():
            return ""
        import keyring

        try:
            return keyring.get_password(*key) or ""
        except Exception as error:  # D-Bus, locked store, anything: never crash, never log the value
            log.warning("Could not read the secret key from the OS keyring (%s)", type(error).__name__)
            return ""

    def set(self, profile: Profile, secret: str) -> bool:
        """Stores the secret; True when it went to the OS keyring, False when kept in memory only."""
        return self._write((profile.keyring_service, profile.public_key), secret)

    def _write(self, key: tuple[str, str], secret: str) -> bool:
        if self.keyring_usable():
            import keyring

            try:
                keyring.set_password(*key, secret)
                self._memory.pop(key, None)
                return True
            except Exception as error:  # never crash, never log the value
                log.warning("Could not write the secret key to the OS keyring (%s); keeping it for this session",
                            type(error).__name__)
        self._memory[key] = secret
        return False


SPELLING_KEY = "spelling/language"
SPELLING_SYSTEM, SPELLING_OFF = "", "off"  # the system's language (default), or no spelling at all


def load_spelling(settings: QSettings) -> str:
    """The spelling choice: SPELLING_SYSTEM, SPELLING_OFF or a dictionary's language code. This workstation's,
    like the appearance: not part of a server's profile."""
    return str(settings.value(SPELLING_KEY, SPELLING_SYSTEM) or SPELLING_SYSTEM)


def save_spelling(settings: QSettings, choice: str) -> None:
    settings.setValue(SPELLING_KEY, choice)
    settings.sync()


SIGNATURE_CHARS = 2_000


def _signature_key(environment: str, email: str) -> str:
    return f"signatures/{_url_key(environment or 'none')}/{_url_key(email.strip().casefold() or 'nobody')}"


def load_signature(settings: QSettings, environment: str, email: str) -> str:
    """The agent's signature in ``environment`` (its label: Sandbox, Production, Custom: URL): one per agent and
    environment, so a test signature never reaches a real customer."""
    return str(settings.value(_signature_key(environment, email), "") or "")[:SIGNATURE_CHARS]


def save_signature(settings: QSettings, environment: str, email: str, text: str) -> None:
    settings.setValue(_signature_key(environment, email), text[:SIGNATURE_CHARS])
    settings.sync()
