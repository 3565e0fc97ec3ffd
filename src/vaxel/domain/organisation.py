"""The organisation tree: kommun → nämnder / förvaltningar / avdelningar / enheter, plus bolag."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class UnitKind(enum.StrEnum):
    KOMMUN = "kommun"
    NAMND = "nämnd"
    FORVALTNING = "förvaltning"
    AVDELNING = "avdelning"
    ENHET = "enhet"
    BOLAG = "bolag"


# A unit's responsible body (policy §3) is a nämnd, or a bolag's board (bolagsstyrelse).
RESPONSIBLE_KINDS = frozenset({UnitKind.NAMND, UnitKind.BOLAG})

PATH_SEPARATOR = " / "


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    name: str
    kind: UnitKind
    parent_id: int | None = None
    verksamhetschef_id: int | None = None  # a Person id
