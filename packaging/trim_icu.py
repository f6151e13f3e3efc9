"""Makes a smaller ICU data library for the Linux build: Qt needs only part of ICU's 31 MB of data.

QtCore (the only Qt library that links ICU) calls ICU for collation (QCollator), legacy text
codecs (QStringConverter), locale-aware case mapping and time-zone names (QTimeZone). It never
calls ICU's break iterators, currency/unit/language/region display names, number spell-out,
transliteration, string preparation or spoof checking, so their data trees are dropped; all
collation, converter, time-zone and locale data stay. The data is an ICU "common data" package
(a table of contents, then items sorted by name); it is rewritten here without the dropped
items and linked into a replacement ``libicudata.so.NN`` exporting the same ``icudtNN_dat``.

``verify`` runs a probe of every ICU-backed Qt feature against the full and the trimmed
library (LD_LIBRARY_PATH comes before the library's RUNPATH) and compares the answers.

    python packaging/trim_icu.py OUT_DIR     writes OUT_DIR/libicudata.so.NN and checks it
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

DROPPED = re.compile(r"^icudt\d+[lb]/(brkitr|curr|unit|lang|region|rbnf|translit)/|\.spp$|\.cfu$")


def find_library() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        raise FileNotFoundError("PySide6 ships no libicudata here (not a Linux wheel?)")
    return found[0]


def data_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol, file offset, size) of the data blob, read with binutils' nm and objdump."""
    major = library.name.rsplit(".", 1)[1]
    symbol = f"icudt{major}_dat"
    listing = subprocess.run(["nm", "-D", "-S", "--defined-only", str(library)], capture_output=True, text=True,
                             check=True).stdout
    address, size = next((int(a, 16), int(s, 16)) for a, s, _kind, name in (line.split() for line in
                                                                             listing.splitlines()) if name == symbol)
    sections = subprocess.run(["objdump", "-h", str(library)], capture_output=True, text=True, check=True).stdout
    for line in sections.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[1].startswith("."):
            vma, file_offset, length = int(parts[3], 16), int(parts[5], 16), int(parts[2], 16)
            if vma <= address < vma + length:
                return symbol, file_offset + (address - vma), size
    raise ValueError(f"{symbol} is in no section of {library}")


def items(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The package's header and its (name, data) items, in their (sorted) order."""
    header_size = struct.unpack_from("<H", package, 0)[0]
    if package[2:4] != b"\xda\x27" or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    count = struct.unpack_from("<I", package, header_size)[0]
    toc = [struct.unpack_from("<II", package, header_size + 4 + 8 * i) for i in range(count)]
    ends = [offset for _name, offset in toc[1:]] + [len(package) - header_size]
    found = []
    for (name_offset, data_offset), end in zip(toc, ends, strict=True):
        start = header_size + name_offset
        name = package[start:package.index(b"\0", start)].decode("ascii")
        found.append((name, package[header_size + data_offset:header_size + end]))
    return package[:header_size], found


def pack(header: bytes, kept: list[tuple[str, bytes]]) -> bytes:
    """A package holding ``kept``: header, count, (name, data) offsets, names, 16-byte aligned items."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _data in kept)
    toc_size = 4 + 8 * len(kept)
    data_start = toc_size + len(names)
    data_start += -(len(header) + data_start) % 16
    entries, blobs, name_at, data_at = [], [], toc_size, data_start
    for name, data in kept:
        entries.append(struct.pack("<II", name_at, data_at))
        name_at += len(name) + 1
        padded = data + b"\0" * (-len(data) % 16)
        blobs.append(padded)
        data_at += len(padded)
    body = struct.pack("<I", len(kept)) + b"".join(entries) + names
    return header + body + b"\0" * (data_start - len(body)) + b"".join(blobs)


def trimmed(package: bytes) -> bytes:
    header, found = items(package)
    return pack(header, [(name, data) for name, data in found if not DROPPED.search(name)])


def link(package: bytes, symbol: str, soname: str, out: Path) -> Path:
    """A shared library exporting ``symbol`` = the package, built with the system C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise FileNotFoundError("no C compiler (cc) to link the trimmed ICU data")
    with tempfile.TemporaryDirectory() as folder:
        blob = Path(folder) / "icudata.bin"
        blob.write_bytes(package)
        source = Path(folder) / "icudata.S"
        source.write_text(
            f'.section .rodata\n.balign 16\n.globl {symbol}\n.type {symbol}, @object\n{symbol}:\n'
            f'.incbin "{blob}"\n.size {symbol}, . - {symbol}\n.section .note.GNU-stack,"",@progbits\n')
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(out), str(source)],
                       check=True)
    return out


