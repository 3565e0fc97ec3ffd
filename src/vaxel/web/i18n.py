"""Swedish first, English on request: the language of a request and its message catalogue.

Templates call ``_("key")``; the catalogue lives in ``messages.py`` as key → (sv, en).
A key missing from the catalogue is shown as itself, so a typo is visible, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from vaxel.web.messages import MESSAGES

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANG_COOKIE = "vaxel_lang"

Translate = Callable[..., str]


def language_of(request: Request) -> str:
    """The cookie's language if it is one we speak; Swedish otherwise."""
    chosen = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def translator(lang: str) -> Translate:
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def translate(key: str, /, **values: Any) -> str:
        pair = MESSAGES.get(key)
        text = key if pair is None else pair[index]
        return text.format(**values) if values else text

    return translate


def message(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """One message in one language (for API errors, which speak Swedish by default)."""
    return translator(lang)(key, **values)
