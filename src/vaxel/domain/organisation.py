"""The organisation tree: kommun → nämnder / förvaltningar / avdelningar / enheter, plus bolag."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vaxel.domain.errors import DomainError
from vaxel.domain.text import fold


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


def parse_kind(text: str) -> UnitKind:
    """A unit kind from its Swedish name (with or without å/ä/ö) or English."""
    words = {fold(k.value): k for k in UnitKind} | {
        "municipality": UnitKind.KOMMUN,
        "committee": UnitKind.NAMND,
        "administration": UnitKind.FORVALTNING,
        "department": UnitKind.AVDELNING,
        "unit": UnitKind.ENHET,
        "company": UnitKind.BOLAG,
    }
    kind = words.get(fold(text))
    if kind is None:
        valid = ", ".join(k.value for k in UnitKind)
        raise DomainError("kind", f"unknown unit kind {text!r}; use one of: {valid}")
    return kind


def parse_unit_path(text: str) -> tuple[str, ...]:
    """Split "Kommun / Samhällsbyggnad / Bygglov" into its trimmed names, root first."""
    parts = tuple(" ".join(part.split()) for part in text.split("/"))
    if not text.strip() or not all(parts):
        raise DomainError(
            "unit", f"{text!r} is not a unit path like 'Kommun / Förvaltning / Enhet'"
        )
    return parts


def ancestors(units: Mapping[int, Unit], unit_id: int) -> Iterator[Unit]:
    """The unit itself, then its parent, up to the root."""
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None:
        if current in seen:
            raise DomainError("unit", f"the unit tree has a cycle through unit {current}")
        seen.add(current)
        unit = units.get(current)
        if unit is None:
            raise DomainError("unit", f"unknown unit {current}")
        yield unit
        current = unit.parent_id


def unit_path(units: Mapping[int, Unit], unit_id: int) -> str:
    """The names from the root down to the unit, joined by " / "."""
    names = [u.name for u in ancestors(units, unit_id)]
    return PATH_SEPARATOR.join(reversed(names))


def responsible_body(units: Mapping[int, Unit], unit_id: int) -> Unit | None:
    """The nearest nämnd or bolag at or above the unit (policy §3), or None."""
    return next((u for u in ancestors(units, unit_id) if u.kind in RESPONSIBLE_KINDS), None)


def verksamhetschef_of(units: Mapping[int, Unit], unit_id: int) -> int | None:
    """The person id of the nearest verksamhetschef at or above the unit, or None."""
    return next(
        (
            u.verksamhetschef_id
            for u in ancestors(units, unit_id)
            if u.verksamhetschef_id is not None
        ),
        None,
    )


def deciding_chef_of(units: Mapping[int, Unit], unit_id: int, person_id: int) -> int | None:
    """Who decides for a person in the unit: the nearest verksamhetschef at or above it who is
    not the person themselves (a chef's own exception goes to the next level up), or None."""
    return next(
        (
            u.verksamhetschef_id
            for u in ancestors(units, unit_id)
            if u.verksamhetschef_id is not None and u.verksamhetschef_id != person_id
        ),
        None,
    )


def children_of(units: Mapping[int, Unit]) -> dict[int | None, list[int]]:
    """Parent id → child ids (None → the roots), each list sorted by id."""
    children: dict[int | None, list[int]] = {}
    for unit in sorted(units.values(), key=lambda u: u.id):
        children.setdefault(unit.parent_id, []).append(unit.id)
    return children


def descendants(units: Mapping[int, Unit], unit_id: int) -> set[int]:
    """The ids of every unit below the unit (not the unit itself)."""
    children = children_of(units)
    found: set[int] = set()
    stack = list(children.get(unit_id, ()))
    while stack:
        child = stack.pop()
        if child not in found and child != unit_id:
            found.add(child)
            stack.extend(children.get(child, ()))
    return found


def find_by_path(units: Mapping[int, Unit], path: tuple[str, ...]) -> int | None:
    """The id of the unit at that path (names compared case- and å/ä/ö-insensitively)."""
    children = children_of(units)
    candidates: list[int] = children.get(None, [])
    found: int | None = None
    for name in path:
        key = fold(name)
        found = next((c for c in candidates if fold(units[c].name) == key), None)
        if found is None:
            return None
        candidates = children.get(found, [])
    return found


def validate_tree(units: Mapping[int, Unit]) -> None:
    """Every parent exists, no cycles, sibling names unique, roots are a kommun or a bolag."""
    for unit in units.values():
        if not unit.name.strip():
            raise DomainError("name", f"unit {unit.id} has no name")
        for _ in ancestors(units, unit.id):
            pass
        # A nämnd or enhet without a parent is almost always a path typed wrong in an import.
        if unit.parent_id is None and unit.kind not in {UnitKind.KOMMUN, UnitKind.BOLAG}:
            raise DomainError("parent", f"{unit.name} ({unit.kind}) must sit under another unit")
    for siblings in children_of(units).values():
        names = [fold(units[s].name) for s in siblings]
        if len(names) != len(set(names)):
            dup = next(units[s].name for s in siblings if names.count(fold(units[s].name)) > 1)
            raise DomainError("name", f"two units under the same parent are called {dup!r}")
