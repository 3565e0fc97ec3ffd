"""The tables, as SQLAlchemy 2.0 typed models.

Rows are not handed out: repositories turn them into the frozen dataclasses of
``vaxel.domain``. Enumerations are stored as their string values (no database enum types, so
adding a reason is not a migration); the domain validates them. Relationships load only when
asked for (``lazy="raise"``) so no query hides behind an attribute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from vaxel.domain.clock import TZ

# Named constraints, so that migrations name them the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class TzDateTime(TypeDecorator[datetime]):
    """An instant. Stored in UTC (SQLite has no time zones); read back in the kommun's zone.

    A naive datetime is refused: it would be a different instant on another machine.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(TZ)


def core(model: type[Base]) -> Table:
    """A model's table, for Core bulk inserts (the ORM splits a batch wherever a value is None)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 (SQLAlchemy reads it at class creation)
        datetime: TzDateTime(),
        date: Date(),
        str: String(200),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


# --- Organisation and people ---------------------------------------------------------------


class UnitRow(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    # use_alter: units and people refer to each other.
    verksamhetschef_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL", use_alter=True)
    )
    telephone_hours: Mapped[dict[str, Any] | None]

    parent: Mapped[UnitRow | None] = relationship(remote_side=[id], lazy="raise")


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(default="")
    keywords: Mapped[list[str]] = mapped_column(default=list)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    # Personal telephone hours (optional): shown to callers and operators.
    telephone_hours: Mapped[dict[str, Any] | None]
    # The operator's "Notering" ("Arbetar deltid mån–ons"), kept by the person or an admin.
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    unit: Mapped[UnitRow] = relationship(foreign_keys=[unit_id], lazy="raise")


class NumberRow(Base):
    """A number assigned to a person or a unit for a period (valid_to None: still assigned)."""

    __tablename__ = "number_assignments"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (unit_id IS NULL)", name="has_owner"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="period"),
        # The database's own guard for the commonest case: one open assignment per number.
        # Overlapping bounded periods are refused by the repository (domain.numbers).
        Index(
            "uq_number_assignments_open_e164",
            "e164",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(default="")
    extension: Mapped[str | None] = mapped_column(String(20), index=True)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    # Function numbers have their own telephone hours (e.g. Bygglov 9–12).
    telephone_hours: Mapped[dict[str, Any] | None]


class ClosureRow(Base):
    """A one-off closure (e.g. a staff day): for one unit, or the whole kommun (unit_id None)."""

    __tablename__ = "closures"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(default="")


# --- SIP ------------------------------------------------------------------------------------


class SipAccountRow(Base):
    """A device's SIP credentials: digest HA1 values only, never the password."""

    __tablename__ = "sip_accounts"
    __table_args__ = (UniqueConstraint("realm", "username", name="uq_sip_accounts_realm_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    device: Mapped[str] = mapped_column(String(20))
    realm: Mapped[str] = mapped_column(String(100))
    ha1_md5: Mapped[str] = mapped_column(String(32))
    ha1_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(default="")
    enabled: Mapped[bool] = mapped_column(default=True)


class RegistrationRow(Base):
    """A SIP binding (RFC 3261 §10, RFC 5626 outbound): kept so they survive a restart."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("account_id", "contact", name="uq_registrations_account_contact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("sip_accounts.id", ondelete="CASCADE"), index=True
    )
    aor: Mapped[str] = mapped_column(String(300))
    contact: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    q: Mapped[float | None] = mapped_column(Float)
    call_id: Mapped[str] = mapped_column(String(300), default="")
    cseq: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(100), default="")  # "ip:port"
    transport: Mapped[str] = mapped_column(String(10), default="udp")
    path: Mapped[list[str]] = mapped_column(default=list)
    instance_id: Mapped[str] = mapped_column(default="")  # +sip.instance
    reg_id: Mapped[int | None]
    user_agent: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime]


# --- Presence -------------------------------------------------------------------------------


class AbsenceRow(Base):
    """A person's current hänvisning; no row means available."""

    __tablename__ = "absences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(40))
    until: Mapped[datetime | None] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(default="")
    set_by: Mapped[str] = mapped_column(default="")
    set_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))


class PresenceHistoryRow(Base):
    """Every change of presence: set (with reason) or cleared (reason None)."""

    __tablename__ = "presence_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(String(40))
    until: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(default="")
    set_by: Mapped[str] = mapped_column(default="")
    set_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_presence_history_person_at", "person_id", "set_at"),)


# --- Callbacks and voicemail ----------------------------------------------------------------