PROBE = r"""
import json
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QStringEncoder, QTimeZone
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
words = ["Äpfel", "apple", "Zebra", "ångström", "öl", "Oslo", "ıspanak", "İstanbul", "çay", "中文", "日本",
         "ελληνικά", "Ёж", "ezh", "ß", "ss", "10", "9", "résumé", "resume"]
out = {"collation": {}, "case": {}, "codecs": {}, "zones": {}}
for name in ["C", "en_US", "de_DE", "sv_SE", "tr_TR", "ja_JP", "zh_CN", "fr_FR", "ru_RU", "he_IL", "ar_EG"]:
    collator = QCollator(QLocale(name))
    out["collation"][name] = sorted(words, key=collator.sortKey)
    out["case"][name] = [QLocale(name).toUpper("istanbul ıi ß"), QLocale(name).toLower("İSTANBUL I")]
for codec in ["Shift_JIS", "EUC-JP", "GBK", "GB18030", "Big5", "EUC-KR", "windows-1252", "windows-1251",
              "KOI8-R", "ISO-8859-2", "ISO-8859-15", "IBM437", "macintosh", "TIS-620"]:
    encoder, decoder = QStringEncoder(codec), QStringDecoder(codec)  # opening one loads its ICU table
    out["codecs"][codec] = [encoder.isValid(), encoder.name(), decoder.isValid(), decoder.name()]
out["codecs"]["available"] = QStringEncoder.availableCodecs()
for zone in [b"Europe/Berlin", b"America/New_York", b"Asia/Tokyo", b"Australia/Adelaide", b"Africa/Casablanca"]:
    tz = QTimeZone(zone)
    for name in ["en_US", "de_DE", "fr_FR", "ja_JP"]:
        for kind in (QTimeZone.NameType.LongName, QTimeZone.NameType.ShortName, QTimeZone.NameType.OffsetName):
            key = f"{zone.decode()} {name} {kind.name}"
            out["zones"][key] = tz.displayName(QTimeZone.TimeType.StandardTime, kind, QLocale(name))
print(json.dumps(out, ensure_ascii=False, sort_keys=True))
"""


def probe(library_dir: Path | None) -> dict:
    """What the ICU-backed Qt features answer, with the data library in ``library_dir`` (None: PySide6's)."""
    env = dict(os.environ)
    if library_dir is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(library_dir), env.get("LD_LIBRARY_PATH")]))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the ICU probe failed:\n{result.stderr}")
    return json.loads(result.stdout)


def verify(library_dir: Path) -> list[str]:
    """The probe's differences between PySide6's full ICU data and the library in ``library_dir``."""
    full, trim = probe(None), probe(library_dir)
    return [f"{group} {key}: {full[group][key]!r} became {trim[group].get(key)!r}"
            for group in full for key in full[group] if full[group][key] != trim[group].get(key)]


def make(out_dir: Path) -> Path:
    """Writes the trimmed library into ``out_dir`` and returns its path."""
    library = find_library()
    symbol, offset, size = data_symbol(library)
    package = library.read_bytes()[offset:offset + size]
    return link(trimmed(package), symbol, library.name, out_dir / library.name)


if __name__ == "__main__":
    target = make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build") / "icu")
    print(f"{target}: {target.stat().st_size / 2**20:.1f} MB (was {find_library().stat().st_size / 2**20:.1f} MB)")
    differences = verify(target.parent)
    for line in differences:
        print("DIFFERS", line)
    print("probe: the same answers" if not differences else f"probe: {len(differences)} differences")
    raise SystemExit(1 if differences else 0)
