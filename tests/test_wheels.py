"""Every pinned runtime dependency, and what it pulls in there, installs from a wheel on Windows, macOS and Linux."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import check_wheels  # noqa: E402
from check_wheels import PLATFORMS, IndexUnreachable, check, check_platform, dependencies, describe, pinned  # noqa: E402

WINDOWS, MAC_ARM, _MAC_INTEL, LINUX = PLATFORMS
KEYRING = ['pywin32-ctypes>=0.2.0; sys_platform == "win32"', 'SecretStorage>=3.2; sys_platform == "linux"',
           'importlib_metadata>=4.11.4; python_version < "3.12"', "jaraco.classes", 'pytest>=6; extra == "test"']
PSYCOPG = ['tzdata; sys_platform == "win32"', 'psycopg-binary==3.3.9; implementation_name != "pypy" and '
           'extra == "binary"', 'psycopg-c==3.3.9; implementation_name != "pypy" and extra == "c"']


def names(requirements: list[Requirement]) -> list[str]:
    return [str(r) for r in requirements]


def test_markers_are_read_for_the_target_platform_not_for_this_machine():
    assert names(dependencies(KEYRING, WINDOWS)) == ["pywin32-ctypes>=0.2.0", "importlib_metadata>=4.11.4",
                                                     "jaraco.classes"]
    assert names(dependencies(KEYRING, LINUX)) == ["SecretStorage>=3.2", "importlib_metadata>=4.11.4",
                                                   "jaraco.classes"]
    assert names(dependencies(KEYRING, MAC_ARM, python="3.12")) == ["jaraco.classes"]


def test_an_extra_brings_in_only_its_own_dependencies():
    assert names(dependencies(PSYCOPG, WINDOWS, ["binary"])) == ["tzdata", "psycopg-binary==3.3.9"]
    assert names(dependencies(PSYCOPG, MAC_ARM)) == []


def test_the_pins_are_read_from_requirements_txt_without_comments(tmp_path):
    file = tmp_path / "requirements.txt"
    file.write_text("# comment\n-r other.txt\nPySide6-Essentials==6.11.3  # why\n\npsycopg[binary]==3.3.9\n")
    assert names(pinned(file)) == ["PySide6-Essentials==6.11.3", "psycopg[binary]==3.3.9"]


@pytest.fixture
def index_reports():
    try:
        return check()
    except IndexUnreachable as error:
        pytest.skip(f"the package index could not be reached, so wheels cannot be checked: {error}")


@pytest.mark.slow
def test_every_pinned_dependency_has_a_wheel_for_windows_macos_and_linux(index_reports):
    print("\n" + "\n".join(describe(index_reports)))  # pytest -s shows the table: package, platform, wheel
    assert [(r.platform, r.missing) for r in index_reports] == [(p.name, []) for p in PLATFORMS]
    pins = {Requirement(str(r)).name.lower() for r in pinned()}
    for report in index_reports:
        found = {item.name.lower().replace("_", "-"): item for item in report.found}
        assert {name.replace("_", "-") for name in pins} <= set(found)
        assert all(item.version for item in report.found)
    windows = {item.name.lower().replace("_", "-"): item.tags for item in index_reports[0].found}
    assert windows["pyside6-essentials"].endswith("win_amd64") and windows["psycopg-binary"].endswith("win_amd64")
    assert windows["pywin32-ctypes"] == "py3-none-any"  # the Credential Manager backend's only dependency


@pytest.mark.slow
def test_a_package_with_only_a_source_archive_is_named_as_having_no_wheel():
    try:
        report = check_platform(WINDOWS, [Requirement("psycopg-c==3.3.9")])  # psycopg's C build: sdist only
    except IndexUnreachable as error:
        pytest.skip(f"the package index could not be reached: {error}")
    assert [(item.requirement, item.wheel) for item in report.missing] == [("psycopg-c==3.3.9", "")]
    assert describe([report])[-1] == "no wheel: psycopg-c==3.3.9 on Windows x64"


def test_an_index_that_does_not_answer_is_told_apart_from_a_missing_wheel(monkeypatch):
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:1/simple")  # nothing listens on port 1
    monkeypatch.setenv("PIP_RETRIES", "0")
    with pytest.raises(IndexUnreachable, match="connection error"):
        check_platform(WINDOWS, [Requirement("six==1.17.0")])


def test_the_checker_runs_as_a_script_and_says_when_the_index_is_unreachable(monkeypatch, capsys):
    monkeypatch.setattr(check_wheels, "check", lambda: (_ for _ in ()).throw(IndexUnreachable("no route")))
    monkeypatch.setattr(sys, "argv", ["check_wheels.py"])
    assert check_wheels.main() == 3
    assert "could not be reached: no route" in capsys.readouterr().err
