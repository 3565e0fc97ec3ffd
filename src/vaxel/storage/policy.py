"""The register of policy and guideline documents, revisions and acknowledgements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.policy_register import AdoptedBy, DocumentKind, PolicyDocument, Revision
from vaxel.domain.presence import Channel
from vaxel.storage.audit import audit
from vaxel.storage.db import note_change
from vaxel.storage.errors import NotFound
from vaxel.storage.models import AcknowledgementRow, PolicyDocumentRow, PolicyRevisionRow


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_document(
        self, document: PolicyDocument, *, actor: str, channel: Channel, body: str = ""
    ) -> PolicyDocument:
        """Register a document with its revisions (``document.id`` is ignored)."""
        row = PolicyDocumentRow(
            title=document.title,
            kind=str(document.kind),
            adopted_by=str(document.adopted_by),
            adopted_on=document.adopted_on,
            paragraph=document.paragraph,
            responsible=document.responsible,
            body=body,
        )
        self.session.add(row)
        self.session.flush()
        for revision in document.revisions:
            self._add_revision_row(row.id, revision)
        audit(self.session, actor, channel, "policy.add", f"policy:{row.id}", document.title)
        note_change(self.session, "policy", row.id)
        return self.document(row.id)

    def add_revision(
        self, document_id: int, revision: Revision, *, actor: str, channel: Channel
    ) -> PolicyDocument:
        self._row(document_id)
        self._add_revision_row(document_id, revision)
        audit(
            self.session,
            actor,
            channel,
            "policy.revise",
            f"policy:{document_id}",
            f"{revision.on} {revision.note}",
        )
        note_change(self.session, "policy", document_id)
        return self.document(document_id)

    def document(self, document_id: int) -> PolicyDocument:
        return self._document_of(self._row(document_id))

    def document_by_title(self, title: str) -> PolicyDocument | None:
        row = self.session.scalar(select(PolicyDocumentRow).where(PolicyDocumentRow.title == title))
        return None if row is None else self._document_of(row)

    def documents(self) -> list[PolicyDocument]:
        rows = self.session.scalars(select(PolicyDocumentRow).order_by(PolicyDocumentRow.id))
        return [self._document_of(r) for r in rows]

    def body(self, document_id: int) -> str:
        return self._row(document_id).body

    def acknowledge(
        self, person_id: int, document_id: int, *, at: datetime, actor: str, channel: Channel
    ) -> bool:
        """Record that a person has read a document; False if they already had."""
        existing = self.session.scalar(
            select(AcknowledgementRow).where(
                AcknowledgementRow.person_id == person_id,
                AcknowledgementRow.document_id == document_id,
            )
        )
        if existing is not None:
            return False
        self.session.add(AcknowledgementRow(person_id=person_id, document_id=document_id, at=at))
        audit(
            self.session,
            actor,
            channel,
            "policy.acknowledge",
            f"person:{person_id}",
            f"policy:{document_id}",
            at=at,
        )
        note_change(self.session, "policy", document_id)
        return True

    def acknowledgements(self, document_id: int) -> dict[int, datetime]:
        """When each person acknowledged the document, by person id."""
        query = select(AcknowledgementRow).where(AcknowledgementRow.document_id == document_id)
        return {r.person_id: r.at for r in self.session.scalars(query)}

    def _add_revision_row(self, document_id: int, revision: Revision) -> None:
        self.session.add(
            PolicyRevisionRow(
                document_id=document_id,
                revised_on=revision.on,
                note=revision.note,
                paragraph=revision.paragraph,
            )
        )
        self.session.flush()

    def _document_of(self, row: PolicyDocumentRow) -> PolicyDocument:
        revisions = self.session.scalars(
            select(PolicyRevisionRow)
            .where(PolicyRevisionRow.document_id == row.id)
            .order_by(PolicyRevisionRow.revised_on, PolicyRevisionRow.id)
        )
        return PolicyDocument(
            id=row.id,
            title=row.title,
            kind=DocumentKind(row.kind),
            adopted_by=AdoptedBy(row.adopted_by),
            adopted_on=row.adopted_on,
            paragraph=row.paragraph,
            responsible=row.responsible,
            revisions=tuple(
                Revision(on=r.revised_on, note=r.note, paragraph=r.paragraph) for r in revisions
            ),
        )

    def _row(self, document_id: int) -> PolicyDocumentRow:
        row = self.session.get(PolicyDocumentRow, document_id)
        if row is None:
            raise NotFound(f"no policy document {document_id}")
        return row
