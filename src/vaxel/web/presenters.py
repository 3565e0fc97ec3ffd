"""Domain objects as the pages and the API show them: labels in the reader's language,
times written the Swedish way, and the same sentence a caller hears."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.callbacks import CallbackReason, CallbackTask, is_overdue
from vaxel.domain.clock import local
from vaxel.domain.numbers import NumberAssignment, NumberKind
from vaxel.domain.phrases import absence_sentence_en, absence_sentence_sv
from vaxel.domain.presence import (
    REASON_LABELS,
    RETURN_UNKNOWN_ALLOWED,
    SENSITIVE_REASONS,
    Absence,
    AbsenceReason,
)
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.web.search import Hit
from vaxel.web.templating import format_phone, format_when

DEVICE_LABELS = {
    DeviceKind.DESK: ("bordstelefon", "desk phone"),
    DeviceKind.SOFTPHONE: ("datorklient", "softphone"),
    DeviceKind.MOBILE: ("mobil", "mobile"),
}
NUMBER_LABELS = {
    NumberKind.EXTENSION: ("anknytning", "extension"),
    NumberKind.MOBILE: ("mobil", "mobile"),
    NumberKind.FUNCTION: ("funktionsnummer", "function number"),
}
CALLBACK_REASON_LABELS = {
    CallbackReason.MISSED_CALL: ("missat samtal", "missed call"),
    CallbackReason.VOICEMAIL: ("röstmeddelande", "voicemail"),
    CallbackReason.MESSAGE: ("meddelande från växeln", "message from the switchboard"),
    CallbackReason.QUEUE: ("bad om att bli uppringd i kön", "asked for a call back in the queue"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def reason_label(reason: AbsenceReason, lang: str) -> str:
    label = pick(REASON_LABELS[reason], lang)
    return label[:1].upper() + label[1:]


def reason_choices(lang: str) -> list[dict[str, Any]]:
    """The reasons in the order of a day, for pickers."""
    return [
        {
            "value": str(r),
            "label": reason_label(r, lang),
            "return_optional": r in RETURN_UNKNOWN_ALLOWED,
        }
        for r in AbsenceReason
    ]


def presence(
    name: str, absence: Absence | None, now: datetime, lang: str, *, discreet: bool = False
) -> dict[str, Any]:
    """Available, or absent with reason, return time, note, and the sentence callers hear."""
    if absence is None:
        label = "Tillgänglig" if lang == "sv" else "Available"
        return {"available": True, "label": label, "note": ""}
    hide = discreet and absence.reason in SENSITIVE_REASONS
    away = "Frånvarande" if lang == "sv" else "Away"
    label = away if hide else reason_label(absence.reason, lang)
    # What callers hear never names sjuk or VAB (switch.routing's default), whoever reads it.
    sentence = (absence_sentence_en if lang == "en" else absence_sentence_sv)(
        name, absence, now, discreet=True
    )
    until_text = format_when(absence.until, now, lang) if absence.until else None
    return {
        "available": False,
        "reason": None if hide else str(absence.reason),
        "label": label,
        "until": absence.until.isoformat() if absence.until else None,
        "until_text": until_text,
        "return_unknown": absence.until is None,
        "note": "" if hide else absence.note,
        "set_by": absence.set_by,
        "set_at": absence.set_at.isoformat() if absence.set_at else None,
        "channel": str(absence.channel),
        "sentence": sentence,
    }


def hours_info(hours: TelephoneHours | None, now: datetime, lang: str) -> dict[str, Any] | None:
    """Telephone hours: the schedule, open now or not, and the next change."""
    if hours is None:
        return None
    open_now = hours.is_open(now)
    text = hours.describe_en() if lang == "en" else hours.describe_sv()
    if open_now:
        closing = hours.next_closing(now)
        nxt = closing
        status = (
            f"Öppet nu, till {format_when(closing, now, lang, with_day=False)}"
            if lang == "sv"
            else f"Open now, until {format_when(closing, now, lang, with_day=False)}"
        )
    else:
        nxt = hours.next_opening(now)
        if nxt is None:
            status = "Stängt" if lang == "sv" else "Closed"
        else:
            status = (
                f"Stängt – öppnar {format_when(nxt, now, lang)}"
                if lang == "sv"
                else f"Closed – opens {format_when(nxt, now, lang)}"
            )
    return {
        "open_now": open_now,
        "schedule": text,
        "status": status,
        "next_change": nxt.isoformat() if nxt else None,
    }


def number_info(number: NumberAssignment, lang: str) -> dict[str, Any]:
    return {
        "kind": str(number.kind),
        "kind_label": pick(NUMBER_LABELS[number.kind], lang),
        "e164": number.e164,
        "display": format_phone(number.e164),
        "extension": number.extension,
        "label": number.label,
    }


def short_path(path: str) -> str:
    """ "Kommun / Nämnd / Förvaltning / Enhet" → "Enhet, Förvaltning": enough to tell apart."""
    parts = path.split(" / ")
    return ", ".join(reversed(parts[-2:])) if len(parts) > 2 else parts[-1]


def hit_info(hit: Hit, now: datetime, lang: str, *, discreet: bool = False) -> dict[str, Any]:
    """A search hit, complete: what the console shows and what an API client gets."""
    entry = hit.entry
    person = entry.person
    info: dict[str, Any] = {
        "key": entry.key,
        "kind": "person" if person is not None else "function",
        "person_id": person.id if person else None,
        "name": entry.name,
        "title": person.title if person else "",
        "email": person.email if person else "",
        "keywords": list(person.keywords) if person else [],
        "unit": {
            "id": entry.unit_id,
            "name": hit.unit.name if hit.unit else "",
            "path": hit.unit_path,
            "short": short_path(hit.unit_path),
        },
        "numbers": [number_info(n, lang) for n in entry.numbers],
        "hours": hours_info(hit.hours, now, lang),
        "devices": [
            {
                "id": d.account_id,
                "username": d.username,
                "device": str(d.device),
                "label": d.label or pick(DEVICE_LABELS[d.device], lang),
                "registered": d.account_id in hit.registered,
            }
            for d in entry.devices
        ],
        "presence": None,
    }
    if person is not None:
        info["presence"] = presence(person.name, hit.absence, now, lang, discreet=discreet)
    # Two notes, shown apart: the hänvisning's ("Platsbesök i Ekby") and the person's own
    # standing note for the operator ("Arbetar deltid mån–ons").
    info["notes"] = info["presence"]["note"] if info["presence"] else ""
    info["absence_note"] = info["notes"]
    info["person_note"] = person.note if person else ""
    return info


def callback_info(
    task: CallbackTask, now: datetime, lang: str, names: dict[int, str] | None = None
) -> dict[str, Any]:
    overdue = is_overdue(task, now)
    if task.is_open:
        state = (
            ("Försenad" if lang == "sv" else "Overdue")
            if overdue
            else ("Öppen" if lang == "sv" else "Open")
        )
    elif str(task.status) == "done":
        state = "Klar" if lang == "sv" else "Done"
    else:
        state = "Avbruten" if lang == "sv" else "Cancelled"
    return {
        "id": task.id,
        "caller_number": task.caller_number,
        "caller_display": format_phone(task.caller_number),
        "caller_name": task.caller_name,
        "for_person_id": task.for_person_id,
        "for_name": (names or {}).get(task.for_person_id or -1, ""),
        "for_unit_id": task.for_unit_id,
        "reason": str(task.reason),
        "reason_label": pick(CALLBACK_REASON_LABELS[task.reason], lang),
        "note": task.note,
        "status": str(task.status),
        "state_label": state,
        "overdue": overdue,
        "created_at": task.created_at.isoformat(),
        "created_text": format_when(task.created_at, now, lang),
        "due_at": task.due_at.isoformat(),
        "due_text": format_when(task.due_at, now, lang),
        "attempts": task.attempts,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "completed_text": format_when(task.completed_at, now, lang) if task.completed_at else "",
        "completed_how": task.completed_how,
    }


def iso_local(at: datetime | None) -> str:
    """A value for <input type="datetime-local">."""
    return "" if at is None else local(at).strftime("%Y-%m-%dT%H:%M")
