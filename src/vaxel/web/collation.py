"""Swedish alphabetical order and the folding used to match what an operator types.

In Swedish å, ä and ö are letters of their own that come after z (a … z å ä ö); é is an e,
ü is a y, æ an ä and ø an ö. Python's default string order puts å, ä, ö in the wrong place.
"""

from __future__ import annotations

import re
import unicodedata

# After z in code-point order come {, | and }: they stand in for å, ä, ö in sort keys.
_SORT_LETTERS = {"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}", "ü": "y"}
_ASCII_LETTERS = {"å": "a", "ä": "a", "ö": "o"}
_WORD = re.compile(r"[^\W_]+")


def _strip_marks(text: str) -> str:
    """Remove accents other than the Swedish letters (é → e, ç → c)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Folding(dict[int, str]):
    """A str.translate table that works out each character once, then remembers it."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in "åäö":
            folded = char
        elif char in "æø":
            folded = "ä" if char == "æ" else "ö"
        else:
            folded = _strip_marks(char)
        self[code] = folded
        return folded


_FOLDING = _Folding()
_ASCII_TABLE = str.maketrans(_ASCII_LETTERS)


def normalise(text: str) -> str:
    """Lower case, Swedish letters kept, other accents removed: the form that is searched."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered
    return unicodedata.normalize("NFC", lowered).translate(_FOLDING)


def ascii_fold(text: str) -> str:
    """``normalise`` and then å, ä → a and ö → o, for people typing on a foreign keyboard."""
    return normalise(text).translate(_ASCII_TABLE)


def sort_key(text: str) -> tuple[str, str]:
    """A key that sorts strings in Swedish order (Ågren after Zetterberg, Öberg last)."""
    folded = unicodedata.normalize("NFC", text).casefold()
    base = _strip_marks("".join(_SORT_LETTERS.get(c, c) for c in folded))
    return base, text


def words(text: str) -> list[str]:
    """The words of ``text`` in normalised form ("Bygg- och miljö" → bygg, och, miljö)."""
    return _WORD.findall(normalise(text))
