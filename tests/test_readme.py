"""The README stands alone: it links nothing outside the repository, and its Layout names every folder of code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SHARED_SPEC = ROOT.parent / "shared" / "spec"


def layout() -> str:
    section = README.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def tracked_folders() -> set[str]:
    """Top-level folders of the repository (tracked files only, so build output and caches do not count)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return {line.split("/", 1)[0] for line in files.splitlines() if "/" in line}
    return {p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in {"build", "dist", ".git", "__pycache__"}}


def test_the_readme_points_at_nothing_outside_the_repository():
    assert "../" not in README  # e.g. ../shared/spec/, which a copy of the repository does not have
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t for t in targets if not t.startswith(("http://", "https://", "mailto:", "#"))]
    assert local, "no links found"
    assert [t for t in local if t.startswith("/") or not (ROOT / t.split("#", 1)[0]).exists()] == []


def test_the_vendor_documents_are_linked_and_kept_in_the_repository():
    assert "[`docs/vendor/`](docs/vendor/)" in README
    assert sorted(p.name for p in (ROOT / "docs" / "vendor").glob("*.txt")) == ["order-api-v2.0.2.txt",
                                                                               "ticketing-api-v2.1.2.txt"]


@pytest.mark.skipif(not SHARED_SPEC.is_dir(), reason="the shared spec folder is not beside this repository")
def test_the_copies_are_the_vendors_documents_unchanged():
    for document in (ROOT / "docs" / "vendor").glob("*.txt"):
        assert document.read_bytes() == (SHARED_SPEC / document.name).read_bytes(), document.name


def test_the_layout_names_every_package_folder_and_every_top_level_folder():
    names = {line.split()[0] for line in layout().splitlines() if line.strip() and not line.startswith(" ")}
    packages = sorted(f"{p.parent.relative_to(ROOT).as_posix()}/" for p in (ROOT / "gui").rglob("__init__.py")
                      if "__pycache__" not in p.parts and p.parent != ROOT / "gui")
    assert {"gui/api/", "gui/sandbox/", "gui/services/", "gui/team/", "gui/relay/", "gui/views/", "gui/models/"} <= \
        set(packages)
    assert [p for p in packages if p not in names] == []
    folders = {f"{name}/" for name in tracked_folders() - {"gui"}}
    named = {name.split("/", 1)[0] + "/" for name in names}
    assert [f for f in sorted(folders) if f not in named] == []
