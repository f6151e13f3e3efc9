"""Server text made safe to show on one line: no hidden direction changes, no invisible characters. No Qt.

A subject, a name or an e-mail address comes from whoever wrote to the vendor. Inside it,
a right-to-left override (U+202E) makes ``invoice\u202eexe.fdp`` read as ``invoicepdf.exe``,
and zero-width characters make two different addresses look the same. ``single_line``:

- shows every direction control (embeddings, overrides, isolates, marks) and every
  invisible format character as a visible ``[U+202E]``, so nothing reorders or hides text;
  a zero-width joiner or non-joiner between two non-ASCII characters is kept (emoji
  sequences such as a family, and Persian or Indic words, need them);
- turns line breaks, tabs and other control characters into spaces (one line);
- wraps text that holds right-to-left letters in a first-strong isolate (U+2068 ... U+2069),
  so a Hebrew or Arabic name keeps its own direction without reordering what surrounds it
  ("New reply on #12 from <name>"); left-to-right text comes back without it.

Message bodies are not for this function: their real right-to-left text is shown as written.
"""

from __future__ import annotations

import unicodedata

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner, joiner
_RTL_CLASSES = frozenset({"R", "AL"})


def visible(char: str) -> str:
    """How an invisible or direction-changing character is shown: ``[U+202E]``."""
    return f"[U+{ord(char):04X}]"


def _hidden(char: str) -> bool:
    """Direction controls and invisible format characters (Unicode category Cf: U+200B-U+200F,
    U+202A-U+202E, U+2060-U+2069, U+FEFF, U+061C, tag characters, ...)."""
    return unicodedata.category(char) == "Cf"


def single_line(text: str | None) -> str:
    """``text`` for one line of display; see the module docstring. None becomes ''."""
    if not text:
        return ""
    out: list[str] = []
    rtl = False
    last = len(text) - 1
    for i, char in enumerate(text):
        if char.isascii() and char.isprintable():
            out.append(char)
            continue
        if _hidden(char):
            between_non_ascii = 0 < i < last and not text[i - 1].isascii() and not text[i + 1].isascii()
            out.append(char if char in _JOINERS and between_non_ascii else visible(char))
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):  # controls (tabs, line breaks), line and paragraph separators
            out.append(" ")
            continue
        if category == "Cs":  # a lone surrogate (from a broken \ud800 escape in JSON)
            out.append("\ufffd")
            continue
        if unicodedata.bidirectional(char) in _RTL_CLASSES:
            rtl = True
        out.append(char)
    line = "".join(out)
    return f"{FIRST_STRONG_ISOLATE}{line}{POP_DIRECTIONAL_ISOLATE}" if rtl else line
