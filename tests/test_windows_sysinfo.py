"""The Windows collector's parser on recorded PowerShell output (tests/data/windows), and its run bounded in time.

The recordings are written from the shapes Microsoft documents for the CIM classes and for Windows
PowerShell's ConvertTo-Json: what an administrator's run gives, a standard user's (the TPM refused, single
objects instead of arrays), Windows PowerShell 5.1's own array and date shapes, a machine without a TPM, a
run cut off by the time limit, and error text on stderr (plain and CLIXML).
"""

from __future__ import annotations

import base64
import json
import sys
import textwrap
from pathlib import Path

import pytest

from gui.services import windows_sysinfo
from gui.services.windows_sysinfo import PARTS, QUERIES, PowerShellRun, parse, readable_error, run, script

DATA = Path(__file__).parent / "data" / "windows"


def recorded(name: str, *, stderr: str = "", returncode: int | None = 0, timed_out: bool = False) -> PowerShellRun:
    stdout = windows_sysinfo._text((DATA / name).read_bytes()) if name else ""
    error = windows_sysinfo._text((DATA / stderr).read_bytes()) if stderr else ""
    return PowerShellRun(stdout, error, None if timed_out else returncode, timed_out)


def test_an_administrators_run_gives_every_part_in_the_shapes_of_the_vendors_sample():
    report = parse(recorded("desktop-administrator.out"))
    assert list(report.parts) == list(PARTS)
    assert report.notes == []
    bios = report.parts["Win32_BIOS"]
    assert bios["BiosCharacteristics"][:3] == [7, 11, 12]  # the sample's field, a list of numbers
    assert bios["SMBIOSBIOSVersion"] == "1.19.0" and bios["ReleaseDate"] == "2023-06-14T00:00:00.0000000Z"
    assert bios["BuildNumber"] is None  # a null stays a null
    assert list(bios) == list(QUERIES["Win32_BIOS"][3])  # every documented property, in order
    assert [m["Capacity"] for m in report.parts["Win32_PhysicalMemory"]] == [8589934592, 8589934592]
    assert report.parts["Win32_Tpm"]["SpecVersion"] == "2.0, 0, 1.59"
    assert report.parts["SecureBoot"]["ConfirmSecureBootUEFI"] is True


def test_one_object_and_an_array_of_one_read_the_same():
    as_arrays = parse(recorded("desktop-administrator.out")).parts
    as_objects = parse(recorded("laptop-standard-user.out")).parts
    assert isinstance(as_arrays["Win32_BIOS"], dict) and isinstance(as_objects["Win32_BIOS"], dict)
    assert isinstance(as_arrays["Win32_Processor"], list) and isinstance(as_objects["Win32_Processor"], list)
    assert as_objects["Win32_Processor"][0]["Caption"] == "Intel64 Family 6 Model 142 Stepping 10"
    assert len(as_objects["Win32_PhysicalMemory"]) == 1


def test_text_beyond_ascii_arrives_as_written():
    assert parse(recorded("laptop-standard-user.out")).parts["Win32_ComputerSystem"]["Name"] == "ZOË-T480"


def test_a_part_only_administrators_may_read_is_left_out_with_a_note_saying_so():
    report = parse(recorded("laptop-standard-user.out"))
    assert "Win32_Tpm" not in report.parts
    assert report.notes == ["Win32_Tpm: left out, Windows lets only administrators read it (Access denied)."]
    assert report.parts["TpmDevice"] == [{"Name": "Trusted Platform Module 2.0", "Status": "OK", "Present": True}]


def test_windows_powershell_51_arrays_and_dates_become_plain_json():
    parts = parse(recorded("legacy-desktop-powershell51.out")).parts
    bios = parts["Win32_BIOS"]  # {"value": [{...}], "Count": 1} around the object, and around its arrays
    assert bios["BiosCharacteristics"] == [4, 7, 8, 9, 10, 11, 12]
    assert bios["BIOSVersion"] == ["HPQOEM - 1072009", "L01 v02.75"]
    assert bios["ReleaseDate"] == "2014-07-01T00:00:00Z"  # "\/Date(1404172800000)\/"
    assert parts["Win32_OperatingSystem"]["InstallDate"] == "2016-01-13T00:00:00Z"
    assert [m["Manufacturer"] for m in parts["Win32_PhysicalMemory"]] == [None, "Hynix/Hyundai"]
    assert parts["Win32_Processor"][0]["Name"] == "Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz"
    assert parts["Win32_DiskDrive"][2]["Size"] is None


