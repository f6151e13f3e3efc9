"""Order use cases: look up an order, remember the lookup, attach a diagnostic. No Qt.

Reading and encoding a document runs on a worker like every request (``load_document``).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..api import Order, TogaClient, ValidationError
from ..store import LocalStore, OrderRow
from .sysinfo import decode_text

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 20 * 2**20
DOCUMENT_TYPES = {".pdf": "PDF", ".png": "PNG image", ".jpg": "JPEG image", ".jpeg": "JPEG image",
                  ".gif": "GIF image", ".bmp": "BMP image", ".tif": "TIFF image", ".tiff": "TIFF image",
                  ".webp": "WebP image", ".txt": "text", ".log": "log file", ".html": "HTML report"}
STARTING_RESULT_CODES = ("PASS", "FAIL", "HW-FAIL-DISK", "HW-FAIL-MEMORY", "HW-FAIL-BATTERY", "SW-FAIL-OS",
                         "NO-FAULT-FOUND")


@dataclass(frozen=True)
class DocumentFile:
    name: str
    size: int
    content: bytes

    @property
    def summary(self) -> str:
        return f"{self.name} ({human_size(self.size)})"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def load_document(path: str | Path) -> DocumentFile:
    """Reads a file to attach; refuses what the server should not get, with the reason."""
    file = Path(path)
    kind = DOCUMENT_TYPES.get(file.suffix.lower())
    if kind is None:
        allowed = ", ".join(sorted({k.lstrip('.').upper() for k in DOCUMENT_TYPES}))
        raise ValidationError(f"{file.name} is not a document type the form takes ({allowed}).", field="document")
    try:
        size = file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"{file.name} is {human_size(size)}; documents over {human_size(MAX_DOCUMENT_BYTES)} are refused. "
                "Attach a link to it instead.", field="document")
        if size == 0:
            raise ValidationError(f"{file.name} is empty.", field="document")
        content = file.read_bytes()
    except OSError as error:
        raise ValidationError(f"{file.name} could not be read: {error.strerror or error}.", field="document") from None
    return DocumentFile(file.name, len(content), content)


def load_text(path: str | Path, limit: int = 2 * 2**20) -> str:
    """A system-information file (JSON or text) as text."""
    file = Path(path)
    try:
        if file.stat().st_size > limit:
            raise ValidationError(f"{file.name} is larger than {human_size(limit)}.", field="systemInformation")
        return decode_text(file.read_bytes())[0]  # PowerShell 5's "systeminfo > file.txt" is UTF-16
    except OSError as error:
        raise ValidationError(f"{file.name} could not be read: {error.strerror or error}.",
                              field="systemInformation") from None


class OrderService:
    def __init__(self, client: TogaClient, store: LocalStore, env: str):
        self.client = client
        self.store = store
        self.env = env

    def lookup(self, number: int | str) -> Order:
        order = self.client.get_order(number)
        self.store.record_order(self.env, order)
        return order

    def recent(self) -> list[OrderRow]:
        return self.store.recent_orders(self.env)

    def snapshot(self, number: int) -> Order | None:
        return self.store.order_snapshot(self.env, number)

    def diagnostics_sent(self, number: int) -> list[tuple[str, bool, str, str]]:
        return self.store.diagnostics_sent(self.env, number)

    def result_codes(self) -> list[str]:
        used = self.store.result_codes(self.env)
        return used + [code for code in STARTING_RESULT_CODES if code not in used]

    def send_diagnostic(self, number: int, *, result_code: str, eligible: bool,
                        document: str | DocumentFile | None = None, system_information: str | None = None) -> str:
        """Attaches the diagnostic; returns when the server accepted it (UTC, ISO 8601)."""
        content: Any = document.content if isinstance(document, DocumentFile) else document
        self.client.create_diagnostic(number, result_code=result_code.strip(), windows_upgrade_eligibility=eligible,
                                      document=content, system_information=system_information or None)
        summary = document.summary if isinstance(document, DocumentFile) else (document or "")
        try:
            return self.store.record_diagnostic(self.env, number, result_code.strip(), eligible, summary)
        except sqlite3.Error:  # the server has it: a local bookkeeping failure must not read as "not sent"
            log.warning("Diagnostic for order %s sent but not recorded locally", number, exc_info=True)
            return datetime.now(UTC).isoformat(timespec="seconds")
