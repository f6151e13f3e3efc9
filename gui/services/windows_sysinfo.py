"""What a Windows computer says about itself through CIM/WMI, in the shape of the vendor's sample (``Win32_BIOS``...).

One Windows PowerShell run (always present on Windows 10 and 11, so no extra dependency) asks for each
part with ``Get-CimInstance`` and writes it as one line of ``ConvertTo-Json``, so that a part that fails
or a run cut off by the time limit still leaves the parts already written. ``parse`` is plain Python and
reads any such output, whatever Windows or PowerShell did: one object or an array, nulls, Windows
PowerShell 5.1's ``{"value": [...], "Count": n}`` arrays and ``/Date(ms)/`` dates, an error for one part,
an error text (plain or CLIXML) for the whole run, or no answer in time. Each part it could not read is
left out and a note says why.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .sysinfo import decode_text

TIMEOUT_S = 40  # the whole run; each CIM query has its own 15 s (OperationTimeoutSec)

# name -> (CIM class, namespace, filter, properties); the order is the order of the output.
QUERIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    # Every property Microsoft documents for the class, as the vendor's sample shows it.
    "Win32_BIOS": ("Win32_BIOS", "root/cimv2", "", (
        "BiosCharacteristics", "BIOSVersion", "BuildNumber", "Caption", "CodeSet", "CurrentLanguage", "Description",
        "EmbeddedControllerMajorVersion", "EmbeddedControllerMinorVersion", "IdentificationCode",
        "InstallableLanguages", "InstallDate", "LanguageEdition", "ListOfLanguages", "Manufacturer", "Name",
        "OtherTargetOS", "PrimaryBIOS", "ReleaseDate", "SerialNumber", "SMBIOSBIOSVersion", "SMBIOSMajorVersion",
        "SMBIOSMinorVersion", "SMBIOSPresent", "SoftwareElementID", "SoftwareElementState", "Status",
        "SystemBiosMajorVersion", "SystemBiosMinorVersion", "TargetOperatingSystem", "Version")),
    "Win32_ComputerSystem": ("Win32_ComputerSystem", "root/cimv2", "", (
        "Name", "Manufacturer", "Model", "SystemFamily", "SystemSKUNumber", "SystemType", "PCSystemType", "Domain",
        "PartOfDomain", "NumberOfProcessors", "NumberOfLogicalProcessors", "TotalPhysicalMemory",
        "HypervisorPresent")),
    "Win32_OperatingSystem": ("Win32_OperatingSystem", "root/cimv2", "", (
        "Caption", "Version", "BuildNumber", "OSArchitecture", "OperatingSystemSKU", "OSLanguage", "Locale",
        "InstallDate", "LastBootUpTime", "SystemDrive", "TotalVisibleMemorySize", "FreePhysicalMemory")),
    "Win32_Processor": ("Win32_Processor", "root/cimv2", "", (
        "Name", "Manufacturer", "Caption", "Architecture", "AddressWidth", "MaxClockSpeed", "NumberOfCores",
        "NumberOfLogicalProcessors", "SocketDesignation")),
    "Win32_PhysicalMemory": ("Win32_PhysicalMemory", "root/cimv2", "", (
        "Manufacturer", "PartNumber", "Capacity", "Speed", "ConfiguredClockSpeed", "DeviceLocator", "FormFactor",
        "SMBIOSMemoryType")),
    "Win32_DiskDrive": ("Win32_DiskDrive", "root/cimv2", "", (
        "Index", "Model", "Size", "MediaType", "InterfaceType", "Partitions", "Status")),
    # The disk Windows runs from: the Windows 11 storage check is on it.
    "Win32_LogicalDisk": ("Win32_LogicalDisk", "root/cimv2", "DeviceID = '$env:SystemDrive'", (
        "DeviceID", "Size", "FreeSpace", "FileSystem")),
    # Only administrators may read Win32_Tpm; TpmDevice (the device list) is readable by everyone.
    "Win32_Tpm": ("Win32_Tpm", "root/cimv2/Security/MicrosoftTpm", "", (
        "IsActivated_InitialValue", "IsEnabled_InitialValue", "IsOwned_InitialValue", "SpecVersion",
        "ManufacturerId", "ManufacturerIdTxt", "ManufacturerVersion", "PhysicalPresenceVersionInfo")),
    "TpmDevice": ("Win32_PnPEntity", "root/cimv2", "Service = 'TPM'", ("Name", "Status", "Present")),
}
# Not CIM: Secure Boot from Confirm-SecureBootUEFI (administrators) and the registry (everyone), and the
# processor's platform id the 7th-generation Intel rule needs.
EXTRA_PARTS = ("SecureBoot", "CentralProcessor")
PARTS = (*QUERIES, *EXTRA_PARTS)
SINGLE = frozenset({"Win32_BIOS", "Win32_ComputerSystem", "Win32_OperatingSystem", "Win32_LogicalDisk", "Win32_Tpm",
                    "SecureBoot", "CentralProcessor"})  # one object (or null); the others are lists

_SCRIPT_HEAD = r"""
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
Remove-TypeData -ErrorAction Ignore System.Array  # else Windows PowerShell writes arrays as {"value":...,"Count":n}
# Where policy confines PowerShell (Constrained Language: no .NET calls), lines go out plainly.
$full = $ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage'
function Out-Part([string]$Part, $Data, $Failure) {
    $line = [ordered]@{ Part = $Part }
    if ($null -ne $Failure) {
        $line.Error = [string]$Failure.Exception.Message
        $line.Kind = [string]$Failure.CategoryInfo.Reason
        if ($null -ne $Failure.Exception.NativeErrorCode) { $line.Code = [string]$Failure.Exception.NativeErrorCode }
    } else {
        $line.Data = $Data
    }
    $json = ConvertTo-Json -InputObject $line -Compress -Depth 6
    if ($full) {
        # ASCII whatever the console's code page: every other character as a JSON \u escape. Written straight
        # to the console's stream (flushed at once, never wrapped): a run cut off by the time limit keeps its lines.
        $ascii = [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
        [Console]::Out.WriteLine($ascii)
    } else {
        Write-Output $json
    }
}
function Select-Fields($Items, [string[]]$Names) {
    foreach ($item in @($Items)) {
        $picked = [ordered]@{}
        foreach ($name in $Names) {
            $value = $item.$name
            if ($value -is [datetime]) { $value = $value.ToUniversalTime().ToString('o') }
            $picked[$name] = $value
        }
        $picked
    }
}
function Get-Part([string]$Part, [string]$Class, [string]$Namespace, [string]$Filter, [string[]]$Names) {
    try {
        $query = @{ ClassName = $Class; Namespace = $Namespace; OperationTimeoutSec = 15; ErrorAction = 'Stop' }
        if ($Filter) { $query.Filter = $Filter }
        $found = @(Get-CimInstance @query)
        Out-Part $Part @(Select-Fields $found $Names) $null
    } catch {
        Out-Part $Part $null $_
    }
}
"""

_SCRIPT_TAIL = r"""
try {
    $secure = [ordered]@{ ConfirmSecureBootUEFI = $null; ConfirmError = $null; UEFISecureBootEnabled = $null;
                          PEFirmwareType = $null }
    try { $secure.ConfirmSecureBootUEFI = [bool](Confirm-SecureBootUEFI) }
    catch { $secure.ConfirmError = [string]$_.CategoryInfo.Reason }
    $control = 'HKLM:\SYSTEM\CurrentControlSet\Control'
    $state = Get-ItemProperty -Path "$control\SecureBoot\State" -ErrorAction SilentlyContinue
    if ($state) { $secure.UEFISecureBootEnabled = $state.UEFISecureBootEnabled }
    $control = Get-ItemProperty -Path $control -ErrorAction SilentlyContinue
    if ($control) { $secure.PEFirmwareType = $control.PEFirmwareType }
    Out-Part 'SecureBoot' $secure $null
} catch { Out-Part 'SecureBoot' $null $_ }
try {
    $cpu = Get-ItemProperty -Path 'HKLM:\HARDWARE\DESCRIPTION\System\CentralProcessor\0'
    Out-Part 'CentralProcessor' ([ordered]@{ Identifier = $cpu.Identifier; VendorIdentifier = $cpu.VendorIdentifier;
                                             PlatformSpecificField1 = $cpu.'Platform Specific Field 1' }) $null
} catch { Out-Part 'CentralProcessor' $null $_ }
"""


def script() -> str:
    """The PowerShell program: one ``Get-Part`` line per CIM query, then Secure Boot and the processor's id."""
    calls = []
    for part, (cim_class, namespace, condition, names) in QUERIES.items():
        listed = ",".join(f"'{name}'" for name in names)
        calls.append(f'Get-Part \'{part}\' \'{cim_class}\' \'{namespace}\' "{condition}" @({listed})')
    return _SCRIPT_HEAD + "\n".join(calls) + "\n" + _SCRIPT_TAIL


@dataclass(frozen=True)
class PowerShellRun:
    """What one run of the script gave back."""

    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    timed_out: bool = False
    timeout_s: float = TIMEOUT_S
    not_started: str = ""  # why PowerShell could not be started at all


@dataclass
class WindowsReport:
    """The parts read (``None`` for a single-object part Windows has no instance of) and a note per gap."""

    parts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def powershell() -> Path:
    """Windows PowerShell by its full path (not whatever ``powershell`` is first on PATH)."""
    return Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "WindowsPowerShell" / "v1.0" / \
        "powershell.exe"


def run(timeout_s: float = TIMEOUT_S, executable: str | os.PathLike | None = None) -> PowerShellRun:
    """Runs the script, at most ``timeout_s``; never raises. No console window flashes up (CREATE_NO_WINDOW)."""
    encoded = base64.b64encode(script().encode("utf-16-le")).decode("ascii")
    command = [str(executable or powershell()), "-NoLogo", "-NoProfile", "-NonInteractive", "-EncodedCommand",
               encoded]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s,  # noqa: S603
                              creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0), check=False)
    except subprocess.TimeoutExpired as expired:  # what was written before the limit is kept
        return PowerShellRun(_text(expired.stdout), _text(expired.stderr), None, True, timeout_s)
    except OSError as error:
        return PowerShellRun(not_started=error.strerror or type(error).__name__, timeout_s=timeout_s)
    return PowerShellRun(_text(done.stdout), _text(done.stderr), done.returncode, False, timeout_s)


