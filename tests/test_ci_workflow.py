"""The GitHub Actions workflow runs what .ci/run (the local gate) runs and the README's test command, on the three
systems the agents use, and uploads the build. Read as text: no YAML library is needed or installed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
sys.path.insert(0, str(ROOT / "packaging"))

from check_wheels import PYTHON  # noqa: E402


def workflow_commands() -> list[str]:
    """Every command of the workflow's ``run:`` steps (one-line and block form), comments dropped."""
    lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    commands, block_indent = [], None
    for line in lines:
        stripped = line.strip()
        if block_indent is not None:
            if stripped and len(line) - len(line.lstrip()) <= block_indent:
                block_indent = None
            else:
                if stripped and not stripped.startswith("#"):
                    commands.append(stripped)
                continue
        match = re.match(r"^(\s*)(?:- )?run:\s*(.*)$", line)
        if match and match.group(2):  # (a bare "run:" is the defaults mapping)
            if match.group(2) in ("|", ">"):
                block_indent = len(match.group(1))
            else:
                commands.append(match.group(2).strip())
    return commands


def gate_commands() -> list[str]:
    """What .ci/run runs: its python, ruff and QT_QPA_PLATFORM=... lines (not the venv it makes for itself)."""
    found = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith(("python ", "ruff ", "QT_QPA_PLATFORM=")):
            found.append(line)
    return found


def plain(command: str) -> str:
    """The command without its noise flags."""
    return " ".join(word for word in command.split() if word not in ("--quiet", "-q", "-qq"))


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Test it", 1)[1].split("\n## ", 1)[0]
    code = section.split("```sh", 1)[1].split("```", 1)[0]
    (command,) = [line.strip() for line in code.splitlines() if "pytest" in line]
    return command


def test_the_workflow_runs_the_readmes_test_command_as_written():
    command = readme_test_command()
    assert command == "QT_QPA_PLATFORM=offscreen python -m pytest -q"
    assert command in workflow_commands()
    assert command in gate_commands()


def test_every_step_of_the_local_gate_is_a_step_of_the_workflow():
    gate = [plain(c) for c in gate_commands()]
    assert gate, "no commands found in .ci/run"
    assert [c for c in gate if c not in {plain(w) for w in workflow_commands()}] == []
    assert "python packaging/build.py" in gate and "pip install" in " ".join(gate)


def test_the_workflow_installs_what_the_gate_installs_from_debian():
    gate = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    workflow = WORKFLOW.read_text(encoding="utf-8")
    wanted = set(re.findall(r"\b(xvfb|xauth|libxcb-[\w-]+|libxkbcommon-x11-0|postgresql)\b", gate))
    assert {"xvfb", "postgresql", "libxcb-cursor0"} <= wanted
    assert [p for p in sorted(wanted) if not re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", workflow)] == []


def test_the_workflow_runs_on_windows_macos_and_ubuntu_with_the_python_the_build_bundles():
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert "os: [windows-latest, macos-latest, ubuntu-latest]" in workflow
    assert "runs-on: ${{ matrix.os }}" in workflow and "fail-fast: false" in workflow
    assert f'python-version: "{PYTHON}"' in workflow
    assert "shell: bash" in workflow  # so the README's VAR=value command works on Windows too


def test_the_workflow_uploads_each_build_and_fails_when_there_is_none():
    workflow = WORKFLOW.read_text(encoding="utf-8")
    upload = workflow.split("actions/upload-artifact@", 1)[1]
    assert "name: togadesk-agent-${{ runner.os }}" in upload  # one artifact per system: v4 refuses a second upload
    assert "if-no-files-found: error" in upload
    commands = " ".join(workflow_commands())
    assert '"TOGaDesk Agent.app"' in commands and "dist/togadesk-agent" in commands


def test_actions_are_pinned_to_a_major_version():
    uses = re.findall(r"uses:\s*(\S+)", WORKFLOW.read_text(encoding="utf-8"))
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+", action) for action in uses), uses
