"""The directory: units of the organisation, people, their telephone hours and closures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain import organisation
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import try_normalise
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, validate_person
from vaxel.domain.presence import Channel
from vaxel.domain.telephone_hours import Closure, TelephoneHours, effective_hours
from vaxel.domain.text import fold
from vaxel.storage._convert import person_of, person_values, unit_of
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import Ambiguous, NotFound
from vaxel.storage.models import ClosureRow, NumberRow, PersonRow, UnitRow


class DirectoryRepository:
    """Units and people. Every change is audited and published as a Change."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- units ----------------------------------------------------------------------------

    def units(self) -> list[Unit]:
        return [unit_of(r) for r in self.session.scalars(select(UnitRow).order_by(UnitRow.id))]

    def units_by_id(self) -> dict[int, Unit]:
        return {u.id: u for u in self.units()}

    def unit(self, unit_id: int) -> Unit:
        row = self.session.get(UnitRow, unit_id)
        if row is None:
            raise NotFound(f"no unit with id {unit_id}")
        return unit_of(row)

    def unit_paths(self) -> dict[int, str]:
        """Every unit's full path, e.g. "Kommunstyrelsen / Kommunledningsförvaltningen / IT"."""
        units = self.units_by_id()
        return {uid: organisation.unit_path(units, uid) for uid in units}

    def find_unit(self, text: str) -> Unit:
        """A unit as people name it: its path (the kommun at the root may be left out), a path
        with levels left out ("Kommunstyrelsen / IT"), its name, or a unique part of its name.

        NotFound or Ambiguous (listing the candidates) when that does not single one out.
        """
        try:
            parts = organisation.parse_unit_path(text)
        except DomainError:
            raise NotFound(f"no unit {text!r}: give a unit name or a path") from None
        units = self.units_by_id()
        found = find_path(units, parts)
        if found is not None:
            return units[found]
        wanted = organisation.PATH_SEPARATOR.join(parts)
        for partial in (False, True):
            candidates = loose_matches(units, parts, partial=partial)
            if len(candidates) == 1:
                return units[candidates[0]]
            if candidates:
                paths = sorted(organisation.unit_path(units, c) for c in candidates)
                raise Ambiguous(f"{wanted!r} names {len(paths)} units, say which", paths[:20])
        raise NotFound(f"no unit {wanted!r} (vaxel people list shows every unit's path)")

    def add_unit(
        self,
        name: str,
        kind: UnitKind,
        parent_id: int | None,
        *,
        actor: str,
        channel: Channel,
        verksamhetschef_id: int | None = None,
        telephone_hours: dict[str, Any] | None = None,
    ) -> Unit:
        if not name.strip():
            raise ValueError("a unit needs a name")
        row = UnitRow(
            name=name.strip(),
            kind=str(kind),
            parent_id=parent_id,
            verksamhetschef_id=verksamhetschef_id,
            telephone_hours=telephone_hours,
        )
        self.session.add(row)
        self.session.flush()
        audit(self.session, actor, channel, "unit.add", f"unit:{row.id}", row.name)
        note_change(self.session, "unit", row.id)
        return unit_of(row)

    def set_verksamhetschef(
        self, unit_id: int, person_id: int | None, *, actor: str, channel: Channel
    ) -> None:
        row = self._unit_row(unit_id)
        row.verksamhetschef_id = person_id
        audit(
            self.session,
            actor,
            channel,
            "unit.verksamhetschef",
            f"unit:{unit_id}",
            f"person:{person_id}",
        )
        note_change(self.session, "unit", unit_id)

    def set_unit_hours(
        self, unit_id: int, hours: dict[str, Any] | None, *, actor: str, channel: Channel
    ) -> None:
        """Set a unit's telephone hours (``TelephoneHours.to_json()``; None: inherit)."""
        row = self._unit_row(unit_id)
        row.telephone_hours = hours
        audit(self.session, actor, channel, "unit.telephone_hours", f"unit:{unit_id}")
        note_change(self.session, "unit", unit_id)

    def unit_hours(self) -> dict[int, dict[str, Any]]:
        """The units that have telephone hours of their own, as stored JSON."""
        rows = self.session.execute(
            select(UnitRow.id, UnitRow.telephone_hours).where(UnitRow.telephone_hours.is_not(None))
        )
        return {uid: hours for uid, hours in rows if hours}

    def effective_hours(self, unit_id: int, at: datetime | None = None) -> TelephoneHours | None:
        """The hours that apply to the unit (its own or the nearest above it), with the closures
        that have not ended by ``at`` (all of them without it). Unreadable hours count as none."""
        own: dict[int, TelephoneHours] = {}
        for uid, data in self.unit_hours().items():
            try:
                own[uid] = TelephoneHours.from_json(data)
            except DomainError:
                continue
        return effective_hours(self.units_by_id(), own, self.closures(after=at), unit_id)

    # --- people ---------------------------------------------------------------------------

    def person(self, person_id: int) -> Person:
        row = self.session.get(PersonRow, person_id)
        if row is None:
            raise NotFound(f"no person with id {person_id}")
        return person_of(row)

    def person_by_email(self, email: str) -> Person | None:
        row = self.session.scalar(select(PersonRow).where(PersonRow.email == email.strip().lower()))
        return None if row is None else person_of(row)

    def people(self, unit_id: int | None = None, *, below: bool = True) -> list[Person]:
        """Everyone, or those of one unit (and the units below it, unless ``below`` is False)."""
        query = select(PersonRow).order_by(PersonRow.name, PersonRow.id)
        if unit_id is not None:
            ids = {unit_id}
            if below:
                ids |= organisation.descendants(self.units_by_id(), unit_id)
            query = query.where(PersonRow.unit_id.in_(ids))
        return [person_of(r) for r in self.session.scalars(query)]

    def add_person(self, person: Person, *, actor: str, channel: Channel) -> Person:
        """Add a person (``person.id`` is ignored); raises DomainError if a rule is broken."""
        validate_person(person)
        self._unit_row(person.unit_id)
        if self.person_by_email(person.email) is not None:
            raise ValueError(f"email: {person.email} is already in the directory")
        row = PersonRow(**person_values(person))
        self.session.add(row)
        self.session.flush()
        audit(self.session, actor, channel, "person.add", f"person:{row.id}", row.email)
        note_change(self.session, "person", row.id)
        return person_of(row)

    def update_person(self, person: Person, *, actor: str, channel: Channel) -> Person:
        validate_person(person)
        row = self.session.get(PersonRow, person.id)
        if row is None:
            raise NotFound(f"no person with id {person.id}")
        values = person_values(person)
        changed = [k for k, v in values.items() if getattr(row, k) != v]
        if not changed:
            return person_of(row)
        for key in changed:
            setattr(row, key, values[key])
        audit(self.session, actor, channel, "person.update", f"person:{row.id}", ", ".join(changed))
        note_change(self.session, "person", row.id)
        return person_of(row)

    def set_note(self, person_id: int, note: str, *, actor: str, channel: Channel) -> Person:
        """Set the note the operator sees with the person ("" clears it); audited."""
        person = self.person(person_id)
        return self.update_person(replace(person, note=note.strip()), actor=actor, channel=channel)

    def end_person(self, person_id: int, last_day: date, *, actor: str, channel: Channel) -> None:
        """Set a person's last working day (their numbers stop working after it)."""
        person = self.person(person_id)
        self.update_person(replace(person, valid_to=last_day), actor=actor, channel=channel)

    def find(self, who: str, at: datetime | None = None) -> list[Person]:
        """Candidates for WHO: an extension, an e-mail address, or a (part of a) name."""
        who = who.strip()
        if not who:
            return []
        at = at or datetime.now(TZ)
        if "@" in who:
            person = self.person_by_email(who)
            return [] if person is None else [person]
        digits = "".join(ch for ch in who if ch not in " -()/")
        if digits.lstrip("+").isascii() and digits.lstrip("+").isdigit():
            found = [] if digits.startswith("+") else self._by_number(digits, at)  # extension
            if found or not digits.startswith(("+", "0")):
                return found
            # A full number as people write it: "070-123 45 67", "010-130 41 23", "+46 …".
            e164 = try_normalise(digits)
            return [] if e164 is None else self._by_number(e164, at)
        everyone = self.people()
        wanted = fold(who)
        exact = [p for p in everyone if fold(p.name) == wanted]
        if exact:
            return exact
        return [p for p in everyone if wanted in fold(p.name)]

    def resolve(self, who: str, at: datetime | None = None) -> Person:
        """Exactly one person for WHO, or NotFound / Ambiguous (listing the candidates)."""
        if not who.strip():
            raise NotFound("say who: an extension, an e-mail address or a name")
        found = self.find(who, at)
        if not found:
            raise NotFound(f"nobody matches {who!r} (give an extension, an e-mail or a name)")
        if len(found) > 1:
            paths = self.unit_paths()
            raise Ambiguous(
                f"{who!r} matches {len(found)} people, say which",
                [f"{p.name} <{p.email}> ({paths.get(p.unit_id, '?')})" for p in found[:20]],
            )
        return found[0]

    # --- closures -------------------------------------------------------------------------

    def add_closure(
        self,
        unit_id: int | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        *,
        actor: str,
        channel: Channel,
    ) -> int:
        """A one-off closure of a unit (None: the whole kommun)."""
        Closure(starts_at, ends_at, reason)  # validates
        row = ClosureRow(unit_id=unit_id, starts_at=starts_at, ends_at=ends_at, reason=reason)
        self.session.add(row)
        self.session.flush()
        audit(self.session, actor, channel, "closure.add", f"closure:{row.id}", reason)
        note_change(self.session, "unit", unit_id if unit_id is not None else 0)
        return row.id

    def closures(
        self, unit_id: int | None = None, after: datetime | None = None
    ) -> list[tuple[int | None, Closure]]:
        """(unit id, closure) of one-off closures; with ``unit_id``, the kommun-wide ones too."""
        query = select(ClosureRow).order_by(ClosureRow.starts_at)
        if unit_id is not None:
            query = query.where((ClosureRow.unit_id == unit_id) | ClosureRow.unit_id.is_(None))
        if after is not None:
            query = query.where(ClosureRow.ends_at > after)
        return [
            (r.unit_id, Closure(r.starts_at, r.ends_at, r.reason))
            for r in self.session.scalars(query)
        ]

    # --- helpers --------------------------------------------------------------------------

    def _unit_row(self, unit_id: int) -> UnitRow:
        row = self.session.get(UnitRow, unit_id)
        if row is None:
            raise NotFound(f"no unit with id {unit_id}")
        return row

    def _by_number(self, number: str, at: datetime) -> list[Person]:
        column = NumberRow.e164 if number.startswith("+") else NumberRow.extension
        query = (
            select(PersonRow)
            .join(NumberRow, NumberRow.person_id == PersonRow.id)
            .where(column == number, NumberRow.valid_from <= at)
            .where(NumberRow.valid_to.is_(None) | (NumberRow.valid_to > at))
        )
        return [person_of(r) for r in self.session.scalars(query).unique()]


