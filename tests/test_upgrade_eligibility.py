"""The Windows 11 suggestion: each check passes, fails or cannot be told, with its reason in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.services import windows_sysinfo
from gui.services.upgrade_eligibility import assess, memory, processor, tpm
from gui.services.windows_sysinfo import PowerShellRun, parse

DATA = Path(__file__).parent / "data" / "windows"


def parts(name: str, *, timed_out: bool = False) -> dict:
    stdout = windows_sysinfo._text((DATA / name).read_bytes())
    return parse(PowerShellRun(stdout, "", None if timed_out else 0, timed_out)).parts


def test_a_recent_desktop_read_by_an_administrator_is_suggested_yes():
    result = assess(parts("desktop-administrator.out"))
    assert result.suggestion == "Yes"
    assert result.reasons == [
        "TPM 2.0: meets: TPM 2.0",
        "Secure Boot capable: meets: UEFI with Secure Boot on",
        "4 GB memory: meets: 16 GB in 2 modules",
        "64 GB storage: meets: 476 GB on C: Windows runs from",
        "Supported processor: meets: Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz (Intel family 6 model 165)",
    ]


def test_a_standard_user_still_gets_a_suggestion_from_what_windows_lets_everyone_read():
    result = assess(parts("laptop-standard-user.out"))
    assert result.suggestion == "Yes"
    assert result.checks[0].reason.startswith("Trusted Platform Module 2.0 (from the device list")
    assert result.checks[1].reason == "UEFI with Secure Boot on"  # from the registry: Confirm-SecureBootUEFI refused


def test_an_old_legacy_bios_pc_is_suggested_no_with_each_reason():
    result = assess(parts("legacy-desktop-powershell51.out"))
    assert result.suggestion == "No"
    assert [(c.name, c.passed) for c in result.checks] == [
        ("TPM 2.0", False), ("Secure Boot capable", False), ("4 GB memory", True), ("64 GB storage", True),
        ("Supported processor", False)]
    assert result.checks[0].reason == "the TPM is version 1.2"
    assert result.checks[1].reason == "the firmware starts Windows the legacy BIOS way; Secure Boot needs UEFI"
    assert result.checks[4].reason.endswith("Intel family 6 model 60: older than 8th generation")


def test_a_small_virtual_machine_without_a_tpm_fails_on_every_count_it_fails():
    result = assess(parts("virtual-machine-no-tpm.out"))
    assert result.suggestion == "No"
    assert result.reasons == [
        "TPM 2.0: does not meet: Windows lists no TPM (none fitted, or turned off in the firmware)",
        "Secure Boot capable: meets: UEFI, Secure Boot can be turned on",
        "4 GB memory: does not meet: 2 GB as Windows sees it",
        "64 GB storage: does not meet: 40 GB on the largest fixed disk",
        "Supported processor: does not meet: AMD Ryzen 7 1700 Eight-Core Processor: 1 logical processor "
        "(2 needed); AMD family 23 model 1: older than Ryzen 2000 (Zen+)",
    ]


def test_what_was_not_read_cannot_be_told_and_the_suggestion_says_so():
    result = assess(parts("timed-out.out", timed_out=True))
    assert result.suggestion == "Cannot tell"
    assert [c.passed for c in result.checks] == [None, None, True, None, True]
    assert assess({}).suggestion == "Cannot tell"


def test_the_suggestion_goes_into_the_collected_information_with_its_reasons_and_the_agents_choice():
    shown = assess(parts("legacy-desktop-powershell51.out")).as_dict()
    assert shown["Suggestion"] == "No" and len(shown["Reasons"]) == 5
    assert "the agent chooses Yes or No" in shown["Note"]


def cpu(caption: str, vendor: str = "GenuineIntel", **fields) -> dict:
    return {"Win32_Processor": [{"Name": fields.pop("Name", "CPU"), "Manufacturer": vendor, "Caption": caption,
                                 "Architecture": 9, "AddressWidth": 64, "MaxClockSpeed": 2400,
                                 "NumberOfLogicalProcessors": 4, **fields}]}


@pytest.mark.parametrize(("info", "passed"), [
    (cpu("Intel64 Family 6 Model 158 Stepping 10"), True),  # 8th generation desktop
    (cpu("Intel64 Family 6 Model 94 Stepping 3"), False),  # 6th generation
    (cpu("Intel64 Family 6 Model 85 Stepping 7"), True),  # Cascade Lake Xeon, Microsoft's exception
    (cpu("Intel64 Family 6 Model 158 Stepping 9") | {"CentralProcessor": {"PlatformSpecificField1": 8}}, True),
    (cpu("Intel64 Family 6 Model 158 Stepping 9") | {"CentralProcessor": {"PlatformSpecificField1": 2}}, False),
    (cpu("Intel64 Family 6 Model 158 Stepping 9"), None),  # 7th or 8th: the platform id was not read
    (cpu("Intel64 Family 6 Model 158 Stepping 9", Name="Intel(R) Core(TM) i7-7820HQ CPU @ 2.90GHz")
     | {"Win32_ComputerSystem": {"Model": "Precision 5520 "}}, True),
    (cpu("AMD64 Family 23 Model 8 Stepping 2", "AuthenticAMD"), True),  # Ryzen 2000 (Zen+)
    (cpu("AMD64 Family 23 Model 17 Stepping 0", "AuthenticAMD"), False),  # Raven Ridge (Zen)
    (cpu("AMD64 Family 21 Model 2 Stepping 0", "AuthenticAMD"), False),  # FX
    (cpu("AMD64 Family 25 Model 33 Stepping 0", "AuthenticAMD"), True),  # Zen 3
    (cpu("ARMv8 (64-bit) Family 8 Model 1 Revision 201", "Qualcomm Technologies Inc", Architecture=12), None),
    (cpu("VIA64 Family 6 Model 15 Stepping 12", "CentaurHauls"), False),
    (cpu("Intel64 Family 6 Model 165 Stepping 5", AddressWidth=32), False),
    (cpu("Intel64 Family 6 Model 165 Stepping 5", MaxClockSpeed=800), False),
    (cpu(""), None),
    ({}, None),
])
def test_the_processor_is_judged_by_vendor_family_and_model_as_microsofts_check_does(info, passed):
    assert processor(info).passed is passed


def test_memory_windows_sees_is_rounded_to_whole_gb_as_microsofts_check_rounds():
    assert memory({"Win32_ComputerSystem": {"TotalPhysicalMemory": int(3.87 * 2**30)}}).passed is True
    assert memory({"Win32_ComputerSystem": {"TotalPhysicalMemory": int(3.4 * 2**30)}}).passed is False
    assert memory({"Win32_PhysicalMemory": [{"Capacity": 2**32}]}).reason == "4 GB in 1 module"
    assert memory({}).passed is None


@pytest.mark.parametrize(("info", "passed", "reason"), [
    ({"Win32_Tpm": {"SpecVersion": "2.0, 0, 1.38", "IsEnabled_InitialValue": False}}, False,
     "TPM 2.0 is there but turned off in the firmware"),
    ({"Win32_Tpm": {"SpecVersion": None}}, None, "a TPM is there but its version was not given"),
    ({"TpmDevice": [{"Name": "Trusted Platform Module 1.2"}]}, False, "Trusted Platform Module 1.2 (from the device "
                                                                      "list)"),
    ({"TpmDevice": []}, None, "the TPM could not be read (Win32_Tpm needs administrator rights)"),
])
def test_a_tpm_that_is_off_old_or_unread_is_said_so(info, passed, reason):
    assert (tpm(info).passed, tpm(info).reason) == (passed, reason)
