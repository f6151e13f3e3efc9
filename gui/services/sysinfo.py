"""What this computer is, for a diagnostic's ``systemInformation`` (a JSON string, as the spec's sample).

On Windows, the CIM classes the vendor's sample shows (``Win32_BIOS`` and the rest, read through
PowerShell by ``windows_sysinfo``), a note for each part that could not be read, and a suggestion for
``windowsUpgradeEligibility`` with its reasons (``upgrade_eligibility``). Elsewhere, plain Python, best
effort: each part the platform does not expose is simply left out.

``decode_text`` reads a system-information file whatever wrote it: ``systeminfo > file.txt``
in Windows PowerShell 5 writes UTF-16 LE with a byte-order mark, PowerShell 7 and most
tools UTF-8 (with or without a BOM), cmd.exe the console's code page. Read as UTF-8 with
replacement, UTF-16 became NUL-interleaved text with a broken first character.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .upgrade_eligibility import assess

if TYPE_CHECKING:
    from .windows_sysinfo import WindowsReport

# Byte-order marks, longest first: UTF-32 LE starts with the UTF-16 LE mark.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_SAMPLE = 4096  # bytes looked at to recognise UTF-16 without a mark


def decode_text(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a text file's bytes: by its byte-order mark, else UTF-16 recognised by its NUL
    bytes (ASCII in UTF-16 has a NUL in every other byte), else UTF-8, else Windows-1252. The mark is dropped;
    an undecodable byte becomes U+FFFD."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return data[len(mark):].decode(encoding, errors="replace"), encoding
    sample = data[:_SAMPLE]
    if len(sample) >= 2:
        even, odd = sample[0::2], sample[1::2]
        even_nuls, odd_nuls = even.count(0), odd.count(0)
        if odd_nuls > 0.3 * len(odd) and even_nuls < 0.05 * len(even):
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even_nuls > 0.3 * len(even) and odd_nuls < 0.05 * len(odd):
            return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def collect() -> dict[str, Any]:
    if sys.platform == "win32":
        from .windows_sysinfo import collect as collect_cim

        return windows_information(collect_cim())
    return _portable()


def windows_information(report: WindowsReport) -> dict[str, Any]:
    """``Windows11Upgrade`` (the suggestion and its reasons; the agent still answers Yes or No) and ``Notes``
    (what is missing and why) first, where the agent sees them on collecting, then the computer's parts.
    When PowerShell read nothing at all, what Python itself can see stands in for the parts."""
    info: dict[str, Any] = {"Windows11Upgrade": assess(report.parts).as_dict()}
    if report.notes:
        info["Notes"] = list(report.notes)
    info.update(report.parts if any(report.parts.values()) else _portable())
    return info


def _portable() -> dict[str, Any]:
    info: dict[str, Any] = {
        "OperatingSystem": {"Name": platform.system(), "Release": platform.release(), "Version": platform.version()},
        "ComputerName": socket.gethostname(),
        "Processor": {"Name": _cpu_name(), "Architecture": platform.machine(), "LogicalCores": os.cpu_count()},
    }
    memory = _memory_bytes()
    if memory:
        info["MemoryBytes"] = memory
    disks = _disks()
    if disks:
        info["Disks"] = disks
    bios = _bios()
    if bios:
        info["Win32_BIOS" if sys.platform == "win32" else "BIOS"] = bios
    return info


def _cpu_name() -> str:
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    if sys.platform.startswith("linux"):
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            return None
    if sys.platform == "win32":
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                        ("avail", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                        ("page_avail", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                        ("virtual_avail", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

        status = _Status()
        status.length = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.total)
    if sys.platform == "darwin":
        return _sysctl_int("hw.memsize")
    return None


def _sysctl_int(name: str) -> int | None:
    try:
        out = subprocess.run(["/usr/sbin/sysctl", "-n", name], capture_output=True, text=True, timeout=3)  # noqa: S603
        return int(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _disks() -> list[dict[str, Any]]:
    roots = [f"{letter}:\\" for letter in "CDEFGH"] if sys.platform == "win32" else ["/"]
    disks = []
    for root in roots:
        try:
            usage = shutil.disk_usage(root)
        except OSError:
            continue
        disks.append({"Path": root, "TotalBytes": usage.total, "FreeBytes": usage.free})
    return disks


def _bios() -> dict[str, str]:
    if sys.platform.startswith("linux"):
        fields = {"Manufacturer": "sys_vendor", "Model": "product_name", "BIOSVersion": "bios_version",
                  "BIOSVendor": "bios_vendor", "ReleaseDate": "bios_date"}
        found = {}
        for key, name in fields.items():
            try:
                value = Path("/sys/class/dmi/id", name).read_text(errors="replace").strip()
            except OSError:
                continue
            if value:
                found[key] = value
        return found
    return {}
