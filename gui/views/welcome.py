"""First run: connect to an account, or explore with the built-in sandbox. Never a broken window."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .banner import Banner


class WelcomeView(QWidget):
    connect_requested = Signal()
    explore_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        title = QLabel("Welcome to TOGaDesk Agent")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Answer and follow TOGaDesk tickets and look up TOGa orders from your desk. "
            "Connect with the API keys Agilant gave your team, or look around first with "
            "a built-in sandbox full of sample tickets (no account needed)."
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        self.connect_button = QPushButton("&Connect to your TOGaDesk account…")
        self.connect_button.setToolTip("Enter the environment and API keys (Ctrl+,)")
        self.connect_button.setAccessibleName("Connect to your TOGaDesk account")
        self.connect_button.setDefault(True)
        self.explore_button = QPushButton("E&xplore with the sandbox")
        self.explore_button.setToolTip("Use a local emulator with sample tickets and orders")
        self.explore_button.setAccessibleName("Explore with the sandbox")
        self.connect_button.clicked.connect(self.connect_requested)
        self.explore_button.clicked.connect(self.explore_requested)
        self.banner = Banner()
        box = QVBoxLayout()
        box.addWidget(self.banner)
        box.addWidget(title)
        box.addWidget(text)
        box.addSpacing(12)
        box.addWidget(self.connect_button)
        box.addWidget(self.explore_button)
        holder = QWidget()
        holder.setLayout(box)
        holder.setFixedWidth(self.fontMetrics().horizontalAdvance("M") * 34)
        row = QHBoxLayout()  # stretches, not an alignment flag: the wrapped text then gets its full height
        row.addStretch(1)
        row.addWidget(holder)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
