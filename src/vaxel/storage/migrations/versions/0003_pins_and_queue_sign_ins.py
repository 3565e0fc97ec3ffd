"""Voicemail PINs in the database, and operators' queue sign-ins that survive a restart.

Written by hand and reviewed: one new column (mailboxes.pin_hash, the argon2 hash of the
owner's PIN; NULL until a PIN is chosen, so existing mailboxes need no value and adding it is a
plain ALTER TABLE on SQLite too) and one new table (queue_sign_ins: who is signed in to which
switchboard queue, on which number, since when).

PINs kept so far in <voicemail>/pins.json are imported by the application on start
(flows.voicemail.MailboxPinStore), not here: a migration does not know where the data
directory is.

The downgrade drops the column with a plain ALTER TABLE … DROP COLUMN (SQLite 3.35 or newer),
not a batch table copy: on SQLite a copy drops and recreates mailboxes, and dropping a table
with foreign keys on deletes its rows first, which would cascade to every voicemail message.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))

    op.create_table(
        "queue_sign_ins",
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_queue_sign_ins_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue", "person_id", name=op.f("pk_queue_sign_ins")),
    )
    with op.batch_alter_table("queue_sign_ins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queue_sign_ins_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_sign_ins_person_id"))
    op.drop_table("queue_sign_ins")

    op.drop_column("mailboxes", "pin_hash")
