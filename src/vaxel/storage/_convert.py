"""Rows to domain objects (and back) for the aggregates that several repositories read."""

from __future__ import annotations

from vaxel.domain.numbers import NumberAssignment, NumberKind
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, PersonKind
from vaxel.storage.models import NumberRow, PersonRow, UnitRow


def unit_of(row: UnitRow) -> Unit:
    return Unit(
        id=row.id,
        name=row.name,
        kind=UnitKind(row.kind),
        parent_id=row.parent_id,
        verksamhetschef_id=row.verksamhetschef_id,
    )


def person_of(row: PersonRow) -> Person:
    return Person(
        id=row.id,
        name=row.name,
        email=row.email,
        unit_id=row.unit_id,
        kind=PersonKind(row.kind),
        title=row.title,
        keywords=tuple(row.keywords or ()),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        note=row.note or "",
    )


def person_values(p: Person) -> dict[str, object]:
    """Column values of a person (without the id)."""
    return {
        "name": p.name.strip(),
        "email": p.email.strip().lower(),
        "unit_id": p.unit_id,
        "kind": str(p.kind),
        "title": p.title,
        "keywords": list(p.keywords),
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "note": p.note.strip(),
    }


def assignment_of(row: NumberRow) -> NumberAssignment:
    return NumberAssignment(
        e164=row.e164,
        kind=NumberKind(row.kind),
        person_id=row.person_id,
        unit_id=row.unit_id,
        label=row.label,
        extension=row.extension,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )
