"""Add a diagnostic to an order: fill in, review exactly what will be sent, send. Failure keeps the form."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..api import ApiError, Order
from ..services import sysinfo
from ..services.orders import DocumentFile, OrderService, load_document, load_text
from ..tasks import TaskRunner
from ..time_text import local_time
from .banner import Banner, error_label


def collect_json() -> str:
    return json.dumps(sysinfo.collect(), indent=2)


URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class DiagnosticDialog(QDialog):
    sent = Signal(str)  # when the server accepted it, in words (local time, the desk's one format)
    failed = Signal(str)
    document_loaded = Signal(object)
    system_information_loaded = Signal()
    codes_loaded = Signal()  # the result codes used before are in the list

    def __init__(self, runner: TaskRunner, service: OrderService, order: Order, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Add a diagnostic to order #{order.order_number}")
        self.setMinimumWidth(600)
        self.setAcceptDrops(True)
        self._runner = runner
        self._service = service
        self._order = order
        self._file: DocumentFile | None = None
        self._busy = False
        self._loading = 0  # file reads and collections still running: review waits for them
        self.banner = Banner()

        self.result_code = QComboBox()
        self.result_code.setEditable(True)
        self.result_code.setCurrentIndex(-1)
        runner.submit(service.result_codes, on_done=self._codes_read)  # the store is a disk: not on the UI thread
        self.result_code.setAccessibleName("Result code")
        self.result_code.setToolTip("The diagnostic's result code (required); codes used before are listed first")
        self.result_code.lineEdit().setPlaceholderText("Choose or type a result code")
        self.yes = QRadioButton("&Yes")
        self.no = QRadioButton("&No")
        self.yes.setToolTip("The computer can be upgraded to the new Windows version")
        self.no.setToolTip("The computer cannot be upgraded to the new Windows version")
        self.eligibility = QButtonGroup(self)
        self.eligibility.addButton(self.yes)
        self.eligibility.addButton(self.no)
        eligible_row = QHBoxLayout()
        eligible_row.addWidget(self.yes)
        eligible_row.addWidget(self.no)
        eligible_row.addStretch(1)

        self.document_url = QLineEdit()
        self.document_url.setPlaceholderText("https://… link to the report, or choose / drop a file")
        self.document_url.setAccessibleName("Document link")
        self.document_url.setToolTip("A link to the diagnostic report (http or https)")
        self.choose_button = QPushButton("Choose &file…")
        self.choose_button.setToolTip("Attach a PDF or image (up to 20 MB), sent Base64-encoded")
        self.choose_button.clicked.connect(self.choose_file)
        self.file_label = QLabel("No file attached")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.file_label.setAccessibleName("Attached file")
        self.remove_file_button = QPushButton("Remove")
        self.remove_file_button.setToolTip("Do not attach the file")
        self.remove_file_button.clicked.connect(self._remove_file)
        self.remove_file_button.hide()
        doc_row = QHBoxLayout()
        doc_row.addWidget(self.document_url, 1)
        doc_row.addWidget(self.choose_button)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.remove_file_button)

        self.system_info = QPlainTextEdit()
        self.system_info.setPlaceholderText("Paste system information (JSON or text), load a file, or collect it")
        self.system_info.setAccessibleName("System information")
        self.system_info.setToolTip("Sent as text; review it before sending")
        self.system_info.setTabChangesFocus(True)
        self.load_info_button = QPushButton("&Load file…")
        self.load_info_button.setToolTip("Load system information from a JSON or text file")
        self.load_info_button.clicked.connect(self.load_info_file)
        self.collect_button = QPushButton("&Collect from this computer")
        self.collect_button.setToolTip("OS, computer name, processor, memory, disks and BIOS, as JSON")
        self.collect_button.clicked.connect(self.collect_info)
        info_buttons = QHBoxLayout()
        info_buttons.addWidget(self.load_info_button)
        info_buttons.addWidget(self.collect_button)
        info_buttons.addStretch(1)

        self.error = error_label()
        form = QFormLayout()
        form.addRow("Result code *", self.result_code)
        form.addRow("Windows upgrade eligible *", eligible_row)
        form.addRow("Document", doc_row)
        form.addRow("", file_row)
        form.addRow("System information", self.system_info)
        form.addRow("", info_buttons)
        self.review_button = QPushButton("&Review…")
        self.review_button.setDefault(True)
        self.review_button.setToolTip("See exactly what will be sent before sending")
        self.review_button.clicked.connect(self.review)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        form_buttons = QHBoxLayout()
        form_buttons.addStretch(1)
        form_buttons.addWidget(cancel)
        form_buttons.addWidget(self.review_button)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.addLayout(form)
        form_layout.addWidget(self.error)
        form_layout.addLayout(form_buttons)

        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("What will be sent")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.back_button = QPushButton("&Back")
        self.back_button.setToolTip("Change the form")
        self.back_button.clicked.connect(self._back)
        self.send_button = QPushButton("&Send")
        self.send_button.setToolTip("Send the diagnostic to the server")
        self.send_button.clicked.connect(self.send)
        review_buttons = QHBoxLayout()
        review_buttons.addWidget(self.progress, 1)
        review_buttons.addWidget(self.back_button)
        review_buttons.addWidget(self.send_button)
        review_page = QWidget()
        review_layout = QVBoxLayout(review_page)
        review_layout.addWidget(QLabel("This is what will be sent:"))
        review_layout.addWidget(self.summary, 1)
        review_layout.addLayout(review_buttons)

        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(review_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages)

    # ------------------------------------------------------------ values

    def problems(self) -> list[str]:
        found = []
        if not self.result_code.currentText().strip():
            found.append("Choose or type a result code.")
        if self.eligibility.checkedButton() is None:
            found.append("Say whether the computer is eligible for the Windows upgrade: Yes or No.")
        url = self.document_url.text().strip()
        if url and self._file is not None:
            found.append("Give either a document link or a file, not both.")
        elif url and not URL.match(url):
            found.append("The document link must be an http:// or https:// address.")
        return found

    def payload(self) -> dict[str, Any]:
        """The keyword arguments for OrderService.send_diagnostic."""
        return {
            "result_code": self.result_code.currentText().strip(),
            "eligible": self.yes.isChecked(),
            "document": self._file if self._file is not None else (self.document_url.text().strip() or None),
            "system_information": self.system_info.toPlainText().strip() or None,
        }

    def describe(self) -> str:
        """What will be sent, in the API's field names; the document summarised, not dumped."""
        data = self.payload()
        document = data["document"]
        if isinstance(document, DocumentFile):
            encoded = (document.size + 2) // 3 * 4
            doc_text = f"file {document.summary}, sent Base64-encoded ({encoded:,} characters)"
        else:
            doc_text = document or "(none)"
        info = data["system_information"] or "(none)"
        return (
            f"POST /order/{self._order.order_number}/diagnostic\n\n"
            f"resultCode: {data['result_code']}\n"
            f"windowsUpgradeEligibility: {'true' if data['eligible'] else 'false'}\n"
            f"document: {doc_text}\n"
            f"systemInformation:\n{info}\n"
        )

    # ------------------------------------------------------------ document

    @Slot()
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Attach a document", "", "Documents (*.pdf *.png *.jpg *.jpeg *.gif *.bmp *.tif *.tiff *.webp"
            " *.txt *.log *.html);;All files (*)")
        if path:
            self.attach_file(path)

    def attach_file(self, path: str) -> None:
        """Reads (and later encodes) the file on a worker; the form stays responsive."""
        if self.pages.currentIndex() != 0 or self._busy:
            return  # the review shows what will be sent; nothing changes behind it
        self.file_label.setText("Reading the file…")
        self.choose_button.setEnabled(False)
        self._loading_started()
        self._runner.submit(load_document, path, on_done=self._file_loaded, on_error=self._file_failed)

    def _loading_started(self) -> None:
        self._loading += 1
        self.review_button.setEnabled(False)

    def _loading_ended(self) -> None:
        self._loading = max(0, self._loading - 1)
        self.review_button.setEnabled(self._loading == 0)

    @Slot(object)
    def _codes_read(self, codes: list[str]) -> None:
        """Codes used before, offered first; what the agent typed meanwhile stays."""
        typed = self.result_code.currentText()
        self.result_code.addItems(codes)
        self.result_code.setEditText(typed)
        self.codes_loaded.emit()

    @Slot(object)
    def _file_loaded(self, document: DocumentFile) -> None:
        self._loading_ended()
        self._file = document
        self.choose_button.setEnabled(True)
        self.file_label.setText(document.summary)
        self.remove_file_button.show()
        self.document_loaded.emit(document)

    @Slot(object)
    def _file_failed(self, error: ApiError) -> None:
        self._loading_ended()
        self.choose_button.setEnabled(True)
        self.file_label.setText(self._file.summary if self._file else "No file attached")
        self.banner.show_message(error.message)
        self.failed.emit(error.message)

    @Slot()
    def _remove_file(self) -> None:
        self._file = None
        self.file_label.setText("No file attached")
        self.remove_file_button.hide()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.attach_file(files[0])
            event.acceptProposedAction()

    # ------------------------------------------------------- system info

    @Slot()
    def load_info_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load system information", "", "JSON or text (*.json *.txt);;"
                                              "All files (*)")
        if path:
            self._start_info(load_text, path)

    @Slot()
    def collect_info(self) -> None:
        self._start_info(collect_json)

    def _start_info(self, fn: Callable[..., str], *args: Any) -> None:
        if self.pages.currentIndex() != 0 or self._busy:
            return
        self.collect_button.setEnabled(False)
        self.load_info_button.setEnabled(False)
        self._loading_started()
        self._runner.submit(fn, *args, on_done=self._info_loaded, on_error=self._info_failed)

    @Slot(object)
    def _info_loaded(self, text: str) -> None:
        self._info_ended()
        previous = self.system_info.toPlainText().strip()
        cursor = self.system_info.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)  # an edit, not a reset: Ctrl+Z brings back what was there
        if previous and previous != text.strip():
            self.banner.show_message("The system information was replaced; Ctrl+Z in the box brings back the "
                                     "previous text.", kind="info")
        self.system_information_loaded.emit()

    @Slot(object)
    def _info_failed(self, error: ApiError) -> None:
        self._info_ended()
        self.banner.show_message(error.message)
        self.failed.emit(error.message)

    def _info_ended(self) -> None:
        self._loading_ended()
        self.collect_button.setEnabled(True)
        self.load_info_button.setEnabled(True)

    # ------------------------------------------------------------ steps

    @Slot()
    def review(self) -> None:
        if self._loading:
            return
        problems = self.problems()
        self.error.setText(" ".join(problems))
        self.error.setVisible(bool(problems))
        if problems:
            return
        self.summary.setPlainText(self.describe())
        self.pages.setCurrentIndex(1)
        self.send_button.setFocus()

    @Slot()
    def _back(self) -> None:
        self.pages.setCurrentIndex(0)

    @Slot()
    def send(self) -> None:
        self._set_busy(True)
        self.banner.hide()
        self._runner.submit(self._service.send_diagnostic, self._order.order_number, **self.payload(),
                            on_done=self._sent, on_error=self._send_failed)

    @Slot(object)
    def _sent(self, sent_at: str) -> None:
        self._set_busy(False)
        self.sent.emit(local_time(sent_at))
        self.done(QDialog.DialogCode.Accepted)

    @Slot(object)
    def _send_failed(self, error: ApiError) -> None:
        self._set_busy(False)
        self.pages.setCurrentIndex(0)  # everything the agent entered is still there
        extra = " It may or may not have been recorded; check before sending it again." if error.maybe_applied else ""
        self.banner.show_message(f"The diagnostic was not sent: {error.message}{extra}")
        self.failed.emit(error.message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.send_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)

    def done(self, result: int) -> None:
        if not self._busy:  # while sending, the server's answer decides
            super().done(result)
