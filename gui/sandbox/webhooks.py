"""Delivers the spec's webhook payloads to a configured URL, off the request path."""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

log = logging.getLogger(__name__)


def check_url(url: str) -> str:
    """The URL unchanged when it is http(s) with a host; ValueError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"A webhook URL must be http:// or https:// with a host: {url!r}")
    return url


class WebhookSender:
    """A background thread POSTing payloads in order, with a few retries each."""

    def __init__(self, url: str, *, tries: int = 3, backoff: float = 0.5, timeout: float = 5.0):
        self.url = check_url(url)
        self.tries = tries
        self.backoff = backoff
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def send(self, payload: dict[str, Any]) -> None:
        self._queue.put(payload)

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        self._stopping.set()

    def _run(self) -> None:
        while True:
            payload = self._queue.get()
            if payload is None:
                return
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        for attempt in range(self.tries):
            request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
                self.url, data=data, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    if 200 <= response.status < 300:
                        self.delivered += 1
                        return
            except (urllib.error.URLError, OSError) as exc:
                log.info("webhook %s to %s failed: %s", payload.get("webhook"), self.url, exc)
            if self._stopping.wait(self.backoff * (2**attempt)):
                break
        self.failed += 1