def test_a_machine_without_a_tpm_says_so_and_an_empty_list_stays_a_list():
    report = parse(recorded("virtual-machine-no-tpm.out"))
    assert report.parts["Win32_Tpm"] is None and report.parts["Win32_PhysicalMemory"] == []
    assert "Win32_Tpm: Windows lists no TPM (none fitted, or it is turned off in the firmware)." in report.notes
    assert "Win32_BIOS: left out, PowerShell gave no answer for it (exit code 0)." in report.notes


def test_a_run_cut_off_by_the_time_limit_keeps_the_parts_it_had_written():
    report = parse(recorded("timed-out.out", timed_out=True))
    assert list(report.parts) == ["Win32_BIOS", "Win32_ComputerSystem", "Win32_OperatingSystem", "Win32_Processor"]
    assert report.notes == [f"{part}: left out, Windows did not answer within 40 s." for part in PARTS[4:]]


@pytest.mark.parametrize("stderr", ["clixml-error.err", "plain-error.err"])
def test_an_error_text_for_the_whole_run_is_told_in_words_for_each_part(stderr):
    report = parse(recorded("", stderr=stderr, returncode=1))
    assert report.parts == {}
    assert len(report.notes) == len(PARTS)
    note = report.notes[0]
    assert note.startswith("Win32_BIOS: left out, PowerShell stopped: ")
    assert "_x000D_" not in note and "<S" not in note and "At line" not in note and "+ " not in note


def test_clixml_error_records_read_as_their_messages():
    text = (DATA / "clixml-error.err").read_text(encoding="ascii")
    assert readable_error(text) == ("Cannot invoke method. Method invocation is supported only on core types in "
                                    "this language mode.")
    assert readable_error("Get-CimInstance : Invalid namespace\r\nAt line:1 char:1\r\n+ Get-CimInstance\r\n") == \
        "Get-CimInstance : Invalid namespace"


def test_powershell_that_cannot_be_started_is_one_note(tmp_path):
    result = run(executable=tmp_path / "powershell.exe")
    assert result.not_started and result.stdout == ""
    report = parse(result)
    assert report.parts == {}
    assert report.notes == [f"PowerShell could not be started ({result.not_started}), so nothing was read from "
                            "Windows Management Instrumentation."]


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in PowerShell is a POSIX script")
def test_the_run_stops_at_its_time_limit_and_keeps_what_was_written_before(tmp_path):
    fake = tmp_path / "powershell"
    line = json.dumps({"Part": "Win32_BIOS", "Data": [{"Name": "1.0"}]})
    fake.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import sys, time
        print({line!r}, flush=True)
        time.sleep(30)
        """))
    fake.chmod(0o755)
    result = run(timeout_s=1.5, executable=fake)
    assert result.timed_out
    report = parse(result)
    assert report.parts == {"Win32_BIOS": {"Name": "1.0"}}
    assert report.notes[0] == "Win32_ComputerSystem: left out, Windows did not answer within 1.5 s."


def test_the_script_asks_for_every_part_and_fits_a_windows_command_line():
    text = script()
    for part, (cim_class, namespace, _condition, _names) in QUERIES.items():
        assert f"Get-Part '{part}' '{cim_class}' '{namespace}'" in text
    assert "Out-Part 'SecureBoot'" in text and "Out-Part 'CentralProcessor'" in text
    encoded = base64.b64encode(text.encode("utf-16-le")).decode("ascii")
    assert base64.b64decode(encoded).decode("utf-16-le") == text
    assert len(" ".join([str(windows_sysinfo.powershell()), "-NoLogo", "-NoProfile", "-NonInteractive",
                         "-EncodedCommand", encoded])) < 32_767  # CreateProcess's limit


@pytest.mark.skipif(sys.platform != "win32", reason="reads this Windows computer (runs on the Windows CI runner)")
def test_this_windows_computer_is_read_through_powershell():
    report = windows_sysinfo.collect()
    for part in ("Win32_BIOS", "Win32_ComputerSystem", "Win32_OperatingSystem", "Win32_Processor", "SecureBoot",
                 "CentralProcessor"):
        assert part in report.parts, report.notes
    assert report.parts["Win32_OperatingSystem"]["Caption"].startswith("Microsoft Windows")
    assert isinstance(report.parts["Win32_BIOS"]["BiosCharacteristics"], list)
    json.dumps(report.parts)
