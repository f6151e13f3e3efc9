"""Spelling for what the agent writes: which words look misspelled, what to suggest, the agent's own words.

No Qt here: the composer's highlighter asks ``misspelled`` per paragraph as the agent types, so
answers are cached per word and nothing slow (suggestions, loading a dictionary) runs on a
keystroke. Dictionaries ship inside pyspellchecker (word frequency lists); loading one takes
a noticeable moment, so the desk loads it on a worker (``Speller.load``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {
    "en": "English", "de": "Deutsch", "es": "Español", "fr": "Français", "it": "Italiano", "nl": "Nederlands",
    "pt": "Português", "ru": "Русский", "ar": "العربية", "fa": "فارسی", "lv": "Latviešu", "eu": "Euskara",
}
FALLBACK_LANGUAGE = "en"
LONGEST_WORD = 40  # longer "words" (a pasted key, a 100 KB line) are never checked nor suggested for
SUGGESTED = 6
DISTANCE_TWO_UP_TO = 8  # letters; suggestions for a longer word are one edit away
CACHE_WORDS = 50_000  # per-word answers kept; emptied beyond it so a long session stays bounded

# A word: letters with inner apostrophes, straight or typographic (isn't). Links, e-mail addresses,
# #numbers, words with digits and {placeholders} are skipped (_SKIPPED) before words are looked at.
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SKIPPED = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\S*\d\S*|\{[^}\s]*\}")


def available_languages() -> list[str]:
    """The dictionaries this installation has (codes), English first; [] without pyspellchecker."""
    try:
        import spellchecker
    except ImportError:
        return []
    folder = Path(spellchecker.__file__).parent / "resources"
    codes = sorted(p.name.split(".")[0] for p in folder.glob("*.json.gz"))
    return sorted(codes, key=lambda code: code != FALLBACK_LANGUAGE)


def language_for_locale(locale_name: str, available: list[str] | None = None) -> str:
    """'de_DE' -> 'de' when there is a German dictionary, otherwise English ('' when there is none at all)."""
    available = available_languages() if available is None else available
    code = locale_name.replace("-", "_").split("_")[0].lower()
    if code in available:
        return code
    return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in available else (available[0] if available else "")


def words_in(text: str) -> Iterator[tuple[int, str]]:
    """(offset, word) for the words of ``text`` a speller should look at."""
    skipped = [(m.start(), m.end()) for m in _SKIPPED.finditer(text)] if any(c in text for c in "0123456789@/{.") \
        else []
    at = 0
    for match in _WORD.finditer(text):
        start = match.start()
        while at < len(skipped) and skipped[at][1] <= start:
            at += 1
        if at < len(skipped) and skipped[at][0] <= start < skipped[at][1]:
            continue
        word = match.group()
        if 1 < len(word) <= LONGEST_WORD:
            yield start, word


class Speller:
    """One language's dictionary plus the agent's own words (a plain file, one word per line)."""

    def __init__(self, language: str, personal: Path | None = None):
        from spellchecker import SpellChecker  # the dictionary loads here: call on a worker

        self.language = language
        self._checker = SpellChecker(language=language, distance=2)
        self._known = self._checker.word_frequency.dictionary
        self._personal_path = personal
        self._personal: set[str] = set()
        self._cache: dict[str, bool] = {}
        if personal is not None:
            try:
                self._personal = {line.strip().casefold() for line in personal.read_text("utf-8").splitlines()
                                  if line.strip()}
            except FileNotFoundError:
                pass
            except (OSError, UnicodeError) as error:
                log.warning("Could not read the personal dictionary %s: %s", personal, error)

    @classmethod
    def load(cls, language: str, personal: Path | None = None) -> Speller | None:
        """For the task bridge: the dictionary loads off the UI thread; None when there is none for ``language``."""
        if language not in available_languages():
            log.warning("No spelling dictionary for %r (there are: %s)", language, ", ".join(available_languages()))
            return None
        return cls(language, personal)

    def is_known(self, word: str) -> bool:
        answer = self._cache.get(word)
        if answer is None:
            folded = word.replace("\u2019", "'").casefold()
            answer = folded in self._known or folded in self._personal or (
                "'" in folded and folded.split("'")[0] in self._known)  # "customer's", "isn't" when "isn" is listed
            if len(self._cache) >= CACHE_WORDS:
                self._cache.clear()
            self._cache[word] = answer
        return answer

    def misspelled(self, text: str) -> list[tuple[int, int]]:
        """(offset, length) of each word that looks misspelled: what the highlighter underlines."""
        return [(start, len(word)) for start, word in words_in(text) if not self.is_known(word)]

    def suggestions(self, word: str) -> list[str]:
        """Up to SUGGESTED likely words, most likely first, in the word's own case (Title or UPPER)."""
        if not 1 < len(word) <= LONGEST_WORD:
            return []
        folded = word.casefold()
        # Two edits away is what finds most typos, but its cost grows with the word's length squared (a
        # 15-letter word took over a second): long words are looked up one edit away.
        self._checker.distance = 2 if len(folded) <= DISTANCE_TWO_UP_TO else 1
        found = self._checker.candidates(folded) or set()
        found.discard(folded)
        ranked = sorted(found, key=lambda w: (-self._checker.word_usage_frequency(w), w))[:SUGGESTED]
        if word.isupper():
            return [w.upper() for w in ranked]
        if word[:1].isupper():
            return [w[:1].upper() + w[1:] for w in ranked]
        return ranked

    def add(self, word: str) -> None:
        """"Add to my dictionary": known from now on, and after a restart."""
        folded = word.strip().casefold()
        if not folded or folded in self._personal:
            return
        self._personal.add(folded)
        self._cache.clear()
        if self._personal_path is None:
            return
        try:
            self._personal_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self._personal_path, "a", encoding="utf-8") as file:
                file.write(folded + "\n")
                file.flush()
                os.fsync(file.fileno())
        except OSError as error:
            log.warning("Could not add to the personal dictionary %s: %s", self._personal_path, error)
