"""The register of policy and guideline documents and their revision cycle (policy §3–4)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


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