class CallbackRow(Base):
    __tablename__ = "callback_tasks"
    __table_args__ = (Index("ix_callback_tasks_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_number: Mapped[str] = mapped_column(String(40))
    caller_name: Mapped[str] = mapped_column(default="")
    for_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    for_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="open")
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_how: Mapped[str] = mapped_column(default="")


class MailboxRow(Base):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    extension: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    greeting: Mapped[str] = mapped_column(String(20), default="default")
    greeting_path: Mapped[str] = mapped_column(String(500), default="")
    # The owner's PIN for the phone menu, as an argon2 hash; NULL: no PIN chosen yet.
    pin_hash: Mapped[str | None] = mapped_column(String(200))


class VoicemailRow(Base):
    __tablename__ = "voicemail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )
    caller_number: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]
    duration_s: Mapped[float] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(500))
    heard: Mapped[bool] = mapped_column(Boolean, default=False)


# --- The switchboard queue ------------------------------------------------------------------


class QueueSignInRow(Base):
    """An operator signed in to a queue (kept so that a restart does not sign everyone out)."""

    __tablename__ = "queue_sign_ins"

    queue: Mapped[str] = mapped_column(String(100), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    number: Mapped[str] = mapped_column(String(100))  # the extension or account offers ring
    signed_in_at: Mapped[datetime]


# --- Barring --------------------------------------------------------------------------------


class BarringRow(Base):
    """A person's barring class; no row means the default class."""

    __tablename__ = "barring_classes"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    barring_class: Mapped[str] = mapped_column(String(20))


class BarringExceptionRow(Base):
    """A time-limited exception, decided by the unit's verksamhetschef (policy §2); at the top
    of the tree by an administrator, whose log-in may belong to no person."""

    __tablename__ = "barring_exceptions"
    __table_args__ = (
        CheckConstraint("valid_to > valid_from", name="period"),
        # Who decided is always known: the person, the log-in, or both.
        CheckConstraint(
            "decided_by_id IS NOT NULL OR decided_by_user_id IS NOT NULL", name="has_decider"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    # The log-in that decided (NULL: decided off the web, by the CLI or the demo, or before 0004
    # where the audit log did not name a log-in).
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_users.id", ondelete="RESTRICT")
    )
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime]
    decided_at: Mapped[datetime]


class ExceptionRequestRow(Base):
    """An employee's request for an exception, pending until their verksamhetschef decides."""

    __tablename__ = "barring_exception_requests"
    __table_args__ = (
        CheckConstraint("wanted_to > wanted_from", name="period"),
        # The chef's list: pending requests, oldest first.
        Index("ix_barring_exception_requests_status_at", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    wanted_from: Mapped[datetime]
    wanted_to: Mapped[datetime]
    requested_at: Mapped[datetime]
    requested_by: Mapped[str] = mapped_column(default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("web_users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    exception_id: Mapped[int | None] = mapped_column(
        ForeignKey("barring_exceptions.id", ondelete="SET NULL")
    )


# --- Policy register ------------------------------------------------------------------------


class PolicyDocumentRow(Base):
    __tablename__ = "policy_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    kind: Mapped[str] = mapped_column(String(20))
    adopted_by: Mapped[str] = mapped_column(String(40))
    adopted_on: Mapped[date]
    paragraph: Mapped[str] = mapped_column(String(40), default="")
    responsible: Mapped[str] = mapped_column(default="")
    body: Mapped[str] = mapped_column(Text, default="")


class PolicyRevisionRow(Base):
    __tablename__ = "policy_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("policy_documents.id", ondelete="CASCADE"), index=True
    )
    revised_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    paragraph: Mapped[str] = mapped_column(String(40), default="")


class AcknowledgementRow(Base):
    """A person has read a guideline (policy §3: staff and contractors follow it too)."""

    __tablename__ = "guideline_acknowledgements"
    __table_args__ = (
        UniqueConstraint("person_id", "document_id", name="uq_acknowledgements_person_document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("policy_documents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]


# --- Calls and audit ------------------------------------------------------------------------


class CallRow(Base):
    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(300), default="")
    from_number: Mapped[str] = mapped_column(String(40))
    to_number: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20))
    answered_by: Mapped[str] = mapped_column(default="")
    informed: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str]
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


# --- The change log -------------------------------------------------------------------------


class ChangeLogRow(Base):
    """A committed change, for the other processes on the same database (storage.change_log).

    Written in the transaction that made the change; kept for a few minutes only. ``seq``
    orders the changes as they were committed. On SQLite it is AUTOINCREMENT, so a number is
    never given out twice, not even after the newest rows were pruned (a plain rowid would
    start again below what the followers have already seen).
    """

    __tablename__ = "change_log"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (read at class creation)

    # BIGINT on PostgreSQL (a busy switch could pass 2**31 in months); on SQLite an INTEGER
    # PRIMARY KEY is the rowid, which AUTOINCREMENT needs.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(BigInteger)  # Change.id when it is a number
    item_key: Mapped[str | None] = mapped_column(Text)  # … or when it is text (an E.164)
    at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(100))  # the writing Database: host:pid:random


# --- Web users ------------------------------------------------------------------------------


class WebUserRow(Base):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
