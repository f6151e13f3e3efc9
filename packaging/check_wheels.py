"""Does every runtime dependency install from a wheel on each platform we ship for, at the pinned version?

    python packaging/check_wheels.py            a line per package and platform; exit 1 if one has none
    python packaging/check_wheels.py --json F   also write the findings to F

The pins of requirements.txt and what they pull in on that platform (keyring's pywin32-ctypes on
Windows, PySide6's shiboken6, psycopg's binary build and tzdata...), each looked up in the package
index with ``pip install --dry-run --only-binary=:all: --platform ... --no-deps``: pip reads the
wheels' metadata, not the wheels, so the whole check takes seconds. A pure-Python wheel counts. The
dependencies' environment markers are evaluated for the target platform, not for this machine (pip
itself would evaluate them here). Exit 3 when the index cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYTHON = "3.11"  # what the packaged app bundles (the CI builds with it)


@dataclass(frozen=True)
class Platform:
    name: str
    tags: tuple[str, ...]  # pip's --platform values; pip widens a macOS tag to older releases and universal2
    markers: dict[str, str]


def _manylinux(oldest_glibc_minor: int = 17, newest_glibc_minor: int = 34) -> tuple[str, ...]:
    """pip does not widen a manylinux tag to older glibc releases: every one is named."""
    tags = tuple(f"manylinux_2_{minor}_x86_64" for minor in range(newest_glibc_minor, oldest_glibc_minor - 1, -1))
    return (*tags, "manylinux2014_x86_64")


PLATFORMS = (
    Platform("Windows x64", ("win_amd64",),
             {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"}),
    Platform("macOS 13+ arm64", ("macosx_13_0_arm64",),
             {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix", "platform_machine": "arm64"}),
    Platform("macOS 13+ x86-64", ("macosx_13_0_x86_64",),
             {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
              "platform_machine": "x86_64"}),
    Platform("Linux x86-64 (glibc 2.34+)", _manylinux(),
             {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"}),
)

# pip's words (at -vv) when it could not read the index's page for a project, as opposed to reading it and
# finding no file that fits.
_UNREACHABLE = re.compile(r"Could not fetch URL \S+: connection error|Could not fetch URL \S+: .*(timed out|"
                          r"SSLError|ProxyError|Name or service not known|Temporary failure)", re.IGNORECASE)


class IndexUnreachable(RuntimeError):
    """The package index did not answer: nothing can be said about wheels."""


@dataclass
class Found:
    name: str
    version: str  # "" when nothing was found
    wheel: str  # the wheel's file name; "" when there is none
    required_by: str  # "requirements.txt" or the package that pulls it in
    requirement: str

    @property
    def tags(self) -> str:
        """``cp310-abi3-win_amd64``, ``py3-none-any``: the part of the file name that says where it installs."""
        return "-".join(self.wheel[:-len(".whl")].split("-")[2:]) if self.wheel else ""


@dataclass
class Report:
    platform: str
    found: list[Found] = field(default_factory=list)

    @property
    def missing(self) -> list[Found]:
        return [item for item in self.found if not item.wheel]


def pinned(requirements: Path = ROOT / "requirements.txt") -> list[Requirement]:
    """The requirements of a requirements file (comments, blank lines and pip options left out)."""
    found = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def environment(platform: Platform, python: str = PYTHON) -> dict[str, str]:
    """Marker variables as the target platform's Python would have them."""
    env = default_environment()
    env.update(platform.markers, python_version=python, python_full_version=f"{python}.0",
               implementation_name="cpython", platform_python_implementation="CPython")
    return env


def dependencies(requires_dist: Iterable[str], platform: Platform, extras: Iterable[str] = (),
                 python: str = PYTHON) -> list[Requirement]:
    """What a package's ``Requires-Dist`` lines pull in on ``platform`` with ``extras`` asked for, markers dropped."""
    env = environment(platform, python)
    wanted = []
    for line in requires_dist:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({**env, "extra": extra}) for extra in ("", *extras)):
            continue
        requirement.marker = None
        wanted.append(requirement)
    return wanted


