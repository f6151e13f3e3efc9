"""Builds the double-clickable TOGaDesk Agent into dist/ and smoke-tests what it built.

    python packaging/build.py              onedir: dist/togadesk-agent/togadesk-agent (fast start)
    python packaging/build.py --onefile    one file: dist/onefile/togadesk-agent (unpacks at every start)
    python packaging/build.py --no-smoke   build only
    python packaging/build.py --startup 5  also time process start to first paint, 5 runs, median

Steps: icons from the SVG (make_icons.py), PyInstaller with togadesk.spec, then the app's own
``--smoke-test`` run from the build: offscreen, a temporary data folder, the built-in sandbox, one
signed round trip; again on the desktop's own platform plugin (X11 under Xvfb on Linux, the Windows
and Cocoa plugins on Windows and macOS). The build fails if a smoke test fails, prints anything on
stderr, finds other keyring backends than this Python does (on Windows and macOS: does not keep
secrets in Credential Manager or the Keychain), or the bundle lacks a file the app needs at run time
(the platform plugin, the icon, the spelling dictionaries, keyring's entry points). On Linux a
.desktop file pointing at the build is written next to it. The size and the largest parts are
printed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

import trim_icu  # noqa: E402
from make_icons import make_icons  # noqa: E402

NAME = "togadesk-agent"
SMOKE_TIMEOUT_S = 120
# The Qt platform plugin the agents' desktops use, besides offscreen: the build's smoke test runs on it too.
NATIVE_PLATFORM = {"win32": "windows", "darwin": "cocoa"}
# The keyring backend the packaged app must find and use on each system (its secrets' only home there).
OS_KEYRING = {"win32": ("keyring.backends.Windows.WinVaultKeyring", "Windows WinVaultKeyring"),
              "darwin": ("keyring.backends.macOS.Keyring", "macOS Keyring")}


def executable(onefile: bool) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    if sys.platform == "darwin" and not onefile:
        return ROOT / "dist" / "TOGaDesk Agent.app" / "Contents" / "MacOS" / NAME
    return ROOT / "dist" / ("onefile" if onefile else NAME) / f"{NAME}{suffix}"


def trimmed_icu() -> Path:
    """Qt's ICU data without the parts Qt never reads (Linux), checked against the full data first."""
    library = trim_icu.make(ROOT / "build" / "icu")
    differences = trim_icu.verify(library.parent)
    if differences:
        raise SystemExit("The trimmed ICU data answers differently from Qt's own; update trim_icu.DROPPED or "
                         "build with --full-icu:\n  " + "\n  ".join(differences))
    print(f"icu: trimmed {trim_icu.find_library().stat().st_size / 2**20:.1f} MB of data to "
          f"{library.stat().st_size / 2**20:.1f} MB, same answers from collation, codecs, case and time zones")
    return library.parent


def build(onefile: bool, *, full_icu: bool = False) -> Path:
    icons = make_icons(ROOT / "build" / "icons")
    distpath = ROOT / "dist" / "onefile" if onefile else ROOT / "dist"
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(distpath), "--workpath", str(ROOT / "build" / ("pyinstaller-onefile" if onefile
                                                                              else "pyinstaller")),
               str(ROOT / "packaging" / "togadesk.spec"), "--", "--icons", str(icons["ico"].parent)]
    if onefile:
        command.append("--onefile")
    if sys.platform.startswith("linux") and not full_icu:
        command += ["--icu", str(trimmed_icu())]
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT)
    print(f"build: PyInstaller took {time.monotonic() - started:.0f} s")
    target = executable(onefile)
    if sys.platform.startswith("linux") and not onefile:
        write_desktop_entry(target, icons["png"])
    return target


