"""Importing people from a CSV file: all or nothing, every bad row named, idempotent.

The file is read and checked completely first; only if no row is bad is anything written, in
one transaction, with bulk statements and lookups loaded once (10,000 people in seconds).
People are matched by e-mail, so importing the same file twice changes nothing. The columns are
documented in docs/csv-import.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from vaxel.domain import organisation
from vaxel.domain.accounts import DeviceKind, digest_ha1, validate_password
from vaxel.domain.audit import AuditEntry
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment, NumberKind, NumberPlan, normalise
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, PersonKind, parse_keywords, parse_kind, validate_person
from vaxel.domain.presence import Channel
from vaxel.domain.text import fold
from vaxel.domain.voicemail import GreetingState
from vaxel.storage._convert import assignment_of, person_of, person_values
from vaxel.storage.audit import audit_many
from vaxel.storage.db import note_change
from vaxel.storage.directory import find_path, kommun_root
from vaxel.storage.models import MailboxRow, NumberRow, PersonRow, SipAccountRow, UnitRow, core
from vaxel.storage.numbers import lock_numbers

COLUMNS = (
    "name", "email", "unit", "title", "kind", "extension", "mobile", "start_date", "end_date",
    "keywords", "sip_password",
)  # fmt: skip
REQUIRED = ("name", "email", "unit")

# Swedish headers are understood too (compared without case and å/ä/ö).
ALIASES = {
    "namn": "name",
    "e-post": "email",
    "epost": "email",
    "e-mail": "email",
    "mail": "email",
    "enhet": "unit",
    "titel": "title",
    "befattning": "title",
    "typ": "kind",
    "anknytning": "extension",
    "ankn": "extension",
    "mobil": "mobile",
    "mobilnummer": "mobile",
    "startdatum": "start_date",
    "slutdatum": "end_date",
    "nyckelord": "keywords",
    "sip-losenord": "sip_password",
    "sip_losenord": "sip_password",
}

# Units made by --create-units get their kind from their depth below the kommun.
KIND_BY_DEPTH = (UnitKind.NAMND, UnitKind.FORVALTNING, UnitKind.AVDELNING)
DEFAULT_KOMMUN = "Kommunen"


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the line of the file (1 is the header), the column, and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class ImportFailed(ValueError):
    """The file has bad rows; nothing was written. ``errors`` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(
            errors, key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1)
        )
        lines = len({e.line for e in self.errors})
        super().__init__(f"{len(self.errors)} problems on {lines} lines; nothing was imported")


@dataclass(slots=True)
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: list[str] = field(default_factory=list)
    numbers_assigned: int = 0
    numbers_released: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    mailboxes_created: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.created or self.updated or self.units_created or self.numbers_assigned
            or self.numbers_released or self.accounts_created or self.accounts_updated
            or self.mailboxes_created
        )  # fmt: skip


@dataclass(slots=True)
class _Row:
    line: int
    person: Person  # unit_id -1 while the unit is still to be created
    unit_path: tuple[str, ...]
    columns: frozenset[str]
    extension: str | None = None
    mobile: str | None = None
    sip_password: str | None = None


Progress = Callable[[int, int], None]


