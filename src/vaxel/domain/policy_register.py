"""The register of policy and guideline documents and their revision cycle (policy §3–4)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

# Policy §4: "Policy för telefoni ska revideras vart tredje år eller vid behov."
REVISION_INTERVAL_YEARS = 3

# How early the revision shows up in reports and reminders.
REVISION_WARNING_DAYS = 90


class DocumentKind(enum.StrEnum):
    POLICY = "policy"
    RIKTLINJE = "riktlinje"


class AdoptedBy(enum.StrEnum):
    KOMMUNFULLMAKTIGE = "kommunfullmäktige"
    KOMMUNSTYRELSEN = "kommunstyrelsen"


@dataclass(frozen=True, slots=True)
class Revision:
    on: date
    note: str
    paragraph: str = ""


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    id: int
    title: str
    kind: DocumentKind
    adopted_by: AdoptedBy
    adopted_on: date
    paragraph: str  # e.g. "§ 126"
    responsible: str  # e.g. "Kommunstyrelsen"
    revisions: tuple[Revision, ...] = ()


# The policy this system keeps, as adopted (id 0: not yet stored).
TELEFONIPOLICY = PolicyDocument(
    id=0,
    title="Policy för telefoni",
    kind=DocumentKind.POLICY,
    adopted_by=AdoptedBy.KOMMUNFULLMAKTIGE,
    adopted_on=date(2018, 6, 25),
    paragraph="§ 126",
    responsible="Kommunstyrelsen",
    revisions=(Revision(date(2020, 9, 14), "Reviderad med anledning av ny växellösning"),),
)


def add_years(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_revised(doc: PolicyDocument) -> date:
    """The latest of the adoption and every revision."""
    return max((doc.adopted_on, *(r.on for r in doc.revisions)))


def next_revision_due(doc: PolicyDocument) -> date:
    """Three years after the document was last adopted or revised."""
    return add_years(last_revised(doc), REVISION_INTERVAL_YEARS)


def revision_overdue(doc: PolicyDocument, today: date) -> bool:
    """The revision date has passed without a new revision."""
    return today > next_revision_due(doc)


def revision_due_soon(
    doc: PolicyDocument, today: date, within_days: int = REVISION_WARNING_DAYS
) -> bool:
    """Overdue, or due within `within_days` days."""
    return next_revision_due(doc) <= today + timedelta(days=within_days)


def add_revision(doc: PolicyDocument, revision: Revision) -> PolicyDocument:
    """A copy with one more revision (kept in date order)."""
    revisions = tuple(sorted((*doc.revisions, revision), key=lambda r: r.on))
    return PolicyDocument(
        doc.id,
        doc.title,
        doc.kind,
        doc.adopted_by,
        doc.adopted_on,
        doc.paragraph,
        doc.responsible,
        revisions,
    )
