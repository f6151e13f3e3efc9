"""The floor for start-up: a bare PySide6 window, packaged like the app, timed the same way.

Prints "main window painted" at its first paint (what build.py --startup waits for) and exits.
"""

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            print("main window painted", flush=True)
            QTimer.singleShot(0, QApplication.quit)
            watched.removeEventFilter(self)
        return False


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare window")
    window.resize(1200, 760)
    painted = FirstPaint()
    window.installEventFilter(painted)
    window.show()
    sys.exit(app.exec())
