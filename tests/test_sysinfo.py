"""System information: files are read in the encoding that wrote them, not as UTF-8 with replacement; on Windows
"Collect from this computer" gives the CIM parts, a note per gap and the Windows 11 suggestion."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gui.services import sysinfo, windows_sysinfo
from gui.services.sysinfo import decode_text, windows_information
from gui.services.windows_sysinfo import PowerShellRun, parse

DATA = Path(__file__).parent / "data" / "windows"

SYSTEMINFO = ("\r\nHost Name:                 DESK-042\r\nOS Name:                   Microsoft Windows 10 Pro\r\n"
              "System Manufacturer:       Dell Inc.\r\nRegistered Owner:          Zoë Müller\r\n")


def test_systeminfo_redirected_in_powershell_5_is_utf16_le_with_a_bom_and_reads_cleanly(tmp_path):
    file = tmp_path / "systeminfo.txt"
    file.write_bytes(b"\xff\xfe" + SYSTEMINFO.encode("utf-16-le"))  # what `systeminfo > file.txt` writes there
    text, encoding = decode_text(file.read_bytes())
    assert (text, encoding) == (SYSTEMINFO, "utf-16-le")
    assert "\x00" not in text and "\ufffd" not in text


@pytest.mark.parametrize(("data", "encoding"), [
    (b"\xef\xbb\xbf" + SYSTEMINFO.encode("utf-8"), "utf-8"),
    (b"\xfe\xff" + SYSTEMINFO.encode("utf-16-be"), "utf-16-be"),
    (b"\xff\xfe\x00\x00" + SYSTEMINFO.encode("utf-32-le"), "utf-32-le"),
    (SYSTEMINFO.encode("utf-16-le"), "utf-16-le"),  # no mark: recognised by its NUL bytes
    (SYSTEMINFO.encode("utf-16-be"), "utf-16-be"),
    (SYSTEMINFO.encode("utf-8"), "utf-8"),
    (SYSTEMINFO.encode("cp1252"), "cp1252"),  # not UTF-8: the Windows code page
])
def test_each_encoding_is_recognised_and_its_mark_dropped(data, encoding):
    assert decode_text(data) == (SYSTEMINFO, encoding)


def test_json_in_utf8_and_an_empty_file_are_unchanged():
    assert decode_text(b'{"Win32_BIOS": {"Name": "1.2"}}') == ('{"Win32_BIOS": {"Name": "1.2"}}', "utf-8")
    assert decode_text(b"") == ("", "utf-8")


def recorded(name: str) -> windows_sysinfo.WindowsReport:
    return parse(PowerShellRun(decode_text((DATA / name).read_bytes())[0], "", 0))


def test_on_windows_the_collected_information_is_the_suggestion_and_the_notes_then_the_cim_parts():
    info = windows_information(recorded("laptop-standard-user.out"))
    assert list(info)[:5] == ["Windows11Upgrade", "Notes", "Win32_BIOS", "Win32_ComputerSystem",
                              "Win32_OperatingSystem"]
    assert "Win32_Tpm" not in info  # refused to a standard user: left out, and the note says why
    assert info["Notes"] == ["Win32_Tpm: left out, Windows lets only administrators read it (Access denied)."]
    assert info["Windows11Upgrade"]["Suggestion"] == "Yes"
    assert info["Windows11Upgrade"]["Reasons"][2] == "4 GB memory: meets: 8 GB in 1 module"
    text = json.dumps(info, indent=2)  # what the dialog shows and sends: the suggestion at the top
    assert text.startswith('{\n  "Windows11Upgrade": {\n    "Suggestion": "Yes",\n    "Reasons": [\n'
                           '      "TPM 2.0: meets: Trusted Platform Module 2.0')


def test_when_powershell_reads_nothing_what_python_sees_stands_in_and_the_suggestion_cannot_tell():
    info = windows_information(parse(PowerShellRun(not_started="The system cannot find the file specified")))
    assert {"OperatingSystem", "ComputerName", "Processor"} <= set(info)
    assert info["Notes"] == ["PowerShell could not be started (The system cannot find the file specified), so "
                             "nothing was read from Windows Management Instrumentation."]
    assert info["Windows11Upgrade"]["Suggestion"] == "Cannot tell"


def test_collecting_on_windows_goes_through_powershell_and_elsewhere_does_not(monkeypatch):
    monkeypatch.setattr(windows_sysinfo, "collect", lambda: recorded("desktop-administrator.out"))
    monkeypatch.setattr(sys, "platform", "win32")
    info = sysinfo.collect()
    assert info["Win32_BIOS"]["Manufacturer"] == "Dell Inc." and info["Windows11Upgrade"]["Suggestion"] == "Yes"
    monkeypatch.setattr(sys, "platform", "linux")
    assert "Win32_BIOS" not in sysinfo.collect() and "Windows11Upgrade" not in sysinfo.collect()
