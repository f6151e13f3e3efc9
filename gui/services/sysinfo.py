"""What this computer is, for a diagnostic's ``systemInformation`` (a JSON string, as the spec's sample).

Plain Python, best effort: each part the platform does not expose is simply left out.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any


def collect() -> dict[str, Any]:
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
