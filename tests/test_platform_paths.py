"""The desk's data and settings go where each system keeps an application's own: Qt's AppDataLocation
(%APPDATA%\\TOGaDesk\\TOGaDesk Agent on Windows) and its native settings store (the registry on Windows).

Run in a child process: the names are set on the QApplication, which the other tests share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json
from gui.app import data_dir, make_application
from PySide6.QtCore import QSettings
make_application(["probe"])
print(json.dumps({"data": str(data_dir()), "settings": QSettings().fileName()}))
"""


def where_the_app_keeps_things(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_data_and_settings_go_to_the_systems_own_place_for_the_organisation_and_app(tmp_path):
    found = where_the_app_keeps_things(tmp_path)
    data = Path(found["data"])
    if sys.platform == "win32":  # the roaming profile's AppData, which %APPDATA% names
        assert data == Path(os.environ["APPDATA"]) / "TOGaDesk" / "TOGaDesk Agent"
        assert found["settings"] == "\\HKEY_CURRENT_USER\\Software\\TOGaDesk\\TOGaDesk Agent"
    elif sys.platform == "darwin":
        assert data == Path.home() / "Library" / "Application Support" / "TOGaDesk" / "TOGaDesk Agent"
        assert found["settings"].startswith(str(Path.home() / "Library" / "Preferences"))
    else:
        assert data == tmp_path / "data" / "TOGaDesk" / "TOGaDesk Agent"
        assert Path(found["settings"]) == tmp_path / "config" / "TOGaDesk" / "TOGaDesk Agent.conf"
