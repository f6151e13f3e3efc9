"""Help > About: what is running (app, Python, Qt) and where it keeps its data and log, for support calls."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl, Slot, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .app_icon import app_mark


@dataclass(frozen=True)
class AboutFacts:
    version: str
    data_folder: Path
    log_file: Path | None
    keyring: str

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("Version", self.version),
            ("Python", f"{platform.python_version()} ({sys.platform}, {platform.machine()})"),
            ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
            ("Secret keys", self.keyring),
            ("Data folder", str(self.data_folder)),
            ("Log file", str(self.log_file) if self.log_file else "not written"),
        ]

    def text(self) -> str:
        """The same facts as plain text, for pasting into a support ticket."""
        return "TOGaDesk Agent\n" + "\n".join(f"{name}: {value}" for name, value in self.lines())


class AboutDialog(QDialog):
    def __init__(self, facts: AboutFacts, parent: QWidget | None = None):
        super().__init__(parent)
        self.facts = facts
        self.setWindowTitle("About TOGaDesk Agent")
        title = QLabel(f"<b>TOGaDesk Agent</b> {facts.version}")  # our own text: no server content here
        title.setStyleSheet("font-size: 15pt;")
        blurb = QLabel("A desktop helpdesk for Agilant's TOGaDesk ticketing and TOGa order APIs.")
        blurb.setWordWrap(True)
        logo = QLabel()
        logo.setPixmap(app_mark(64))
        heading = QHBoxLayout()
        heading.addWidget(logo)
        texts = QVBoxLayout()
        texts.addWidget(title)
        texts.addWidget(blurb)
        heading.addLayout(texts, 1)

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in facts.lines():
            label = QLabel(value)
            label.setTextFormat(Qt.TextFormat.PlainText)  # paths may hold any character
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            label.setAccessibleName(name)
            form.addRow(f"{name}:", label)
            self.values[name] = label

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setToolTip("Copy these facts to paste them into a support request")
        self.data_button = QPushButton("Open &data folder")
        self.log_button = QPushButton("Open &log folder")
        self.log_button.setEnabled(facts.log_file is not None)
        for button in (self.copy_button, self.data_button, self.log_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        self.data_button.clicked.connect(lambda: self._open(facts.data_folder))
        self.log_button.clicked.connect(lambda: facts.log_file and self._open(facts.log_file.parent))
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.facts.text())
        self.copy_button.setText("Copied")

    @staticmethod
    def _open(folder: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
