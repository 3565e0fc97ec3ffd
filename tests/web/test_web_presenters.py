"""What the console shows of an absence: the reason to those who may see it, and always the
sentence callers really hear (which never names sickness)."""

from __future__ import annotations

from datetime import datetime

from vaxel.domain.clock import TZ
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.web.presenters import presence

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def test_an_operator_sees_the_reason_but_the_callers_sentence_is_discreet() -> None:
    shown = presence("Anna Berg", Absence(AbsenceReason.SJUK, None), NOW, "sv")
    assert shown["reason"] == "sjuk" and shown["label"] != "Frånvarande"
    assert shown["sentence"] == "Anna Berg är frånvarande. Återkomst är inte känd."


def test_others_see_neither_reason_nor_note() -> None:
    absence = Absence(AbsenceReason.VAB, None, note="Hemma med Olle")
    shown = presence("Anna Berg", absence, NOW, "sv", discreet=True)
    assert shown["reason"] is None and shown["label"] == "Frånvarande" and shown["note"] == ""
    assert "vab" not in shown["sentence"].lower()
