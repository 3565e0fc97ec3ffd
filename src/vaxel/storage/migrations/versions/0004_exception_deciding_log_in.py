"""Decisions on barring exceptions record the deciding log-in; the person becomes optional.

Written by hand and reviewed. At the top of the organisation an administrator decides, and an
administrator's log-in need not belong to a person (the demo's ``admin`` does not), so:

* barring_exceptions.decided_by_id (the deciding person) may be NULL, a new
  decided_by_user_id names the web log-in (web_users.id, RESTRICT: a decision's author stays
  known), and a CHECK (``has_decider``) keeps at least one of the two;
* barring_exception_requests gets decided_by_user_id too (SET NULL, like its decided_by_id).

Backfill: a decision made on the web before 0004 was audited with the log-in's user name as
the actor (``barring.exception``, and ``barring.request.approved``/``denied``), and that
log-in belonged to the deciding person. Rows get the log-in the audit names, where the log-in
still exists and still belongs to that person. Decisions made off the web (the CLI, the demo)
keep NULL: their person says who decided, and no log-in did.

On SQLite, making decided_by_id nullable copies barring_exceptions, and dropping the old table
deletes its rows first, which sets barring_exception_requests.exception_id to NULL
(ON DELETE SET NULL). The links from approved requests to their exceptions are read before the
copy and written back after it, both ways.

The downgrade gives a decision with no person its log-in's person, if the log-in has one by
now; if a decision is left with nobody (an administrator's log-in without a person decided
it), 0003 cannot store it and the downgrade stops, saying which ones, rather than deleting
exceptions that calls are barred by.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The log-in of a pre-0004 web decision: the audit entry's actor, if it is a log-in of the
# deciding person. Exceptions are matched by person and instant (add_exception audits with
# at = decided_at), requests by the "request:<id> by …" that starts the entry's detail.
BACKFILL_EXCEPTIONS = """
UPDATE barring_exceptions SET decided_by_user_id = (
    SELECT min(u.id) FROM audit_log a JOIN web_users u ON u.username = a.actor
    WHERE a.action = 'barring.exception'
      AND a.subject = 'person:' || CAST(barring_exceptions.person_id AS VARCHAR(20))
      AND a.at = barring_exceptions.decided_at
      AND u.person_id = barring_exceptions.decided_by_id
)
WHERE decided_by_user_id IS NULL
"""
BACKFILL_REQUESTS = """
UPDATE barring_exception_requests SET decided_by_user_id = (
    SELECT min(u.id) FROM audit_log a JOIN web_users u ON u.username = a.actor
    WHERE a.action IN ('barring.request.approved', 'barring.request.denied')
      AND a.detail LIKE 'request:' || CAST(barring_exception_requests.id AS VARCHAR(20)) || ' %'
      AND u.person_id = barring_exception_requests.decided_by_id
)
WHERE decided_by_user_id IS NULL AND status <> 'pending'
"""


def _exception_links() -> list[tuple[int, int]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT id, exception_id FROM barring_exception_requests WHERE exception_id IS NOT NULL"
        )
    )
    return [(int(r[0]), int(r[1])) for r in rows]


def _restore_links(links: list[tuple[int, int]]) -> None:
    if links:
        op.get_bind().execute(
            sa.text("UPDATE barring_exception_requests SET exception_id = :e WHERE id = :r"),
            [{"r": r, "e": e} for r, e in links],
        )


def upgrade() -> None:
    links = _exception_links()
    with op.batch_alter_table("barring_exceptions", schema=None) as batch_op:
        batch_op.alter_column("decided_by_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("decided_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_barring_exceptions_decided_by_user_id_web_users"),
            "web_users",
            ["decided_by_user_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_barring_exceptions_has_decider"),
            "decided_by_id IS NOT NULL OR decided_by_user_id IS NOT NULL",
        )
    _restore_links(links)

    with op.batch_alter_table("barring_exception_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_barring_exception_requests_decided_by_user_id_web_users"),
            "web_users",
            ["decided_by_user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.execute(BACKFILL_EXCEPTIONS)
    op.execute(BACKFILL_REQUESTS)


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("barring_exceptions", "barring_exception_requests"):
        op.execute(
            f"UPDATE {table} SET decided_by_id = "
            f"(SELECT u.person_id FROM web_users u WHERE u.id = {table}.decided_by_user_id) "
            "WHERE decided_by_id IS NULL AND decided_by_user_id IS NOT NULL"
        )
    nobody = bind.execute(
        sa.text(
            "SELECT e.id, u.username FROM barring_exceptions e "
            "LEFT JOIN web_users u ON u.id = e.decided_by_user_id "
            "WHERE e.decided_by_id IS NULL ORDER BY e.id"
        )
    ).all()
    if nobody:
        listed = ", ".join(f"{row[0]} (by the log-in {row[1]})" for row in nobody)
        raise RuntimeError(
            f"cannot downgrade to 0003: barring exceptions {listed} were decided by a log-in "
            "that belongs to no person, and 0003 needs a person for every exception. Link the "
            "log-ins to people (Administration → Inloggningar) and downgrade again."
        )

    links = _exception_links()
    with op.batch_alter_table("barring_exceptions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_barring_exceptions_has_decider"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_barring_exceptions_decided_by_user_id_web_users"), type_="foreignkey"
        )
        batch_op.drop_column("decided_by_user_id")
        batch_op.alter_column("decided_by_id", existing_type=sa.Integer(), nullable=False)
    _restore_links(links)

    with op.batch_alter_table("barring_exception_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_barring_exception_requests_decided_by_user_id_web_users"),
            type_="foreignkey",
        )
        batch_op.drop_column("decided_by_user_id")
