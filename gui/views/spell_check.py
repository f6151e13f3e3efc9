"""Misspellings underlined as the agent types, with suggestions and "Add to my dictionary" on right-click.

``SpellCheck(edit)`` wraps one QPlainTextEdit; ``set_speller`` turns it on once the dictionary
has loaded (``None`` turns it off). The highlighter only re-checks the paragraph that changed,
and every word's answer is cached by the speller, so a keystroke costs a dictionary lookup or two.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QMenu, QPlainTextEdit

from ..spelling import Speller, words_in

UNDERLINE = QColor("#d32f2f")  # red, readable on light and dark backgrounds


class _Highlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self.speller: Speller | None = None
        self._format = QTextCharFormat()
        self._format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        self._format.setUnderlineColor(UNDERLINE)

    def highlightBlock(self, text: str) -> None:
        if self.speller is None:
            return
        for start, length in self.speller.misspelled(text):
            self.setFormat(start, length, self._format)


class SpellCheck(QObject):
    """Spelling for one text box: underline, suggestions, the agent's own words."""

    def __init__(self, edit: QPlainTextEdit):
        super().__init__(edit)
        self.edit = edit
        self._highlighter = _Highlighter(edit.document())
        edit.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        edit.customContextMenuRequested.connect(self._menu_requested)
        self.menu: QMenu | None = None  # the last context menu, for tests

    @property
    def speller(self) -> Speller | None:
        return self._highlighter.speller

    def set_speller(self, speller: Speller | None) -> None:
        if speller is self._highlighter.speller:
            return
        self._highlighter.speller = speller
        self._highlighter.rehighlight()

    def word_at(self, position: int) -> tuple[int, str] | None:
        """The checked word under the text position ``position`` (offset in the document, word)."""
        block = self.edit.document().findBlock(position)
        offset = position - block.position()
        for start, word in words_in(block.text()):
            if start <= offset <= start + len(word):
                return block.position() + start, word
            if start > offset:
                break
        return None

    def menu_for(self, position: int) -> QMenu:
        """The edit's own menu, with the suggestions for a misspelled word under ``position`` on top."""
        menu = self.edit.createStandardContextMenu()
        speller = self.speller
        found = self.word_at(position) if speller is not None else None
        if speller is None or found is None or speller.is_known(found[1]):
            return menu
        start, word = found
        first = menu.actions()[0] if menu.actions() else None
        suggestions = speller.suggestions(word)
        for suggestion in suggestions:
            action = menu.addAction(suggestion)
            action.triggered.connect(lambda _=False, s=suggestion: self._replace(start, word, s))
            menu.insertAction(first, action)
        if not suggestions:
            none = menu.addAction("(no suggestions)")
            none.setEnabled(False)
            menu.insertAction(first, none)
        add = menu.addAction(f"Add \u201c{word}\u201d to my dictionary")
        add.triggered.connect(lambda _=False: self._add(word))
        menu.insertAction(first, add)
        menu.insertSeparator(first)
        return menu

    @Slot(QPoint)
    def _menu_requested(self, point: QPoint) -> None:
        cursor = self.edit.cursorForPosition(point)
        self.menu = self.menu_for(cursor.position())
        self.menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu.popup(self.edit.viewport().mapToGlobal(point))

    def _replace(self, start: int, word: str, suggestion: str) -> None:
        cursor = QTextCursor(self.edit.document())
        cursor.setPosition(start)
        cursor.setPosition(start + len(word), QTextCursor.MoveMode.KeepAnchor)
        if cursor.selectedText() == word:  # the text did not move under the open menu
            cursor.insertText(suggestion)  # one undo step; textChanged saves the draft as for typing

    def _add(self, word: str) -> None:
        if self.speller is not None:
            self.speller.add(word)
            self._highlighter.rehighlight()
