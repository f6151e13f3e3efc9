"""Keeps the interpreter alive under a PySide6 6.12 reference-count bug on Python 3.11.

With the pinned PySide6 6.12.0 (abi3 wheel) on Python 3.11, every call from Python to a Qt
method returning nothing takes one reference away from ``None``, and every ``emit()`` one
from ``True`` (they are returned without the reference the caller then drops). When a count
reaches zero the interpreter aborts: "Fatal Python error: none_dealloc" (or bool_dealloc).
The task runner alone makes a dozen such calls per request, so a desk refreshing in the
background, or a benchmark run of a few thousand requests, died.

Python 3.12 made these singletons immortal (PEP 683) and the miscount harmless there. On
older Pythons we do what 3.12 does: give ``None``, ``True`` and ``False`` a reference count
so large that no run can use it up (2**60: decades at a million calls a second). Pure
ctypes, no Qt; importing this module applies it once.
"""

from __future__ import annotations

import ctypes
import sys

MARGIN = 2**60
SINGLETONS = (None, True, False)


def _count(obj: object) -> ctypes.c_ssize_t:
    return ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the object's first field in CPython


def immortalise() -> bool:
    """Raises the singletons' counts by MARGIN once (only where they are not immortal already)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if all(sys.getrefcount(obj) >= MARGIN for obj in SINGLETONS):
        return False
    for obj in SINGLETONS:
        _count(obj).value += MARGIN
    return True


APPLIED = immortalise()
