"""Where the app's own files (icons, desktop file) are, from source and in the packaged app alike.

PyInstaller unpacks bundled data under ``sys._MEIPASS`` (onefile: a temporary folder; onedir: the
``_internal`` folder next to the executable); from source they sit in the repository's ``resources/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ICON = "icons/togadesk.svg"


def base_dir() -> Path:
    """The folder that holds ``resources/``."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parents[1]


def resource_path(name: str) -> Path:
    """The path of ``resources/<name>``; raises FileNotFoundError if the build left it out."""
    path = base_dir() / "resources" / name
    if not path.is_file():
        raise FileNotFoundError(f"Missing resource {name!r} (looked in {path.parent})")
    return path


def is_frozen() -> bool:
    """True inside the packaged app."""
    return bool(getattr(sys, "frozen", False))
