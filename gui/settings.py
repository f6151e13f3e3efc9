"""The agent's settings: preferences in QSettings, the secret API key only in the OS keyring.

The secret never touches QSettings, the local database or the logs. Where no usable
keyring exists (a bare Linux box), it is kept in memory for this session only and the
settings dialog says so; it is never written to disk in plain text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import keyring
import keyring.errors
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


_FIELDS = {
    "environment": str, "custom_url": str, "public_key": str, "first_name": str, "last_name": str,
    "email_address": str, "refresh_minutes": int, "notifications": bool,
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
    settings.sync()


class Secrets:
    """The secret API key per server: OS keyring when usable, else this session's memory."""

    def __init__(self) -> None:
        self._memory: dict[tuple[str, str], str] = {}

    @staticmethod
    def keyring_usable() -> bool:
        """False for keyring's fail/null backends (no Secret Service, no Windows/macOS store)."""
        try:
            backend = keyring.get_keyring()
            return float(getattr(backend, "priority", 0)) > 0
        except Exception:  # a broken backend is as good as none
            log.warning("The OS keyring could not be loaded", exc_info=True)
            return False

    @staticmethod
    def backend_name() -> str:
        try:
            backend = keyring.get_keyring()
        except Exception:
            return "none"
        return getattr(backend, "name", type(backend).__name__)

    def get(self, profile: Profile) -> str:
        key = (profile.keyring_service, profile.public_key)
        if key in self._memory:
            return self._memory[key]
        if not profile.public_key or not self.keyring_usable():
            return ""
        try:
            return keyring.get_password(*key) or ""
        except keyring.errors.KeyringError:
            log.warning("Could not read the secret key from the OS keyring", exc_info=False)
            return ""

    def set(self, profile: Profile, secret: str) -> bool:
        """Stores the secret; True when it went to the OS keyring, False when kept in memory only."""
        key = (profile.keyring_service, profile.public_key)
        if self.keyring_usable():
            try:
                keyring.set_password(*key, secret)
                self._memory.pop(key, None)
                return True
            except keyring.errors.KeyringError:
                log.warning("Could not write the secret key to the OS keyring; keeping it for this session")
        self._memory[key] = secret
        return False
