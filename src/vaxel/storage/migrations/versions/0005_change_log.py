"""The change log: committed changes for the other processes on the same database.

Written by hand and reviewed. One new table, change_log (seq, kind, item_id, item_key, at,
origin), written in the transaction of every commit that publishes changes and read by the
change-log follower of every process with listeners (vaxel.storage.change_log), so that a
change made by the CLI, an import or another node reaches the running server at once.

The table holds only the last few minutes (the followers prune it), so it starts empty and
nothing needs to be filled in. On SQLite ``seq`` is AUTOINCREMENT: a number is never given out
twice, even after the newest rows are pruned. On PostgreSQL it is a BIGSERIAL.

The downgrade drops the table; nothing else refers to it. IF EXISTS: on SQLite the DROP is
committed at once, outside the migration's transaction, so when a later step of the same
downgrade stops (0004's does, while an exception has no person), the table is gone but the
revision is still 0005, and the next attempt must not fail on the missing table. (Without the
table the writers only warn; `vaxel db upgrade` makes it again.)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("item_key", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS change_log")