def write_desktop_entry(target: Path, icon: Path) -> Path:
    """The .desktop file beside the build, with absolute paths, so a file manager can start it."""
    folder = target.parent
    shutil.copy2(icon, folder / f"{NAME}.png")
    text = (ROOT / "packaging" / f"{NAME}.desktop").read_text(encoding="utf-8")
    text = text.replace(f"Exec={NAME}", f'Exec="{target}"').replace(f"Icon={NAME}", f"Icon={folder / NAME}.png")
    entry = folder / f"{NAME}.desktop"
    entry.write_text(text, encoding="utf-8")
    entry.chmod(0o755)
    return entry


def smoke_test(target: Path, platform: str = "offscreen") -> list[str]:
    """Runs the build's --smoke-test on a Qt platform plugin; returns the problems found (empty when it passed).

    ``xcb`` loads the X11 plugin the agents' desktops use (under xvfb-run when there is no display), so a
    plugin or library the spec dropped by mistake fails the build too.
    """
    from gui.settings import Secrets
    from gui.smoke_test import keyring_backends

    report = ROOT / "build" / f"smoke-{platform}.txt"
    report.unlink(missing_ok=True)
    env = {**os.environ, "TOGADESK_SMOKE_REPORT": str(report), "TOGADESK_SMOKE_PLATFORM": platform}
    command = [str(target), "--smoke-test"]
    if platform == "xcb" and not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            print("smoke test on xcb: SKIPPED, no display and no xvfb-run")
            return []
        command = ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", *command]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=SMOKE_TIMEOUT_S, check=False)
    print(f"smoke test on {platform}: exit {result.returncode} in {time.monotonic() - started:.1f} s")
    lines = report.read_text(encoding="utf-8").splitlines() if report.is_file() else []  # stdout: none if windowed
    print("\n".join(f"  {line}" for line in lines))
    problems = []
    if result.returncode != 0:
        problems.append(f"the smoke test exited {result.returncode}")
    if result.stderr.strip():
        problems.append("the smoke test wrote to stderr:\n" + result.stderr)
    expected = "keyring backends: " + ", ".join(keyring_backends())
    if expected not in lines:
        problems.append(f"the build does not find the keyring backends this Python finds ({expected})")
    secrets = Secrets()
    expected = f"keyring in use: {secrets.backend_name()} (usable: {secrets.keyring_usable()})"
    if expected not in lines:  # e.g. none usable here: the build must fall back the same way
        problems.append(f"the build chose another keyring than this Python does ({expected})")
    return problems + keyring_problems(lines)


def keyring_problems(lines: list[str], platform: str = sys.platform) -> list[str]:
    """On Windows and macOS the build must load and use the system's own store (Credential Manager, Keychain)."""
    if platform not in OS_KEYRING:
        return []
    backend, name = OS_KEYRING[platform]
    loaded = next((line for line in lines if line.startswith("keyring backends: ")), "")
    problems = []
    if backend not in loaded.removeprefix("keyring backends: ").split(", "):
        problems.append(f"the build does not load {backend}")
    if f"keyring in use: {name} (usable: True)" not in lines:
        problems.append(f"the build does not keep secrets in {name}")
    return problems


def bundle_problems(target: Path, onefile: bool, platform: str = sys.platform) -> list[str]:
    """Files the packaged app needs at run time that a spec change could leave out: the platform plugin the
    desktop uses, the icon, the spelling dictionaries, keyring's entry points (how it finds its backends)."""
    if onefile:
        return []  # packed inside the executable; the smoke test is the check
    root = target.parent.parent if platform == "darwin" else target.parent
    files = {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file() or path.is_symlink()}
    wanted = {
        "the Qt platform plugin for this desktop": {"win32": r"PySide6/plugins/platforms/qwindows\.dll$",
                                                     "darwin": r"PySide6/Qt/plugins/platforms/libqcocoa\.dylib$"}
        .get(platform, r"PySide6/Qt/plugins/platforms/libqxcb\.so$"),
        "the app icon": r"resources/icons/togadesk\.svg$",
        "the English spelling dictionary": r"spellchecker/resources/en\.json\.gz$",
        "keyring's entry points": r"keyring-[^/]+\.dist-info/entry_points\.txt$",
    }
    return [f"the bundle lacks {what} ({pattern})" for what, pattern in wanted.items()
            if not any(re.search(pattern, name) for name in files)]