def kommun_root(units: Mapping[int, Unit]) -> Unit | None:
    """The one root of kind kommun, if there is exactly one."""
    roots = [u for u in units.values() if u.parent_id is None and u.kind is UnitKind.KOMMUN]
    return roots[0] if len(roots) == 1 else None


def loose_matches(
    units: Mapping[int, Unit], parts: tuple[str, ...], partial: bool = False
) -> list[int]:
    """Units whose path holds these names in order, ending with the unit's own name: so
    "Kommunstyrelsen / IT" finds ".. / Kommunstyrelsen / Kommunledningsförvaltningen / IT".
    With ``partial``, each name may be part of the unit's name ("bygg" for "Bygglov")."""

    def same(name: str, wanted: str) -> bool:
        return wanted in fold(name) if partial else fold(name) == wanted

    wanted = [fold(p) for p in parts]
    found = []
    for unit in units.values():
        if not same(unit.name, wanted[-1]):
            continue
        try:
            above = [u.name for u in organisation.ancestors(units, unit.id)][1:]
        except DomainError:
            continue
        rest = list(reversed(wanted[:-1]))  # nearest first, as ``above`` is
        for name in above:
            if rest and same(name, rest[0]):
                rest.pop(0)
        if not rest:
            found.append(unit.id)
    return found


def find_path(units: Mapping[int, Unit], parts: tuple[str, ...]) -> int | None:
    """A unit id by path, written from the root or from below the kommun, or by a unique name."""
    found = organisation.find_by_path(units, parts)
    if found is None:
        root = kommun_root(units)
        if root is not None:
            found = organisation.find_by_path(units, (root.name, *parts))
    if found is None and len(parts) == 1:
        named = [u.id for u in units.values() if fold(u.name) == fold(parts[0])]
        if len(named) == 1:
            found = named[0]
    return found
