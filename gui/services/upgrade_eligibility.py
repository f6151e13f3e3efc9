"""A suggestion for the diagnostic's ``windowsUpgradeEligibility``: does this computer meet Windows 11's minimum?

Reads what ``windows_sysinfo`` collected (or a file of the same CIM shapes) and checks what Microsoft's
hardware readiness script checks: TPM 2.0, Secure Boot capable (UEFI), 4 GB of memory, 64 GB on the
drive Windows runs from, and a supported 64-bit processor of 1 GHz or more with 2 or more logical
processors (Intel 8th generation or later, AMD Zen+ or later, by CPU family and model). Each check
passes, fails, or cannot be told from what was read, with the reason in words. It suggests only: the
agent still chooses Yes or No. Graphics (DirectX 12, WDDM 2.0) and the display are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GIB = 2**30
MIN_MEMORY_GB = 4
MIN_STORAGE_GB = 64
MIN_CLOCK_MHZ = 1000
MIN_LOGICAL_PROCESSORS = 2
NOTE = ("A suggestion from what this computer reports, as Microsoft's hardware readiness check reads it "
        "(graphics and display not checked); the agent chooses Yes or No.")

_CPU_ID = re.compile(r"Family (\d+) Model (\d+) Stepping (\d+)", re.IGNORECASE)
ARM64, X64 = 12, 9  # Win32_Processor.Architecture
# Devices Microsoft lists with the 7th-generation i7-7820HQ (Win32_ComputerSystem.Model).
I7_7820HQ_DEVICES = ("surface studio 2", "precision 5520")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: cannot be told from what was read
    reason: str

    def __str__(self) -> str:
        verdict = {True: "meets", False: "does not meet", None: "cannot tell"}[self.passed]
        return f"{self.name}: {verdict}: {self.reason}"


@dataclass(frozen=True)
class Assessment:
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool | None:
        """False when a check fails, True when every one passes, None otherwise."""
        results = [check.passed for check in self.checks]
        if False in results:
            return False
        return True if all(results) else None

    @property
    def suggestion(self) -> str:
        return {True: "Yes", False: "No", None: "Cannot tell"}[self.eligible]

    @property
    def reasons(self) -> list[str]:
        return [str(check) for check in self.checks]

    def as_dict(self) -> dict[str, Any]:
        """What goes into the collected system information (and so is shown, and sent if the agent keeps it)."""
        return {"Suggestion": self.suggestion, "Reasons": self.reasons, "Note": NOTE}


def assess(info: Mapping[str, Any]) -> Assessment:
    """The five checks on ``info``: parts by CIM class name; a part that is absent was not read, one that is
    None was read and Windows has none (no TPM)."""
    return Assessment((tpm(info), secure_boot(info), memory(info), storage(info), processor(info)))


def _one(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Sequence) and not isinstance(value, str):
        value = value[0] if value else None
    return value if isinstance(value, Mapping) else None


def _many(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _gb(size_bytes: float) -> int:
    """Whole GB as Windows PowerShell's ``-as [int]`` rounds (to even), as Microsoft's script compares them."""
    return round(size_bytes / GIB)


def tpm(info: Mapping[str, Any]) -> Check:
    name = "TPM 2.0"
    if "Win32_Tpm" in info:
        found = _one(info["Win32_Tpm"])
        if found is None:
            return Check(name, False, "Windows lists no TPM (none fitted, or turned off in the firmware)")
        spec = str(found.get("SpecVersion") or "")
        version = spec.split(",")[0].strip()
        major = _number(version.split(".")[0]) if version else None
        if major is None:
            return Check(name, None, "a TPM is there but its version was not given")
        if major < 2:
            return Check(name, False, f"the TPM is version {version}")
        if found.get("IsEnabled_InitialValue") is False:
            return Check(name, False, f"TPM {version} is there but turned off in the firmware")
        return Check(name, True, f"TPM {version}")
    devices = _many(info.get("TpmDevice"))
    names = [str(d.get("Name") or "") for d in devices]
    if any("2.0" in n for n in names):
        return Check(name, True, f"{names[0]} (from the device list; the TPM itself needs administrator rights "
                                 "to read)")
    if any("1.2" in n for n in names):
        return Check(name, False, f"{names[0]} (from the device list)")
    return Check(name, None, "the TPM could not be read (Win32_Tpm needs administrator rights)")


def secure_boot(info: Mapping[str, Any]) -> Check:
    name = "Secure Boot capable"
    state = _one(info.get("SecureBoot"))
    if state is None:
        return Check(name, None, "the Secure Boot state was not read")
    confirmed = state.get("ConfirmSecureBootUEFI")
    if isinstance(confirmed, bool):
        return Check(name, True, "UEFI with Secure Boot on" if confirmed else "UEFI, Secure Boot can be turned on")
    if state.get("ConfirmError") == "PlatformNotSupportedException":
        return Check(name, False, "the firmware starts Windows the legacy BIOS way; Secure Boot needs UEFI")
    enabled = _number(state.get("UEFISecureBootEnabled"))
    if enabled is not None:
        return Check(name, True, "UEFI with Secure Boot on" if enabled else "UEFI, Secure Boot can be turned on")
    firmware = _number(state.get("PEFirmwareType"))
    if firmware == 1:
        return Check(name, False, "the firmware starts Windows the legacy BIOS way; Secure Boot needs UEFI")
    if firmware == 2:
        return Check(name, None, "UEFI firmware, but whether it can do Secure Boot was not readable")
    return Check(name, None, "the Secure Boot state was not readable")


def memory(info: Mapping[str, Any]) -> Check:
    name = f"{MIN_MEMORY_GB} GB memory"
    capacities = [_number(module.get("Capacity")) for module in _many(info.get("Win32_PhysicalMemory"))]
    capacities = [c for c in capacities if c]
    if capacities:
        size, source = _gb(sum(capacities)), f"in {len(capacities)} module{'s' if len(capacities) > 1 else ''}"
    else:
        system = _one(info.get("Win32_ComputerSystem")) or {}
        total = _number(system.get("TotalPhysicalMemory"))
        if not total:
            return Check(name, None, "the memory size was not read")
        size, source = _gb(total), "as Windows sees it"
    return Check(name, size >= MIN_MEMORY_GB, f"{size} GB {source}")


def storage(info: Mapping[str, Any]) -> Check:
    name = f"{MIN_STORAGE_GB} GB storage"
    drive = _one(info.get("Win32_LogicalDisk"))
    size = _number(drive.get("Size")) if drive else None
    if size:
        return Check(name, _gb(size) >= MIN_STORAGE_GB, f"{_gb(size)} GB on {drive.get('DeviceID') or 'the drive'} "
                                                      "Windows runs from")
    fixed = [_number(disk.get("Size")) for disk in _many(info.get("Win32_DiskDrive"))
             if "removable" not in str(disk.get("MediaType") or "").lower()
             and str(disk.get("InterfaceType") or "").upper() != "USB"]
    fixed = [s for s in fixed if s]
    if not fixed:
        return Check(name, None, "the disk sizes were not read")
    return Check(name, _gb(max(fixed)) >= MIN_STORAGE_GB, f"{_gb(max(fixed))} GB on the largest fixed disk")


def processor(info: Mapping[str, Any]) -> Check:
    name = "Supported processor"
    cpu = _one(info.get("Win32_Processor"))
    if cpu is None:
        return Check(name, None, "the processor was not read")
    label = " ".join(str(cpu.get("Name") or "the processor").split())
    problems = []
    width, clock = _number(cpu.get("AddressWidth")), _number(cpu.get("MaxClockSpeed"))
    threads = _number(cpu.get("NumberOfLogicalProcessors"))
    if width is not None and width != 64:
        problems.append(f"runs {width:g}-bit (64-bit needed)")
    if clock is not None and clock < MIN_CLOCK_MHZ:
        problems.append(f"{clock:g} MHz (1 GHz needed)")
    if threads is not None and threads < MIN_LOGICAL_PROCESSORS:
        problems.append(f"{threads:g} logical processor (2 needed)")
    family, reason = _family(cpu, info)
    if family is False:
        problems.append(reason)
    if problems:
        return Check(name, False, f"{label}: " + "; ".join(problems))
    if family is None:
        return Check(name, None, f"{label}: {reason}")
    return Check(name, True, f"{label} ({reason})")


def _family(cpu: Mapping[str, Any], info: Mapping[str, Any]) -> tuple[bool | None, str]:
    """Microsoft's processor rule by vendor, CPU family and model (from Caption: "Intel64 Family 6 Model 142
    Stepping 10")."""
    vendor = str(cpu.get("Manufacturer") or "")
    architecture = _number(cpu.get("Architecture"))
    central = _one(info.get("CentralProcessor")) or {}
    if architecture == ARM64:
        if "qualcomm" in vendor.lower():
            return None, "Qualcomm: Windows 11 needs its ARMv8.1 atomic instructions, which are not readable here"
        return False, f"an ARM64 processor from {vendor or 'an unknown maker'}, which Windows 11 does not support"
    match = _CPU_ID.search(str(cpu.get("Caption") or central.get("Identifier") or ""))
    if match is None:
        return None, "its CPU family and model were not given"
    family, model, stepping = (int(group) for group in match.groups())
    if vendor == "GenuineIntel":
        if family >= 6 and model <= 95 and not (family == 6 and model == 85):
            return False, f"Intel family {family} model {model}: older than 8th generation"
        if family == 6 and model in (142, 158) and stepping == 9:  # 7th generation, but for a few
            if "i7-7820hq" in str(cpu.get("Name") or "").lower():
                system = _one(info.get("Win32_ComputerSystem")) or {}
                if str(system.get("Model") or "").strip().lower() in I7_7820HQ_DEVICES:
                    return True, "i7-7820HQ on a device Microsoft lists"
            platform = _number(central.get("PlatformSpecificField1"))
            if platform is None:
                return None, f"Intel family 6 model {model} stepping 9: 7th or 8th generation, not told apart here"
            if platform != (16 if model == 142 else 8):
                return False, f"Intel family 6 model {model} stepping 9, platform {platform:g}: 7th generation"
        return True, f"Intel family {family} model {model}"
    if vendor == "AuthenticAMD":
        if family < 23 or (family == 23 and model in (1, 17)):
            return False, f"AMD family {family} model {model}: older than Ryzen 2000 (Zen+)"
        return True, f"AMD family {family} model {model}"
    return False, f"made by {vendor or 'an unknown maker'}, which Windows 11 does not support"
