"""Text helpers for reading what people type: Swedish or English, with or without å/ä/ö."""

from __future__ import annotations

import re

# Folding lets "anstalld", "Anställd" and "ANSTÄLLD" name the same thing: people type without
# Swedish letters on foreign keyboards and in terminals.
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "–": "-", "—": "-"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, ASCII-folded (å/ä→a, ö→o), trimmed, with single spaces."""
    return _SPACES.sub(" ", text.strip().lower().translate(_FOLD))


def join_sv(items: list[str]) -> str:
    """Join as Swedish prose: "a", "a och b", "a, b och c"."""
    return _join(items, "och")


def join_en(items: list[str]) -> str:
    """Join as English prose: "a", "a and b", "a, b and c"."""
    return _join(items, "and")


def _join(items: list[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
