"""Requests for barring exceptions, and a note on each person for the operator.

Written by hand and reviewed: one new table (barring_exception_requests: an employee asks,
the unit's verksamhetschef approves or denies) and one new column (people.note, the
operator's "Notering"). The column is NOT NULL with an empty default so that existing people
get "" without a table copy; adding a column is a plain ALTER TABLE on SQLite too, and so is
dropping it on the way down.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))

    op.create_table(
        "barring_exception_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("wanted_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wanted_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("exception_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "wanted_to > wanted_from", name=op.f("ck_barring_exception_requests_period")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_barring_exception_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["people.id"],
            name=op.f("fk_barring_exception_requests_decided_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["exception_id"],
            ["barring_exceptions.id"],
            name=op.f("fk_barring_exception_requests_exception_id_barring_exceptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barring_exception_requests")),
    )
    with op.batch_alter_table("barring_exception_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_barring_exception_requests_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "ix_barring_exception_requests_status_at", ["status", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("barring_exception_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_barring_exception_requests_status_at")
        batch_op.drop_index(batch_op.f("ix_barring_exception_requests_person_id"))

    op.drop_table("barring_exception_requests")
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35 or newer), not a batch table copy: on
    # SQLite the copy drops and recreates people, and dropping a table with foreign keys on
    # deletes its rows first, which cascades to numbers, accounts, absences … (and unlinks
    # mailboxes).
    op.drop_column("people", "note")
