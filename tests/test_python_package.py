"""`pip wheel .` builds a package that installs: its dependencies are requirements.txt's pins, `togadesk` starts
the app, and the app finds its own files (the icon) in the installed package, not in the repository."""

from __future__ import annotations

import email
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

from check_wheels import pinned  # noqa: E402

# What the build reads: the project file, the entry module, the package and the app's own files.
BUILD_INPUTS = ("pyproject.toml", "main.py", "gui", "resources")


def declared() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def test_the_package_declares_exactly_the_pins_of_requirements_txt():
    assert [str(Requirement(line)) for line in declared()] == [str(r) for r in pinned()]


def test_every_gui_package_folder_is_a_package_the_build_finds():
    """The build takes gui and gui.* by their __init__.py: a folder of modules without one would be left out."""
    folders = {path.parent for path in (ROOT / "gui").rglob("*.py") if "__pycache__" not in path.parts}
    assert [str(f.relative_to(ROOT)) for f in sorted(folders) if not (f / "__init__.py").is_file()] == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel ``pip wheel . --no-deps`` builds, from a copy of the tree (the build writes egg-info beside it)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "screenshots"))
        else:
            shutil.copy2(path, source / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(out),
                             "--disable-pip-version-check", "--quiet"], capture_output=True, text=True, timeout=300,
                            check=False)
    if result.returncode != 0 and "Could not find a version that satisfies the requirement setuptools" in result.stderr:
        pytest.skip("the package index could not be reached for the build backend (setuptools)")
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("togadesk_agent-*.whl")
    return built


def wheel_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (info,) = {n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".dist-info")}
        return archive.read(f"{info}/{name}").decode("utf-8")


@pytest.mark.slow
def test_the_wheel_lists_the_dependencies_and_the_togadesk_entry_point(wheel):
    metadata = email.message_from_string(wheel_text(wheel, "METADATA"))
    assert metadata["Name"] == "togadesk-agent"
    from gui import __version__

    assert metadata["Version"] == __version__
    assert metadata.get_all("Requires-Dist") == [str(r) for r in pinned()]
    entry_points = wheel_text(wheel, "entry_points.txt")
    assert "[gui_scripts]\ntogadesk = main:main" in entry_points
    assert "[console_scripts]\ntogadesk-cli = main:main" in entry_points


@pytest.mark.slow
def test_the_wheel_holds_every_gui_package_and_the_icon_but_not_tests_or_build_scripts(wheel):
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
    packages = sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "gui").rglob("__init__.py")
                      if "__pycache__" not in p.parts)
    assert [p for p in packages if f"{p}/__init__.py" not in files] == []
    assert {"main.py", "resources/icons/togadesk.svg", "gui/sandbox/seed.py"} <= files
    assert not [f for f in files if f.startswith(("tests/", "packaging/", "resources/screenshots/"))]


@pytest.mark.slow
def test_the_installed_wheel_starts_with_togadesk_and_passes_its_smoke_test(wheel, tmp_path):
    """A fresh venv holds only the wheel; its dependencies come from this environment through a .pth file
    (installing PySide6 again would take a minute). ``togadesk`` is the launcher pip writes for the entry point."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    "--disable-pip-version-check", str(wheel)], check=True, timeout=300)
    installed = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                    capture_output=True, text=True, check=True).stdout.strip())
    (installed / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    launcher = venv / ("Scripts/togadesk.exe" if sys.platform == "win32" else "bin/togadesk")
    assert launcher.is_file()
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "PYTHON"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", TOGADESK_SMOKE_REPORT=str(tmp_path / "smoke.txt"))
    result = subprocess.run([str(launcher), "--smoke-test"], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=180, check=False)
    report = (tmp_path / "smoke.txt").read_text(encoding="utf-8").splitlines()
    assert result.returncode == 0, "\n".join(report) + result.stderr
    assert report[0].endswith(f"resources in {installed}")  # the icon came from the installed package
    assert "icon: ok" in report and report[-1] == "smoke test passed"
