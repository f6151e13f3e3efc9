"""What the packaged app relies on, checked from source: resources, icon files, the smoke test."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gui import resources
from gui.resources import APP_ICON, resource_path
from gui.views.app_icon import app_icon, app_mark
from gui.views.tray import badge_icon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

from make_icons import ICO_SIZES, make_icons  # noqa: E402


def test_resources_are_found_in_the_repository_when_running_from_source():
    assert resource_path(APP_ICON) == ROOT / "resources" / "icons" / "togadesk.svg"
    assert not resources.is_frozen()


def test_resources_are_found_in_the_bundle_folder_when_frozen(tmp_path, monkeypatch):
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    (tmp_path / "resources" / "icons" / "togadesk.svg").write_text("<svg/>")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path(APP_ICON) == tmp_path / "resources" / "icons" / "togadesk.svg"


def test_a_resource_the_build_left_out_is_named_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(FileNotFoundError, match=r"togadesk\.svg"):
        resource_path(APP_ICON)


def test_the_app_icon_renders_from_its_svg_at_every_size(qapp):
    for size in (16, 32, 256):
        image = app_mark(size).toImage()
        assert image.size().width() == size
        assert image.pixelColor(size // 2, size // 8).alpha() == 255  # opaque inside the rounded square
        assert image.pixelColor(0, 0).alpha() == 0  # transparent corner
    assert not app_icon().isNull()


def test_the_unread_badge_is_drawn_over_the_app_icon(qapp):
    plain = badge_icon(0).pixmap(64).toImage()
    counted = badge_icon(3).pixmap(64).toImage()
    assert plain.pixelColor(8, 40) == counted.pixelColor(8, 40)  # the mark is the same
    assert counted.pixelColor(47, 8).red() > 150 and counted.pixelColor(47, 8).blue() < 100  # a red dot


def test_make_icons_writes_pngs_a_windows_ico_and_a_macos_icns(qapp, tmp_path):
    made = make_icons(tmp_path)
    assert QImage(str(made["png"])).width() == 256
    data = made["ico"].read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(ICO_SIZES))
    for index, size in enumerate(ICO_SIZES):
        width, _height, _colours, _zero, _planes, _bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index)
        assert width == (0 if size == 256 else size)
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
    icns = made["icns"].read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    kinds, at = [], 8
    while at < len(icns):
        kinds.append(icns[at:at + 4])
        at += struct.unpack_from(">I", icns, at + 4)[0]
    assert kinds == [b"icp4", b"icp5", b"icp6", b"ic07", b"ic08", b"ic09", b"ic10"]


@pytest.mark.slow
def test_the_smoke_test_passes_and_writes_nothing_outside_its_temporary_folder(tmp_path):
    home, scratch = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    scratch.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.update(HOME=str(home), TMPDIR=str(scratch), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--smoke-test"], capture_output=True,
                            text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert "signed round trip: ticket #12345678 fetched and stored" in lines
    assert "main window painted" in lines
    assert any(line.startswith("keyring backends: ") and "SecretService" in line and "WinVault" in line
               and "macOS" in line for line in lines)
    assert lines[-1] == "smoke test passed"
    assert list(home.rglob("*")) == []
    assert list(scratch.iterdir()) == []  # its temporary folder is gone too


@pytest.mark.skipif(not sys.platform.startswith("linux") or not (shutil.which("nm") and shutil.which("objdump")),
                    reason="ICU data is trimmed on Linux builds, with binutils")
def test_the_icu_package_is_rewritten_without_the_trees_qt_never_reads():
    import trim_icu

    library = trim_icu.find_library()
    symbol, offset, size = trim_icu.data_symbol(library)
    package = library.read_bytes()[offset:offset + size]
    header, everything = trim_icu.items(package)
    assert symbol == f"icudt{library.name.rsplit('.', 1)[1]}_dat"
    assert trim_icu.items(trim_icu.pack(header, everything))[1] == everything  # packing loses nothing

    _header, kept = trim_icu.items(trim_icu.trimmed(package))
    names = {name.split("/", 1)[1] for name, _data in kept}
    assert {"coll/root.res", "zoneinfo64.res", "cnvalias.icu", "metaZones.res", "res_index.res"} <= names
    assert any(name.startswith("zone/") for name in names) and any(name.endswith(".cnv") for name in names)
    assert not any(name.startswith(("brkitr/", "curr/", "unit/", "lang/", "region/", "translit/")) for name in names)
    assert [name for name, _data in kept] == sorted(name for name, _data in kept)  # ICU binary-searches the table


def test_the_packaged_app_gives_programs_it_starts_the_systems_libraries_not_its_own(monkeypatch):
    import main

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    environ = {"LD_LIBRARY_PATH": "/opt/togadesk/_internal", "LD_LIBRARY_PATH_ORIG": "/usr/local/lib"}
    main.restore_library_path(environ)
    assert environ == {"LD_LIBRARY_PATH": "/usr/local/lib"}
    environ = {"LD_LIBRARY_PATH": "/opt/togadesk/_internal"}
    main.restore_library_path(environ)
    assert environ == {}


def test_from_source_the_library_path_is_left_alone(monkeypatch):
    import main

    environ = {"LD_LIBRARY_PATH": "/usr/local/lib"}
    main.restore_library_path(environ)
    assert environ == {"LD_LIBRARY_PATH": "/usr/local/lib"}


def load_build_script():
    """packaging/build.py as a module of its own name (a ``build`` folder may sit at the repository root)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("togadesk_build", ROOT / "packaging" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dropped_by_the_spec():
    """The spec's DROPPED patterns, read from its source (the spec itself only runs inside PyInstaller)."""
    import ast
    import re

    tree = ast.parse((ROOT / "packaging" / "togadesk.spec").read_text(encoding="utf-8"))
    (patterns,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                   and any(getattr(target, "id", "") == "DROPPED" for target in node.targets)]
    return re.compile("|".join(patterns))


@pytest.mark.parametrize("path", [
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland-generic.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/plugins/platforms/libqoffscreen.dylib", "PySide6/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so",
    "PySide6/Qt/plugins/networkinformation/libqapplenetworkinformation.dylib",
    "PySide6/plugins/networkinformation/qnetworklistmanager.dll", "PySide6/Qt/plugins/imageformats/libqsvg.dylib",
])
def test_the_spec_keeps_the_platform_plugin_and_network_status_of_every_desktop(path):
    """Without libqcocoa the macOS app starts only offscreen: its smoke test passed while no window could open."""
    assert not dropped_by_the_spec().search(path)


@pytest.mark.parametrize("path", [
    "PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/plugins/platforms/libqminimal.dylib",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so", "PySide6/Qt/plugins/tls/libqopensslbackend.dylib",
    "PySide6/Qt/plugins/imageformats/libqwebp.dylib",
])
def test_the_spec_drops_what_no_desktop_uses(path):
    assert dropped_by_the_spec().search(path)


KEYRING_LINES = {
    "win32": ["keyring backends: keyring.backends.SecretService.Keyring, keyring.backends.Windows.WinVaultKeyring",
              "keyring in use: Windows WinVaultKeyring (usable: True)"],
    "darwin": ["keyring backends: keyring.backends.macOS.Keyring, keyring.backends.fail.Keyring",
               "keyring in use: macOS Keyring (usable: True)"],
}


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_on_windows_and_macos_the_build_must_keep_secrets_in_the_systems_own_store(platform):
    build = load_build_script()
    assert build.keyring_problems(KEYRING_LINES[platform], platform) == []
    fell_back = ["keyring backends: keyring.backends.fail.Keyring", "keyring in use: fail Keyring (usable: False)"]
    backend, name = build.OS_KEYRING[platform]
    assert build.keyring_problems(fell_back, platform) == [f"the build does not load {backend}",
                                                           f"the build does not keep secrets in {name}"]


def test_on_linux_the_keyring_the_build_uses_is_whatever_this_python_uses():
    assert load_build_script().keyring_problems(["keyring in use: fail Keyring (usable: False)"], "linux") == []


BUNDLES = {
    "linux": ("togadesk-agent/togadesk-agent", "togadesk-agent/_internal",
              "PySide6/Qt/plugins/platforms/libqxcb.so"),
    "win32": ("togadesk-agent/togadesk-agent.exe", "togadesk-agent/_internal",
              "PySide6/plugins/platforms/qwindows.dll"),
    "darwin": ("TOGaDesk Agent.app/Contents/MacOS/togadesk-agent", "TOGaDesk Agent.app/Contents/Frameworks",
               "PySide6/Qt/plugins/platforms/libqcocoa.dylib"),
}


@pytest.mark.parametrize("platform", list(BUNDLES))
def test_a_bundle_without_a_file_the_app_needs_at_run_time_fails_the_build(tmp_path, platform):
    build = load_build_script()
    executable, internal, plugin = BUNDLES[platform]
    for name in (executable, f"{internal}/{plugin}", f"{internal}/resources/icons/togadesk.svg",
                 f"{internal}/spellchecker/resources/en.json.gz",
                 f"{internal}/keyring-25.7.0.dist-info/entry_points.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    target = tmp_path / executable
    assert build.bundle_problems(target, onefile=False, platform=platform) == []
    (tmp_path / internal / plugin).unlink()
    (tmp_path / internal / "spellchecker" / "resources" / "en.json.gz").unlink()
    problems = build.bundle_problems(target, onefile=False, platform=platform)
    assert [problem.split(" (")[0] for problem in problems] == [
        "the bundle lacks the Qt platform plugin for this desktop", "the bundle lacks the English spelling dictionary"]