def _text(data: bytes | str | None) -> str:
    if isinstance(data, str):
        return data
    return decode_text(data)[0] if data else ""


def parse(result: PowerShellRun) -> WindowsReport:
    """The parts in the output, normalised, and a note for each part that is missing, failed or empty."""
    report = WindowsReport()
    if result.not_started:
        report.notes.append(f"PowerShell could not be started ({result.not_started}), so nothing was read from "
                            "Windows Management Instrumentation.")
        return report
    answered: dict[str, dict] = {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:  # e.g. the last line, cut off by the time limit
            continue
        if isinstance(record, dict) and record.get("Part") in PARTS:
            answered.setdefault(record["Part"], record)
    for part in PARTS:
        record = answered.get(part)
        if record is None:
            report.notes.append(_missing_note(part, result))
        elif "Data" not in record:
            report.notes.append(_failure_note(part, record))
        else:
            data = _shape(part, normalise(record["Data"]))
            report.parts[part] = data
            if data is None or data == []:
                note = _EMPTY_NOTES.get(part)
                if note:
                    report.notes.append(note)
    return report


_EMPTY_NOTES = {
    "Win32_Tpm": "Win32_Tpm: Windows lists no TPM (none fitted, or it is turned off in the firmware).",
    "Win32_LogicalDisk": "Win32_LogicalDisk: the drive Windows runs from was not listed.",
}


def normalise(value: Any) -> Any:
    """Windows PowerShell 5.1's shapes as plain JSON: ``{"value": [...], "Count": n}`` -> the list, a
    ``/Date(ms)/`` string -> ISO 8601 in UTC."""
    if isinstance(value, dict):
        if set(value) == {"value", "Count"} and isinstance(value["value"], list):
            return [normalise(item) for item in value["value"]]
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str):
        match = _MS_DATE.fullmatch(value)
        if match:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
            return moment.isoformat().replace("+00:00", "Z")
    return value


