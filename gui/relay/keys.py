"""The vendor keys of the relay: from the environment, or from a file only its owner can read.

A relay runs unattended on a server, so the keys cannot come from a keyring prompt. A key file
readable by others is refused rather than used: the secret key signs every request of the team.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

PUBLIC_VAR = "TOGA_PUBLIC_KEY"
SECRET_VAR = "TOGA_SECRET_KEY"  # noqa: S105 (a variable's name, not a secret)


class KeysError(Exception):
    """The keys are missing or their file is unsafe; the message is one line and holds no secret."""


def load_keys(key_file: str | None = None, environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(public, secret): from ``key_file`` when given (lines ``TOGA_PUBLIC_KEY=...`` and
    ``TOGA_SECRET_KEY=...``, the format systemd's ``EnvironmentFile=`` reads too), else from the
    environment variables of the same names."""
    if key_file:
        values = _read_key_file(Path(key_file))
        where = f"the key file {key_file}"
    else:
        values = dict(environ)
        where = "the environment"
    public = (values.get(PUBLIC_VAR) or "").strip()
    secret = (values.get(SECRET_VAR) or "").strip()
    missing = [name for name, value in ((PUBLIC_VAR, public), (SECRET_VAR, secret)) if not value]
    if missing:
        raise KeysError(f"No vendor keys: {' and '.join(missing)} not set in {where} "
                        f"(set both, or give --key-file FILE readable only by its owner).")
    return public, secret


def _read_key_file(path: Path) -> dict[str, str]:
    try:
        info = path.stat()
    except OSError as exc:
        raise KeysError(f"Cannot read the key file {path}: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeysError(f"The key file {path} is not a regular file.")
    if os.name == "posix" and info.st_mode & 0o077:
        raise KeysError(f"The key file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); "
                        f"run: chmod 600 {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeysError(f"Cannot read the key file {path}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}.") \
            from None
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        if equals:
            values[name.strip()] = value.strip().strip("'\"")
    return values