def _dry_run(requirements: list[Requirement], platform: Platform, python: str, *,
             verbose: bool = False) -> tuple[list[dict], str]:
    """pip's report of what it would install for ``requirements`` (no dependencies), and its error text
    (``verbose``: with pip's debug lines, which say whether the index answered)."""
    with tempfile.TemporaryDirectory(prefix="togadesk-wheels-") as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-deps",
                   "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
                   "--disable-pip-version-check", "-vv" if verbose else "--quiet", "--report", str(report)]
        for tag in platform.tags:
            command += ["--platform", tag]
        result = subprocess.run([*command, *map(str, requirements)], capture_output=True, text=True, timeout=300,
                                check=False)
        if result.returncode == 0 and report.is_file():
            return json.loads(report.read_text(encoding="utf-8")).get("install", []), ""
        return [], result.stdout + result.stderr


def check_platform(platform: Platform, requirements: list[Requirement], python: str = PYTHON) -> Report:
    """Every requirement and what it pulls in on ``platform``, with the wheel pip would take (or none)."""
    report = Report(platform.name)
    seen = {canonicalize_name(r.name) for r in requirements}
    pending = [(r, "requirements.txt") for r in requirements]
    while pending:
        batch, pending = pending, []
        items, _errors = _dry_run([r for r, _by in batch], platform, python)
        if not items:  # one requirement without a wheel fails the whole batch: ask one at a time
            answers = []
            for requirement, by in batch:
                single, single_errors = _dry_run([requirement], platform, python, verbose=True)
                if not single and (unreachable := _UNREACHABLE.search(single_errors)):
                    raise IndexUnreachable(unreachable.group(0))
                answers.append((requirement, by, single))
        else:
            by_name = {canonicalize_name(i["metadata"]["name"]): i for i in items}
            answers = [(r, by, [by_name[canonicalize_name(r.name)]] if canonicalize_name(r.name) in by_name else [])
                       for r, by in batch]
        for requirement, by, found in answers:
            if not found:
                report.found.append(Found(requirement.name, "", "", by, str(requirement)))
                continue
            item = found[0]
            metadata = item["metadata"]
            wheel = item["download_info"]["url"].rsplit("/", 1)[-1].split("#", 1)[0]
            report.found.append(Found(metadata["name"], metadata["version"], wheel, by, str(requirement)))
            extras = item.get("requested_extras") or sorted(requirement.extras)
            for dependency in dependencies(metadata.get("requires_dist") or [], platform, extras, python):
                name = canonicalize_name(dependency.name)
                if name not in seen:
                    seen.add(name)
                    pending.append((dependency, metadata["name"]))
    return report


def check(requirements: list[Requirement] | None = None, platforms: Iterable[Platform] = PLATFORMS,
          python: str = PYTHON) -> list[Report]:
    """One report per platform (asked in parallel); raises IndexUnreachable when the index does not answer."""
    requirements = pinned() if requirements is None else requirements
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda platform: check_platform(platform, requirements, python), platforms))


def describe(reports: list[Report]) -> list[str]:
    lines = []
    for report in reports:
        lines.append(f"{report.platform}:")
        for item in report.found:
            source = "" if item.required_by == "requirements.txt" else f"  (for {item.required_by})"
            lines.append(f"  {item.name} {item.version or item.requirement}: "
                         f"{item.tags or 'NO WHEEL'}{source}")
    missing = [(report.platform, item) for report in reports for item in report.missing]
    if missing:
        lines.append("no wheel: " + "; ".join(f"{item.requirement} on {platform}" for platform, item in missing))
    else:
        count = len({canonicalize_name(item.name) for report in reports for item in report.found})
        lines.append(f"every one of {count} packages has a wheel on each of {len(reports)} platforms "
                     f"(Python {PYTHON})")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    args = parser.parse_args()
    try:
        reports = check()
    except IndexUnreachable as error:
        print(f"The package index could not be reached: {error}", file=sys.stderr)
        return 3
    print("\n".join(describe(reports)))
    if args.json:
        args.json.write_text(json.dumps([{"platform": r.platform, "found": [asdict(f) for f in r.found]}
                                         for r in reports], indent=2), encoding="utf-8")
    return 1 if any(report.missing for report in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