_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


def _shape(part: str, data: Any) -> Any:
    """Single-object parts as one object (``None`` when there is none); the others as a list."""
    items = data if isinstance(data, list) else [] if data is None else [data]
    items = [item for item in items if item is not None]
    if part in SINGLE:
        return items[0] if len(items) == 1 else (items or None)
    return items


def _failure_note(part: str, record: dict) -> str:
    kind, code = str(record.get("Kind") or ""), str(record.get("Code") or "")
    message = " ".join(str(record.get("Error") or "").split())[:200]
    if code == "AccessDenied" or kind == "UnauthorizedAccessException":
        return f"{part}: left out, Windows lets only administrators read it ({message or 'access denied'})."
    return f"{part}: left out, Windows answered with an error: {message or kind or 'no details'}."


def _missing_note(part: str, result: PowerShellRun) -> str:
    if result.timed_out:
        return f"{part}: left out, Windows did not answer within {result.timeout_s:g} s."
    error = readable_error(result.stderr)
    if error:
        return f"{part}: left out, PowerShell stopped: {error}"
    return f"{part}: left out, PowerShell gave no answer for it (exit code {result.returncode})."


def readable_error(stderr: str) -> str:
    """PowerShell's error text in a few words: the messages of a CLIXML error stream, or the plain text."""
    text = stderr.strip()
    if text.startswith("#< CLIXML"):
        messages = re.findall(r'<S S="Error">(.*?)</S>', text, re.DOTALL)
        text = "".join(html.unescape(re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), m))
                       for m in messages)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(("+", "At "))]
    return " ".join(lines)[:300]


def collect(timeout_s: float = TIMEOUT_S) -> WindowsReport:
    """Reads this Windows computer: one PowerShell run, parsed."""
    return parse(run(timeout_s))
