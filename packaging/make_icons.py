"""Renders the app icon's SVG into the forms the platforms need: PNGs, a Windows .ico, a macOS .icns.

    python packaging/make_icons.py [OUT_DIR]     (default: build/icons)

Qt (QtSvg) draws each size from the vector, so small sizes stay crisp. The .ico and .icns
containers are written here: both simply hold PNG images with a small index in front.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "togadesk.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def render_pngs(svg: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """PNG bytes of the SVG at each size."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    images = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        images[size] = bytes(data.data())
    return images


def ico(images: dict[int, bytes]) -> bytes:
    """A Windows icon file holding PNG images (understood since Windows Vista)."""
    sizes = sorted(images)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = images[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    """A macOS icon file: 'icns', total length, then (type, length, PNG) chunks."""
    chunks = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(images[size])) + images[size]
                      for size in sorted(images) if size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks


def make_icons(out: Path) -> dict[str, Path]:
    """Writes togadesk-<size>.png, togadesk.ico and togadesk.icns into ``out``; returns them by kind."""
    out.mkdir(parents=True, exist_ok=True)
    images = render_pngs(SVG, PNG_SIZES)
    for size, blob in images.items():
        (out / f"togadesk-{size}.png").write_bytes(blob)
    made = {"ico": out / "togadesk.ico", "icns": out / "togadesk.icns", "png": out / "togadesk-256.png"}
    made["ico"].write_bytes(ico({size: images[size] for size in ICO_SIZES}))
    made["icns"].write_bytes(icns(images))
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"
    for kind, path in make_icons(target).items():
        print(f"{kind}: {path} ({path.stat().st_size:,} bytes)")
