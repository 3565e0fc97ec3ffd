"""Swedish first, English on request: the language of a request and its message catalogue.

Templates call ``_("key")``; the catalogue lives in ``messages.py`` as key → (sv, en).
A key missing from the catalogue is shown as itself, so a typo is visible, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request

from vaxel.domain.errors import DomainError
from vaxel.web.messages import (
    DOMAIN_ERRORS_SV,
    FIELD_LABELS_SV,
    FIELD_LABELS_SV_BY_PATH,
    MESSAGES,
    VALIDATION_SV,
)

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


_DOMAIN_SV = [(field, re.compile(pattern), text) for field, pattern, text in DOMAIN_ERRORS_SV]


def domain_error_text(exc: DomainError, lang: str) -> str:
    """A domain rule's error for the reader: Swedish for the common ones on a Swedish page,
    otherwise as the domain said it ("field: reason")."""
    if lang == "sv":
        for field, pattern, text in _DOMAIN_SV:
            if field not in (exc.field, "*"):
                continue
            found = pattern.fullmatch(exc.reason)
            if found is not None:
                values = {k: v.replace(" and ", " och ") for k, v in found.groupdict().items()}
                return text.format(**values)
    return str(exc)


def validation_text(field: str, error: Mapping[str, Any], lang: str, path: str = "") -> str:
    """One request-validation error: "Skäl: måste fyllas i" on a Swedish page."""
    if lang == "sv":
        text = VALIDATION_SV.get(str(error.get("type", "")))
        if text is not None:
            context = error.get("ctx") or {}
            limit = context.get("max_length", context.get("min_length", ""))
            labels = next(
                (by for end, by in FIELD_LABELS_SV_BY_PATH.items() if path.endswith(end)), {}
            )
            label = labels.get(field) or FIELD_LABELS_SV.get(field, field)
            return f"{label}: {text.format(limit=limit)}"
    return message("error_invalid_field", lang, field=field, reason=error.get("msg", ""))
