"""Logging set-up: a rotating file in the app-data folder, with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_AUTHORIZATION = re.compile(r"(Authorization['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Hides the value of any Authorization header that finds its way into a log line."""
    return _AUTHORIZATION.sub(r"\1[redacted]", text)


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record: the message, and any traceback or exception text with it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(log_dir: Path | None, level: int = logging.INFO, *, to_stderr: bool = False) -> Path | None:
    """Sends logs to ``log_dir/togadesk.log`` (rotated) and optionally to standard error."""
    root = logging.getLogger()
    root.setLevel(level)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    path = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "togadesk.log"
        handlers.append(logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"))
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    return path
