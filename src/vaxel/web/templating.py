"""Rendering pages: the Jinja2 environment, the navigation of each role, and filters that
show times, numbers and durations the Swedish way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import phonenumbers
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from vaxel.domain.clock import local
from vaxel.storage.users import Role
from vaxel.web.deps import Viewer
from vaxel.web.i18n import language_of, translator
from vaxel.web.messages import MESSAGES

TEMPLATES = Path(__file__).resolve().parent / "templates"
WEEKDAYS = {
    "sv": ("mån", "tis", "ons", "tors", "fre", "lör", "sön"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    current: bool


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters["phone"] = format_phone
    env.filters["duration"] = format_duration
    env.filters["without_root"] = without_root
    return templates


def main_nav(viewer: Viewer | None, path: str, lang: str) -> list[NavItem]:
    """The sections a role may open, in the order of a working day."""
    if viewer is None:
        return []
    _ = translator(lang)
    items: list[tuple[str, str]] = []
    if viewer.is_operator:
        items.append(("/console", _("nav_console")))
    if viewer.person is not None:
        items.append(("/me", _("nav_me")))
    if viewer.is_chef:  # an admin sees every unit there, not "my units"
        items.append(("/chef", _("nav_chef_admin" if viewer.is_admin else "nav_chef")))
    if viewer.user.role is Role.ADMIN:
        items.append(("/admin", _("nav_admin")))
    return [NavItem(h, label, path == h or path.startswith(h + "/")) for h, label in items]


def sub_nav(items: list[tuple[str, str]], path: str, lang: str) -> list[NavItem]:
    _ = translator(lang)
    return [NavItem(href, _(key), path == href) for href, key in items]


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    title_key: str,
    status_code: int = 200,
    csrf_token: str = "",
    subnav: list[tuple[str, str]] | None = None,
    subnav_key: str = "",
    **context: Any,
) -> HTMLResponse:
    """A page, in the reader's language, with the navigation of their role."""
    lang = language_of(request)
    _ = translator(lang)
    now: datetime = request.app.state.web.now()
    flashes = []
    done = request.query_params.get("done")
    if done and done in MESSAGES:
        flashes.append(("ok", _(done)))
    error = request.query_params.get("error")
    if error and error in MESSAGES:
        flashes.append(("error", _(error)))
    values = {
        "lang": lang,
        "_": _,
        "user": viewer,
        "csrf_token": viewer.csrf if viewer is not None else csrf_token,
        "nav": main_nav(viewer, request.url.path, lang),
        "subnav": sub_nav(subnav or [], request.url.path, lang),
        "subnav_label": _(subnav_key) if subnav_key else "",
        "title": _(title_key),
        "flashes": flashes,
        "now": now,
        "when": lambda at, with_day=True: format_when(at, now, lang, with_day),
        **context,
    }
    templates: Jinja2Templates = request.app.state.web.templates
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def format_when(at: datetime | None, now: datetime, lang: str = "sv", with_day: bool = True) -> str:
    """ "i dag 14.30", "i morgon 08.00", "fre 12 dec 08.00"; English with a 24-hour clock."""
    if at is None:
        return "–"
    when, today = local(at), local(now)
    clock = f"{when.hour:02d}.{when.minute:02d}" if lang == "sv" else f"{when:%H:%M}"
    days = (when.date() - today.date()).days
    if days == 0:
        return clock if not with_day else (f"i dag {clock}" if lang == "sv" else f"today {clock}")
    if days == 1:
        return f"i morgon {clock}" if lang == "sv" else f"tomorrow {clock}"
    if days == -1:
        return f"i går {clock}" if lang == "sv" else f"yesterday {clock}"
    weekday = WEEKDAYS[lang][when.weekday()]
    months_sv = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov",
                 "dec")  # fmt: skip
    months_en = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    month = (months_sv if lang == "sv" else months_en)[when.month - 1]
    year = f" {when.year}" if when.year != today.year else ""
    return f"{weekday} {when.day} {month}{year} {clock}"


def format_phone(number: str | None) -> str:
    """+46855512345 → 08-555 123 45 (Swedish numbers as Swedes write them), foreign ones
    internationally (+44 1234 567890); anything unreadable unchanged."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "SE")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 46
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(parsed, style))


def without_root(path: str) -> str:
    """A unit path without the kommun at its top: everything on the page is in it."""
    head, sep, rest = path.partition(" / ")
    return rest if sep else head


def format_duration(seconds: float | None) -> str:
    """42 → "0:42", 125 → "2:05"."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    return f"{total // 60}:{total % 60:02d}"
