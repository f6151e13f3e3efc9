"""System-information files are read in the encoding that wrote them, not as UTF-8 with replacement."""

from __future__ import annotations

import pytest

from gui.services.sysinfo import decode_text

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