def read_csv(source: bytes | str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (canonical column names) and (line, values) rows of a CSV file.

    UTF-8 with or without a byte-order mark; ";" or "," as delimiter, whichever the header uses.
    Raises ImportFailed for an unreadable file or unknown or missing columns.
    """
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                [RowError(1, "file", f"not UTF-8 (byte {exc.start}); save the file as UTF-8")]
            ) from None
    text = source.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(1, "file", "the file is empty")]) from None
    columns: list[str] = []
    errors: list[RowError] = []
    for raw in header:
        name = fold(raw).replace(" ", "_")
        name = ALIASES.get(name, ALIASES.get(fold(raw), name))
        if name not in COLUMNS:
            errors.append(
                RowError(1, raw or "(empty)", f"unknown column; known: {', '.join(COLUMNS)}")
            )
        elif name in columns:
            errors.append(RowError(1, name, "the column appears twice"))
        columns.append(name)
    for needed in REQUIRED:
        if needed not in columns:
            errors.append(RowError(1, needed, "this column is required"))
    if errors:
        raise ImportFailed(errors)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        line = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) > len(columns):
                    errors.append(
                        RowError(
                            line, "file", f"{len(record)} fields, the header has {len(columns)}"
                        )
                    )
                else:
                    rows.append(
                        (line, {c: v.strip() for c, v in zip(columns, record, strict=False)})
                    )
            line = reader.line_num + 1
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "file", str(exc)))
    if errors:
        raise ImportFailed(errors)
    return columns, rows


def import_people(
    session: Session,
    source: bytes | str | Path,
    *,
    now: datetime,
    plan: NumberPlan | None = None,
    realm: str = "vaxel",
    actor: str = "import",
    channel: Channel = Channel.IMPORT,
    create_units: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import people from CSV into the session's transaction; ImportFailed if any row is bad."""
    plan = plan or NumberPlan()
    columns, raw_rows = read_csv(source)
    units = {r.id: _unit(r) for r in session.scalars(select(UnitRow))}
    people = {r.email: person_of(r) for r in session.scalars(select(PersonRow))}
    lock_numbers(session)
    active = {
        r.e164: assignment_of(r)
        for r in session.scalars(
            select(NumberRow).where(NumberRow.valid_to.is_(None) | (NumberRow.valid_to > now))
        )
    }
    accounts = {
        r.username: r
        for r in session.scalars(select(SipAccountRow).where(SipAccountRow.realm == realm))
    }
    rows, errors = _check_rows(
        raw_rows, set(columns), units, people, active, accounts, plan, realm, create_units
    )
    if errors:
        raise ImportFailed(errors)
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    _plan_units(rows, units, result)
    if dry_run:
        _count(rows, people, active, accounts, realm, plan, result)
        return result
    writer = _Writer(session, now, actor, channel, realm, plan, result, progress)
    unit_ids = writer.create_units(rows, units)
    writer.write_people(rows, people, unit_ids)
    writer.write_numbers(rows, active)
    writer.write_accounts_and_mailboxes(rows, accounts)
    writer.flush_audit(len(rows))
    return result


# --- checking -------------------------------------------------------------------------------


def _check_rows(
    raw_rows: list[tuple[int, dict[str, str]]],
    columns: set[str],
    units: Mapping[int, Unit],
    people: Mapping[str, Person],
    active: Mapping[str, NumberAssignment],
    accounts: Mapping[str, SipAccountRow],
    plan: NumberPlan,
    realm: str,
    create_units: bool,
) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen_email: dict[str, int] = {}
    seen_number: dict[str, int] = {}
    owner_email = {p.id: p.email for p in people.values()}
    paths: dict[tuple[str, ...], int | None] = {}

    for line, values in raw_rows:
        bad: list[RowError] = []

        def fail(column: str, reason: str, line: int = line, bad: list[RowError] = bad) -> None:
            bad.append(RowError(line, column, reason))

        name = values.get("name", "")
        if not name:
            fail("name", "the name is missing")
        email = values.get("email", "").lower()
        if not email:
            fail("email", "the e-mail address is missing")
        elif email in seen_email:
            fail("email", f"{email} is also on line {seen_email[email]}")
        else:
            seen_email[email] = line
        existing = people.get(email)

        unit_id = -1
        path: tuple[str, ...] = ()
        try:
            path = organisation.parse_unit_path(values.get("unit", ""))
            if path not in paths:
                paths[path] = find_path(units, path)
            found = paths[path]
            if found is not None:
                unit_id = found
            elif not create_units:
                fail("unit", f"no unit {' / '.join(path)!r} (use --create-units to create it)")
        except DomainError:
            fail("unit", "the unit is missing (a path like 'Kommunstyrelsen / IT')")

        kind = existing.kind if existing and "kind" not in columns else PersonKind.ANSTALLD
        if values.get("kind"):
            try:
                kind = parse_kind(values["kind"])
            except DomainError as exc:
                fail("kind", exc.reason)
        valid_from = _date(values.get("start_date", ""), "start_date", fail)
        valid_to = _date(values.get("end_date", ""), "end_date", fail)

        extension = values.get("extension") or None
        if extension is not None:
            try:
                e164 = plan.e164_for_extension(extension)
                _check_number(
                    e164, line, existing, active, owner_email, seen_number, fail, "extension"
                )
            except DomainError as exc:
                fail("extension", exc.reason)
        mobile = None
        if values.get("mobile"):
            try:
                mobile = normalise(values["mobile"])
                _check_number(
                    mobile, line, existing, active, owner_email, seen_number, fail, "mobile"
                )
            except DomainError as exc:
                fail("mobile", exc.reason)

        password = values.get("sip_password") or None
        if password is not None:
            if extension is None:
                fail("sip_password", "a SIP account needs an extension (its user name)")
            else:
                try:
                    validate_password(password, extension)
                except DomainError as exc:
                    fail("sip_password", exc.reason)
                account = accounts.get(extension)
                if account is not None and (existing is None or account.person_id != existing.id):
                    fail("sip_password", f"SIP user {extension}@{realm} belongs to someone else")

        person = Person(
            id=existing.id if existing else 0,
            name=" ".join(name.split()),
            email=email,
            unit_id=unit_id,
            kind=kind,
            title=values.get("title", existing.title if existing else ""),
            keywords=(
                parse_keywords(values["keywords"])
                if "keywords" in values
                else (existing.keywords if existing else ())
            ),
            valid_from=valid_from
            if "start_date" in columns
            else (existing.valid_from if existing else None),
            valid_to=valid_to
            if "end_date" in columns
            else (existing.valid_to if existing else None),
        )
        if name and email:
            try:
                validate_person(person)
            except DomainError as exc:
                fail(exc.field if exc.field in COLUMNS else "email", exc.reason)
        if bad:
            errors.extend(bad)
        else:
            rows.append(_Row(line, person, path, frozenset(columns), extension, mobile, password))
    return rows, errors


def _check_number(
    e164: str,
    line: int,
    existing: Person | None,
    active: Mapping[str, NumberAssignment],
    owner_email: Mapping[int, str],
    seen: dict[str, int],
    fail: Callable[[str, str], None],
    column: str,
) -> None:
    if e164 in seen:
        fail(column, f"{e164} is also on line {seen[e164]}")
        return
    seen[e164] = line
    holder = active.get(e164)
    if holder is None:
        return
    if holder.person_id is not None and existing is not None and holder.person_id == existing.id:
        return
    who = (
        owner_email.get(holder.person_id, holder.owner)
        if holder.person_id is not None
        else holder.owner
    )
    fail(column, f"{e164} is already assigned to {who}")


def _date(text: str, column: str, fail: Callable[[str, str], None]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(column, f"{text!r} is not a date like 2026-12-31")
        return None


def _unit(row: UnitRow) -> Unit:
    return Unit(row.id, row.name, UnitKind(row.kind), row.parent_id, row.verksamhetschef_id)


def _plan_units(rows: list[_Row], units: Mapping[int, Unit], result: ImportResult) -> None:
    missing = sorted({r.unit_path for r in rows if r.person.unit_id == -1})
    result.units_created = [organisation.PATH_SEPARATOR.join(p) for p in missing]


def _count(
    rows: list[_Row],
    people: Mapping[str, Person],
    active: Mapping[str, NumberAssignment],
    accounts: Mapping[str, SipAccountRow],
    realm: str,
    plan: NumberPlan,
    result: ImportResult,
) -> None:
    """What a real import would do (for --dry-run)."""
    for row in rows:
        old = people.get(row.person.email)
        if old is None:
            result.created += 1
        elif row.person.unit_id != -1 and replace(row.person, id=old.id) != old:
            result.updated += 1
        else:
            result.unchanged += 1
        for e164 in _numbers(row, plan):
            if e164 not in active:
                result.numbers_assigned += 1
        if row.sip_password and row.extension:
            account = accounts.get(row.extension)
            if account is None:
                result.accounts_created += 1
            elif account.ha1_md5 != digest_ha1(row.extension, realm, row.sip_password, "MD5"):
                result.accounts_updated += 1


def _numbers(row: _Row, plan: NumberPlan) -> list[str]:
    found = []
    if row.extension:
        found.append(plan.e164_for_extension(row.extension))
    if row.mobile:
        found.append(row.mobile)
    return found


# --- writing --------------------------------------------------------------------------------


class _Writer:
    def __init__(
        self,
        session: Session,
        now: datetime,
        actor: str,
        channel: Channel,
        realm: str,
        plan: NumberPlan,
        result: ImportResult,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.now = now
        self.actor = actor
        self.channel = channel
        self.realm = realm
        self.plan = plan
        self.result = result
        self.progress = progress
        self.audit: list[AuditEntry] = []
        self.person_ids: dict[int, int] = {}  # line → person id
        self.notes: dict[int, list[str]] = {}  # person id → what changed
        self.actions: dict[int, str] = {}  # person id → "person.add" / "person.update"

    def note(self, person_id: int, text: str, action: str | None = None) -> None:
        """Something changed about a person (audited as one entry per person)."""
        self.notes.setdefault(person_id, []).append(text)
        if action is not None:
            self.actions[person_id] = action

    def log(self, action: str, subject: str, detail: str = "") -> None:
        self.audit.append(AuditEntry(self.now, self.actor, self.channel, action, subject, detail))

    def tick(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.result.rows)

    def create_units(self, rows: list[_Row], units: dict[int, Unit]) -> dict[tuple[str, ...], int]:
        """Create the missing units (with --create-units); their ids by path."""
        created: dict[tuple[str, ...], int] = {}
        for text in self.result.units_created:
            path = organisation.parse_unit_path(text)
            parent: Unit | None = kommun_root(units)
            names = list(path)
            if fold(names[0]).endswith("kommun") and (
                parent is None or fold(parent.name) == fold(names[0])
            ):
                parent = parent or self._add_unit(units, names[0], UnitKind.KOMMUN, None)
                names = names[1:]
            elif parent is None:
                parent = self._add_unit(units, DEFAULT_KOMMUN, UnitKind.KOMMUN, None)
            for depth, name in enumerate(names):
                children = {fold(u.name): u for u in units.values() if u.parent_id == parent.id}
                child = children.get(fold(name))
                if child is None:
                    kind = KIND_BY_DEPTH[depth] if depth < len(KIND_BY_DEPTH) else UnitKind.ENHET
                    child = self._add_unit(units, name, kind, parent.id)
                parent = child
            created[path] = parent.id
        return created

    def _add_unit(
        self, units: dict[int, Unit], name: str, kind: UnitKind, parent: int | None
    ) -> Unit:
        row = UnitRow(name=name, kind=str(kind), parent_id=parent)
        self.session.add(row)
        self.session.flush()
        unit = _unit(row)
        units[unit.id] = unit
        self.log("unit.add", f"unit:{unit.id}", name)
        note_change(self.session, "unit", unit.id)
        return unit

    def write_people(
        self,
        rows: list[_Row],
        people: Mapping[str, Person],
        unit_ids: Mapping[tuple[str, ...], int],
    ) -> None:
        new: list[_Row] = []
        updates: list[dict[str, object]] = []
        for i, row in enumerate(rows, 1):
            if row.person.unit_id == -1:
                row.person = replace(row.person, unit_id=unit_ids[row.unit_path])
            old = people.get(row.person.email)
            if old is None:
                new.append(row)
                continue
            self.person_ids[row.line] = old.id
            if row.person == old:
                self.result.unchanged += 1
                continue
            changed = [
                f.name
                for f in fields(Person)
                if getattr(row.person, f.name) != getattr(old, f.name)
            ]
            updates.append({"id": old.id, **person_values(row.person)})
            self.result.updated += 1
            self.note(old.id, f"changed {', '.join(changed)}", "person.update")
            note_change(self.session, "person", old.id)
            if i % 500 == 0:
                self.tick(i)
        if updates:
            self.session.execute(update(PersonRow), updates)
        if new:
            # Core inserts (the ORM would split the batch wherever a value is None), and RETURNING
            # the e-mail so that no row order has to be kept (one statement per row on PostgreSQL).
            returned = self.session.execute(
                insert(core(PersonRow)).returning(PersonRow.id, PersonRow.email),
                [person_values(r.person) for r in new],
            )
            ids = {email: person_id for person_id, email in returned}
            for row in new:
                person_id = ids[row.person.email]
                self.person_ids[row.line] = person_id
                self.note(person_id, f"added {row.person.email}", "person.add")
                note_change(self.session, "person", person_id)
            self.result.created += len(new)
        self.tick(len(rows) // 2)

    def write_numbers(self, rows: list[_Row], active: Mapping[str, NumberAssignment]) -> None:
        held: dict[tuple[int, NumberKind], list[NumberAssignment]] = {}
        for a in active.values():
            if a.person_id is not None:
                held.setdefault((a.person_id, a.kind), []).append(a)
        release: list[str] = []
        assign: list[dict[str, object]] = []
        for row in rows:
            person_id = self.person_ids[row.line]
            wanted = {
                NumberKind.EXTENSION: (
                    self.plan.e164_for_extension(row.extension) if row.extension else None
                ),
                NumberKind.MOBILE: row.mobile,
            }
            for kind, e164 in wanted.items():
                if kind.value not in row.columns:
                    continue  # no such column: leave the person's numbers alone
                current = held.get((person_id, kind), [])
                for a in current:
                    if a.e164 != e164:
                        release.append(a.e164)
                        self.note(person_id, f"released {a.e164}")
                if e164 is not None and all(a.e164 != e164 for a in current):
                    assign.append(
                        {
                            "e164": e164,
                            "kind": str(kind),
                            "person_id": person_id,
                            "unit_id": None,
                            "label": "",
                            "extension": row.extension if kind is NumberKind.EXTENSION else None,
                            "valid_from": self.now,
                            "valid_to": None,
                        }
                    )
                    self.note(person_id, f"assigned {e164}")
        if release:
            open_rows = (NumberRow.e164.in_(release), NumberRow.valid_to.is_(None))
            # An assignment that has not begun yet never took effect: drop it.
            self.session.execute(
                delete(NumberRow).where(*open_rows, NumberRow.valid_from >= self.now)
            )
            self.session.execute(update(NumberRow).where(*open_rows).values(valid_to=self.now))
            for e164 in release:
                note_change(self.session, "number", e164)
        if assign:
            self.session.execute(insert(core(NumberRow)), assign)
            for values in assign:
                note_change(self.session, "number", str(values["e164"]))
        self.result.numbers_released = len(release)
        self.result.numbers_assigned = len(assign)

    def write_accounts_and_mailboxes(
        self, rows: list[_Row], accounts: Mapping[str, SipAccountRow]
    ) -> None:
        mailboxes = set(self.session.scalars(select(MailboxRow.extension)))
        new_accounts: list[dict[str, object]] = []
        new_mailboxes: list[dict[str, object]] = []
        for row in rows:
            if row.extension is None:
                continue
            person_id = self.person_ids[row.line]
            if row.extension not in mailboxes:
                mailboxes.add(row.extension)
                new_mailboxes.append(
                    {
                        "extension": row.extension,
                        "person_id": person_id,
                        "greeting": str(GreetingState.DEFAULT),
                        "greeting_path": "",
                    }
                )
                self.note(person_id, f"mailbox {row.extension}")
            if row.sip_password is None:
                continue
            md5 = digest_ha1(row.extension, self.realm, row.sip_password, "MD5")
            sha = digest_ha1(row.extension, self.realm, row.sip_password, "SHA-256")
            account = accounts.get(row.extension)
            if account is None:
                new_accounts.append(
                    {
                        "username": row.extension,
                        "person_id": person_id,
                        "device": str(DeviceKind.DESK),
                        "realm": self.realm,
                        "ha1_md5": md5,
                        "ha1_sha256": sha,
                        "label": "",
                        "enabled": True,
                    }
                )
                self.note(person_id, f"SIP account {row.extension}@{self.realm}")
            elif account.ha1_md5 != md5 or account.ha1_sha256 != sha:
                account.ha1_md5, account.ha1_sha256 = md5, sha
                self.result.accounts_updated += 1
                self.note(person_id, f"new SIP password for {row.extension}@{self.realm}")
                note_change(self.session, "sip_account", account.id)
        if new_accounts:
            returned = self.session.execute(
                insert(core(SipAccountRow)).returning(SipAccountRow.id, SipAccountRow.username),
                new_accounts,
            )
            for account_id, _username in returned:
                note_change(self.session, "sip_account", account_id)
        if new_mailboxes:
            self.session.execute(insert(core(MailboxRow)), new_mailboxes)
        self.result.accounts_created = len(new_accounts)
        self.result.mailboxes_created = len(new_mailboxes)
        self.tick(self.result.rows)

    def flush_audit(self, rows: int) -> None:
        # One entry per person for all that changed about them (35,000 rows would otherwise
        # be written for 10,000 new people), plus one for the import as a whole.
        for person_id, notes in self.notes.items():
            action = self.actions.get(person_id, "person.import")
            self.log(action, f"person:{person_id}", "; ".join(notes))
        if self.result.changed:
            self.log(
                "person.import",
                "people",
                f"{rows} rows: {self.result.created} new, {self.result.updated} updated",
            )
        audit_many(self.session, self.audit)
