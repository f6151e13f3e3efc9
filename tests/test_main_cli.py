"""``python main.py --sandbox``: the first line, signed requests from an independent client, a clean stop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "1111AAAA-22BB-33CC-44DD-555555EEEEEE"
SECRET = "EEEE5555-DD44-CC33-BB22-AAAAAA111111"

pytestmark = pytest.mark.slow


def independent_headers(secret: str = SECRET) -> dict[str, str]:
    """Signed the way the spec's PHP sample does it, without our own signing module."""
    stamp = datetime.now().astimezone().replace(microsecond=0).isoformat()
    mac = hmac.new(secret.encode(), stamp.encode(), hashlib.sha256).digest()
    return {"Content-Type": "application/json", "Timestamp": stamp,
            "Authorization": f"{PUBLIC}.{base64.b64encode(mac).decode()}"}


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "0"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--sandbox", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )


@pytest.fixture
def sandbox_process() -> Iterator[tuple[subprocess.Popen, str]]:
    process = start("--port", "0")
    try:
        first = process.stdout.readline().rstrip("\n")
        yield process, first
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_the_first_line_names_the_loopback_address(sandbox_process):
    _, first = sandbox_process
    assert first.startswith("TOGa sandbox listening on http://127.0.0.1:")
    assert int(first.rsplit(":", 1)[1]) > 0


def test_it_answers_a_correctly_signed_request_from_an_independent_client(sandbox_process):
    _, first = sandbox_process
    url = first.split(" on ", 1)[1]
    response = requests.get(f"{url}/ticket/12345678", headers=independent_headers(), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is True and body["ticket"]["ticketNumber"] == 12345678


def test_it_rejects_a_wrongly_signed_request(sandbox_process):
    _, first = sandbox_process
    url = first.split(" on ", 1)[1]
    response = requests.get(f"{url}/order/12345678", headers=independent_headers("wrong"), timeout=10)
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": "Signature does not match."}


def test_ctrl_c_stops_it_cleanly(sandbox_process):
    process, first = sandbox_process
    assert first.startswith("TOGa sandbox listening")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "TOGa sandbox stopped." in stderr
    assert "Traceback" not in stderr


def test_sigterm_stops_it_cleanly_too(sandbox_process):
    process, _ = sandbox_process
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_a_port_in_use_is_a_message_not_a_traceback(sandbox_process):
    _, first = sandbox_process
    port = first.rsplit(":", 1)[1]
    second = start("--port", port)
    out, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert out == ""
    assert f"Could not start the sandbox on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_help_documents_every_mode_and_option():
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--help"],
                            capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 0
    for option in ("--demo", "--sandbox", "--host", "--port", "--db", "--latency-ms", "--webhook-url",
                   "--error-rate", "--drop-rate", "--clock-window", "--keys", "--agent", "--relay"):
        assert option in result.stdout


def test_the_demo_takes_the_sandboxs_fault_options():
    from main import parse_args

    args = parse_args(["--demo", "--latency-ms", "4000", "--error-rate", "0.2", "--drop-rate", "0.1"])
    assert (args.demo, args.latency_ms, args.error_rate, args.drop_rate) == (True, 4000.0, 0.2, 0.1)


@pytest.mark.parametrize(("given", "first", "last", "email"), [
    ("Jane Doe <jane.doe@team.example>", "Jane", "Doe", "jane.doe@team.example"),
    ("Ana María de la Cruz <amc@x.co>", "Ana", "María de la Cruz", "amc@x.co"),
    ("jane@x.co", "", "", "jane@x.co"),
])
def test_agent_makes_a_demo_desk_a_colleague_of_another(given, first, last, email):
    from gui.app import demo_profile
    from main import parse_args

    assert parse_args(["--demo", "--agent", given]).agent == given
    profile = demo_profile(given)
    assert (profile.first_name, profile.last_name, profile.email_address) == (first, last, email)