def bare_window() -> Path:
    """packaging/bare_window.py packaged onedir with PyInstaller's defaults: the floor to compare with."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", "--onedir",
                    "--distpath", str(ROOT / "build" / "bare-dist"), "--workpath", str(ROOT / "build" / "bare-work"),
                    "--specpath", str(ROOT / "build"), "--name", "bare-window", "--strip",
                    str(ROOT / "packaging" / "bare_window.py")], check=True, cwd=ROOT)
    return ROOT / "build" / "bare-dist" / "bare-window" / ("bare-window.exe" if sys.platform == "win32"
                                                           else "bare-window")


def startup_ms(command: list[str], runs: int) -> float:
    """Median time from process start to the main window's first paint (offscreen; the app runs its demo)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": str(ROOT / "build" / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # from source too, modules load from bytecode as when installed
    times = []
    for run in range(runs + 1):  # the first run warms the bytecode and disk caches and is not counted
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        for line in process.stdout:
            if line.startswith("main window painted"):
                if run:
                    times.append((time.perf_counter() - started) * 1000)
                break
        process.communicate(timeout=SMOKE_TIMEOUT_S)
    return statistics.median(times)


def size_report(target: Path, onefile: bool) -> None:
    root = target if onefile else target.parent.parent if sys.platform == "darwin" else target.parent
    files = [target] if onefile else [path for path in root.rglob("*") if path.is_file() and not path.is_symlink()]
    total = sum(path.stat().st_size for path in files)
    print(f"size: {total / 2**20:.1f} MB in {len(files)} files ({root})")
    for path in sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:8]:
        print(f"  {path.stat().st_size / 2**20:5.1f} MB  {path.relative_to(root) if not onefile else path.name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onefile", action="store_true", help="build one self-unpacking file instead of a folder")
    parser.add_argument("--no-smoke", action="store_true", help="skip the smoke test")
    parser.add_argument("--full-icu", action="store_true", help="ship Qt's whole ICU data (Linux; 15 MB more)")
    parser.add_argument("--startup", type=int, default=0, metavar="RUNS",
                        help="also time start to first paint over RUNS runs, beside the same from source")
    args = parser.parse_args()
    target = build(args.onefile, full_icu=args.full_icu)
    print(f"built: {target}")
    size_report(target, args.onefile)
    problems = bundle_problems(target, args.onefile)
    if not args.no_smoke:
        problems += smoke_test(target)
        if sys.platform.startswith("linux"):
            problems += smoke_test(target, "xcb")
        elif sys.platform in NATIVE_PLATFORM:
            problems += smoke_test(target, NATIVE_PLATFORM[sys.platform])
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    if args.startup:
        bare = bare_window()
        runs = args.startup
        figures = {  # interleaved per round would be fairer still; each median is over the same conditions
            "app, packaged": startup_ms([str(target), "--smoke-test"], runs),
            "bare window, packaged": startup_ms([str(bare)], runs),
            "app, from source": startup_ms([sys.executable, str(ROOT / "main.py"), "--smoke-test"], runs),
            "bare window, from source": startup_ms([sys.executable, str(ROOT / "packaging" / "bare_window.py")],
                                                   runs),
        }
        print(f"start-up to first paint, median of {runs} ({'onefile' if args.onefile else 'onedir'}):")
        for name, ms in figures.items():
            print(f"  {name:26} {ms:6.0f} ms")
        print(f"  packaged app / packaged bare window = "
              f"{figures['app, packaged'] / figures['bare window, packaged']:.2f}x; from source "
              f"{figures['app, from source'] / figures['bare window, from source']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
