"""Shared fixtures: a real sandbox on loopback, a client for it, and isolation of the app's folders.

Every test gets a fresh sandbox (about 20 ms to seed), so faults and data never leak
between tests. Nothing here mocks ``requests``: the client talks HTTP to the sandbox.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator

# Offscreen before Qt is imported anywhere; app folders in a throwaway place so tests
# never read or write the developer's real settings, data or logs.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = tempfile.mkdtemp(prefix="togadesk-tests-")
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = os.path.join(_HOME, _name.lower())

import pytest  # noqa: E402

from gui.api import SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, TogaClient  # noqa: E402
from gui.sandbox import SandboxServer  # noqa: E402

THREAD_NAMES = ("toga-sandbox", "sandbox-webhooks", "togadesk-webhooks", "togadesk-team")  # listeners of all kinds


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A freshly seeded sandbox on a free loopback port."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[TogaClient]:
    """A client with the spec's sample keys and a tiny backoff, so retry tests stay fast."""
    with TogaClient(sandbox.url, SAMPLE_PUBLIC_KEY, SAMPLE_SECRET_KEY, backoff=0.01, timeout=5) as api:
        yield api


@pytest.fixture(autouse=True)
def no_real_keyring() -> Iterator[None]:
    """Tests never read or write the developer's OS keyring; those that need one install their own."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    """Fails a test that leaves a sandbox or webhook thread, or a worker of any of the app's task runners, running."""
    before = set(threading.enumerate())
    yield
    leftovers = [
        t for t in threading.enumerate()
        if t not in before and t.is_alive() and t.name.startswith(THREAD_NAMES)
    ]
    assert not leftovers, f"threads left running: {[t.name for t in leftovers]}"
    try:
        from PySide6.QtCore import QThreadPool

        from gui.tasks import TaskRunner
    except ImportError:  # pragma: no cover - Qt is a hard dependency
        return
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "global QThreadPool still busy"
    def working(runner: TaskRunner) -> bool:
        try:
            return runner.pool.activeThreadCount() > 0
        except RuntimeError:  # its C++ side is gone, and its threads with it
            return False

    busy = [runner for runner in list(TaskRunner.alive) if working(runner)]
    assert not busy, f"{len(busy)} task runner(s) still have workers running"
