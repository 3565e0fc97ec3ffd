"""Importing people from a CSV file: all or nothing, every bad row named, idempotent.

The file is read and checked completely first; only if no row is bad is anything written, in
one transaction, with bulk statements and lookups loaded once (10,000 people in seconds). A
process killed half-way leaves the database as it was: nothing is committed until the end.
People are matched by e-mail, so importing the same file twice changes nothing. The columns are
documented in docs/csv-import.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from vaxel.domain import organisation
from vaxel.domain.accounts import DeviceKind, digest_ha1, validate_password
from vaxel.domain.audit import AuditEntry
from vaxel.domain.clock import local
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import (
    NumberAssignment,
    NumberKind,
    NumberPlan,
    normalise,
    normalise_mobile,
)
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, PersonKind, parse_keywords, parse_kind, validate_person
from vaxel.domain.presence import Channel
from vaxel.domain.text import fold
from vaxel.domain.voicemail import GreetingState
from vaxel.storage._convert import assignment_of, person_of, person_values
from vaxel.storage.audit import audit_many
from vaxel.storage.db import note_change
from vaxel.storage.directory import find_path, kommun_root, loose_matches
from vaxel.storage.models import (
    MailboxRow,
    NumberRow,
    PersonRow,
    SipAccountRow,
    UnitRow,
    VoicemailRow,
    core,
)
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
        super().__init__(
            f"{_count_of(len(self.errors), 'problem')} on {_count_of(lines, 'line')}; "
            "nothing was imported"
        )


def _count_of(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
    # An extension given to someone new takes its mailbox and SIP account along (reset: the
    # old greeting, PIN and messages were the previous holder's).
    mailboxes_moved: int = 0
    accounts_moved: int = 0
    # Audio files of the previous holders' messages, for the caller to delete after commit.
    voicemail_files_removed: list[str] = field(default_factory=list)
    encoding: str = "utf-8"  # how the file was read: "utf-8", "utf-16" or "windows-1252"

    @property
    def changed(self) -> bool:
        return bool(
            self.created or self.updated or self.units_created or self.numbers_assigned
            or self.numbers_released or self.accounts_created or self.accounts_updated
            or self.mailboxes_created or self.mailboxes_moved or self.accounts_moved
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

# A well-formed UTF-8 sequence of two to four bytes. A file that holds one is UTF-8 with a
# broken byte somewhere, not Windows-1252: reading it as such would garble every å, ä and ö.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_DELIMITERS = (";", ",", "\t")


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in.

    UTF-8 with or without a byte-order mark; UTF-16 with one (Excel's "Unicode text"); else
    Windows-1252, which is what Excel on a Swedish Windows saves as "CSV (semikolonavgränsad)".
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if not _UTF8_SEQUENCE.search(data):
        try:
            return data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            pass
    line = data.count(b"\n", 0, bad) + 1
    raise ImportFailed(
        [RowError(line, "file", f"byte {data[bad]:#04x} is not UTF-8 text; save the file as UTF-8")]
    )


def read_csv(source: bytes | str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (canonical column names) and (line, values) rows of a CSV file.

    UTF-8 (or see ``decode_csv``); ";", "," or tab as delimiter, whichever the header uses
    most. Raises ImportFailed for an unreadable file, unknown or missing columns, or no rows.
    """
    columns, rows, _ = _read(source)
    return columns, rows


def _read(
    source: bytes | str | Path,
) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    if isinstance(source, Path):
        source = source.read_bytes()
    encoding = "utf-8"
    if isinstance(source, bytes):
        source, encoding = decode_csv(source)
    text = source.removeprefix("\ufeff")
    first = text.split("\n", 1)[0].strip()
    # Excel writes (and reads) a first line "sep=;" naming the delimiter.
    hint = first[4:] if first.lower().startswith("sep=") and len(first) == 5 else ""
    delimiter = hint or max(_DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        if hint:
            next(reader)
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(1, "file", "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "file", str(exc))]) from None
    header_line = reader.line_num
    columns: list[str] = []
    errors: list[RowError] = []
    for raw in header:
        name = fold(raw).replace(" ", "_")
        name = ALIASES.get(name, ALIASES.get(fold(raw), name))
        if name not in COLUMNS:
            errors.append(
                RowError(
                    header_line, raw or "(empty)", f"unknown column; known: {', '.join(COLUMNS)}"
                )
            )
        elif name in columns:
            errors.append(RowError(header_line, name, "the column appears twice"))
        columns.append(name)
    for needed in REQUIRED:
        if needed not in columns:
            errors.append(RowError(header_line, needed, "this column is required"))
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
                    # A short row (trailing delimiters left out) has empty cells at the end,
                    # as a spreadsheet would show it.
                    cells = [*record, *[""] * (len(columns) - len(record))]
                    rows.append((line, {c: v.strip() for c, v in zip(columns, cells, strict=True)}))
            line = reader.line_num + 1
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "file", str(exc)))
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed(
            [RowError(header_line + 1, "file", "there are no people below the header line")]
        )
    return columns, rows, encoding


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
    """Import people from CSV into the session's transaction; ImportFailed if any row is bad.

    With ``dry_run`` the result says what would change and the session is left untouched.
    """
    plan = plan or NumberPlan()
    columns, raw_rows, encoding = _read(source)
    # Taken before anything is read, so that nobody assigns a number between check and write.
    lock_numbers(session)
    units = {r.id: _unit(r) for r in session.scalars(select(UnitRow))}
    people = {r.email: person_of(r) for r in session.scalars(select(PersonRow))}
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
    check = _Check(set(columns), units, people, active, plan, create_units, local(now).date())
    rows, errors = check.rows(raw_rows)
    if errors:
        raise ImportFailed(errors)
    result = ImportResult(rows=len(rows), dry_run=dry_run, encoding=encoding)
    _plan_units(rows, result)
    writer = _Writer(session, now, actor, channel, realm, plan, result, progress, dry_run)
    unit_ids = writer.create_units(rows, units)
    writer.write_people(rows, people, unit_ids)
    writer.write_numbers(rows, active)
    writer.write_accounts_and_mailboxes(rows, accounts)
    writer.flush_audit(len(rows))
    return result


# --- checking -------------------------------------------------------------------------------


class _Check:
    """Checks every row against the file so far and the directory; collects every problem."""

    def __init__(
        self,
        columns: set[str],
        units: Mapping[int, Unit],
        people: Mapping[str, Person],
        active: Mapping[str, NumberAssignment],
        plan: NumberPlan,
        create_units: bool,
        today: date,
    ) -> None:
        self.columns = columns
        self.units = units
        self.people = people
        self.active = active
        self.plan = plan
        self.create_units = create_units
        self.today = today
        self.owner_email = {p.id: p.email for p in people.values()}
        self.paths: dict[tuple[str, ...], int | None] = {}
        self.seen_email: dict[str, int] = {}
        self.seen_number: dict[str, tuple[int, str]] = {}  # e164 → (line, column)
        self.released: set[str] = set()  # numbers their holders give up in this file

    def rows(self, raw_rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_Row], list[RowError]]:
        self.released = self._released_in_file(raw_rows)
        errors: list[RowError] = []
        rows: list[_Row] = []
        for line, values in raw_rows:
            bad: list[RowError] = []
            row = self._row(line, values, bad)
            if bad:
                errors.extend(bad)
            else:
                rows.append(row)
        return rows, errors

    def _released_in_file(self, raw_rows: list[tuple[int, dict[str, str]]]) -> set[str]:
        """Numbers held now by people whose rows give them up (another number, or none).

        They may go to someone else in the same file: the release is written first.
        """
        held: dict[tuple[int, NumberKind], list[str]] = {}
        for a in self.active.values():
            if a.person_id is not None:
                held.setdefault((a.person_id, a.kind), []).append(a.e164)
        released: set[str] = set()
        for _, values in raw_rows:
            person = self.people.get(values.get("email", "").lower())
            if person is None:
                continue
            for kind, column in (
                (NumberKind.EXTENSION, "extension"),
                (NumberKind.MOBILE, "mobile"),
            ):
                if column not in self.columns:
                    continue
                wanted = self._number(column, values.get(column, ""))
                released.update(e for e in held.get((person.id, kind), ()) if e != wanted)
        return released

    def _number(self, column: str, text: str) -> str | None:
        """The E.164 form of a cell, or None if empty or unreadable (reported elsewhere)."""
        if not text:
            return None
        try:
            if column == "extension":
                return self.plan.e164_for_extension(text)
            return normalise_mobile(text)
        except DomainError:
            return None

    def _row(self, line: int, values: dict[str, str], bad: list[RowError]) -> _Row:
        def fail(column: str, reason: str) -> None:
            bad.append(RowError(line, column, reason))

        columns = self.columns
        name = values.get("name", "")
        if not name:
            fail("name", "the name is missing")
        email = values.get("email", "").lower()
        if not email:
            fail("email", "the e-mail address is missing")
        elif email in self.seen_email:
            fail("email", f"{email} is also on line {self.seen_email[email]}")
        else:
            self.seen_email[email] = line
        existing = self.people.get(email)

        unit_id, path = self._unit(values.get("unit", ""), fail)

        kind = existing.kind if existing and "kind" not in columns else PersonKind.ANSTALLD
        if values.get("kind"):
            try:
                kind = parse_kind(values["kind"])
            except DomainError as exc:
                fail("kind", exc.reason)
        valid_from = _date(values.get("start_date", ""), "start_date", fail)
        valid_to = _date(values.get("end_date", ""), "end_date", fail)
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
            # The file has no note column: a note written on the web survives every import.
            note=existing.note if existing else "",
        )
        if name and email:
            try:
                validate_person(person)
            except DomainError as exc:
                fail(exc.field if exc.field in COLUMNS else "email", exc.reason)

        extension = values.get("extension") or None
        if extension is not None:
            try:
                e164 = self.plan.e164_for_extension(extension)
                self._check_number(e164, line, existing, person, "extension", fail)
            except DomainError as exc:
                fail("extension", exc.reason)
        mobile = None
        if values.get("mobile"):
            try:
                number = normalise(values["mobile"])
                if self.plan.extension_of(number) is not None:
                    raise DomainError(
                        "mobile",
                        f"{number} is an extension's number; put it in the extension column",
                    )
                mobile = normalise_mobile(values["mobile"])
                self._check_number(mobile, line, existing, person, "mobile", fail)
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
        return _Row(line, person, path, frozenset(columns), extension, mobile, password)

    def _unit(self, text: str, fail: Callable[[str, str], None]) -> tuple[int, tuple[str, ...]]:
        try:
            path = organisation.parse_unit_path(text)
        except DomainError:
            fail("unit", "the unit is missing (a path like 'Kommunstyrelsen / IT')")
            return -1, ()
        if path not in self.paths:
            self.paths[path] = find_path(self.units, path)
        found = self.paths[path]
        if found is not None:
            return found, path
        if not self.create_units:
            wanted = " / ".join(path)
            guesses = loose_matches(self.units, path)
            if len(guesses) == 1:
                hint = organisation.unit_path(self.units, guesses[0])
                fail("unit", f"no unit {wanted!r}; did you mean {hint!r}?")
            else:
                fail("unit", f"no unit {wanted!r} (use --create-units to create it)")
        return -1, path

    def _check_number(
        self,
        e164: str,
        line: int,
        existing: Person | None,
        person: Person,
        column: str,
        fail: Callable[[str, str], None],
    ) -> None:
        if e164 in self.seen_number:
            other_line, other_column = self.seen_number[e164]
            if other_line == line:
                fail(column, f"{e164} is this row's {other_column} too")
            else:
                fail(column, f"{e164} is also on line {other_line}")
            return
        self.seen_number[e164] = (line, column)
        holder = self.active.get(e164)
        if holder is not None and existing is not None and holder.person_id == existing.id:
            return  # theirs already
        if holder is not None and e164 not in self.released:
            who = (
                self.owner_email.get(holder.person_id, holder.owner)
                if holder.person_id is not None
                else holder.owner
            )
            fail(column, f"{e164} is already assigned to {who}")
            return
        # Policy §1: after the end date the numbers stop working, so giving one out is a mistake.
        if person.valid_to is not None and person.valid_to < self.today:
            fail(
                column,
                f"the end date {person.valid_to} has passed; "
                "a number cannot be given to someone who has left",
            )


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


def _plan_units(rows: list[_Row], result: ImportResult) -> None:
    missing = sorted({r.unit_path for r in rows if r.person.unit_id == -1})
    result.units_created = [organisation.PATH_SEPARATOR.join(p) for p in missing]


# --- writing --------------------------------------------------------------------------------


class _Writer:
    """Works out every change and, unless it is a dry run, writes it in bulk statements."""

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
        dry_run: bool = False,
    ) -> None:
        self.session = session
        self.now = now
        self.actor = actor
        self.channel = channel
        self.realm = realm
        self.plan = plan
        self.result = result
        self.progress = progress
        self.dry_run = dry_run
        self.audit: list[AuditEntry] = []
        self.person_ids: dict[int, int] = {}  # line → person id (-line for a dry run's new ones)
        self.notes: dict[int, list[str]] = {}  # person id → what changed
        self.actions: dict[int, str] = {}  # person id → "person.add" / "person.update"

    def note(self, person_id: int, text: str, action: str | None = None) -> None:
        """Something changed about a person (audited as one entry per person)."""
        self.notes.setdefault(person_id, []).append(text)
        if action is not None:
            self.actions[person_id] = action

    def changed(self, kind: str, id: int | str) -> None:
        if not self.dry_run:
            note_change(self.session, kind, id)

    def log(self, action: str, subject: str, detail: str = "") -> None:
        self.audit.append(AuditEntry(self.now, self.actor, self.channel, action, subject, detail))

    def tick(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.result.rows)

    def create_units(self, rows: list[_Row], units: dict[int, Unit]) -> dict[tuple[str, ...], int]:
        """Create the missing units (with --create-units); their ids by path."""
        created: dict[tuple[str, ...], int] = {}
        if self.dry_run:
            return created
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
            if row.person.unit_id == -1 and row.unit_path in unit_ids:
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
            self.changed("person", old.id)
            if i % 500 == 0:
                self.tick(i)
        self.result.created += len(new)
        if self.dry_run:
            for row in new:
                self.person_ids[row.line] = -row.line
            return
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
        self.result.numbers_released = len(release)
        self.result.numbers_assigned = len(assign)
        if self.dry_run:
            return
        if release:
            # Released first: a number given up on one line may be given out on another.
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

    def write_accounts_and_mailboxes(
        self, rows: list[_Row], accounts: Mapping[str, SipAccountRow]
    ) -> None:
        mailboxes = {
            extension: (mailbox_id, owner)
            for mailbox_id, extension, owner in self.session.execute(
                select(MailboxRow.id, MailboxRow.extension, MailboxRow.person_id)
            )
        }
        new_accounts: list[dict[str, object]] = []
        new_mailboxes: list[dict[str, object]] = []
        moved_mailboxes: list[tuple[int, int]] = []  # (mailbox id, new owner)
        for row in rows:
            if row.extension is None:
                continue
            person_id = self.person_ids[row.line]
            box = mailboxes.get(row.extension)
            if box is None:
                mailboxes[row.extension] = (0, person_id)
                new_mailboxes.append(
                    {
                        "extension": row.extension,
                        "person_id": person_id,
                        "greeting": str(GreetingState.DEFAULT),
                        "greeting_path": "",
                    }
                )
                self.note(person_id, f"mailbox {row.extension}")
            elif box[1] != person_id:
                # The extension changed hands: so does its mailbox, without the previous
                # holder's greeting ("you have reached …"), PIN and messages.
                moved_mailboxes.append((box[0], person_id))
                self.note(person_id, f"mailbox {row.extension} taken over (greeting and PIN reset)")
            md5 = sha = ""
            if row.sip_password is not None:
                md5 = digest_ha1(row.extension, self.realm, row.sip_password, "MD5")
                sha = digest_ha1(row.extension, self.realm, row.sip_password, "SHA-256")
            account = accounts.get(row.extension)
            if account is None:
                if row.sip_password is None:
                    continue
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
            elif account.person_id != person_id:
                # The account named after the extension follows it. Without a new password it
                # is switched off: only the previous holder knows the old one.
                self.result.accounts_moved += 1
                self.note(
                    person_id,
                    f"SIP account {row.extension}@{self.realm} taken over"
                    + ("" if row.sip_password else " (disabled until it gets a new password)"),
                )
                if not self.dry_run:
                    account.person_id = person_id
                    account.enabled = row.sip_password is not None
                    if row.sip_password is not None:
                        account.ha1_md5, account.ha1_sha256 = md5, sha
                    note_change(self.session, "sip_account", account.id)
            elif row.sip_password is not None and (
                account.ha1_md5 != md5 or account.ha1_sha256 != sha or not account.enabled
            ):
                self.result.accounts_updated += 1
                self.note(person_id, f"new SIP password for {row.extension}@{self.realm}")
                if not self.dry_run:
                    account.ha1_md5, account.ha1_sha256 = md5, sha
                    account.enabled = True
                    note_change(self.session, "sip_account", account.id)
        self.result.accounts_created = len(new_accounts)
        self.result.mailboxes_created = len(new_mailboxes)
        self.result.mailboxes_moved = len(moved_mailboxes)
        if self.dry_run:
            return
        self._move_mailboxes(moved_mailboxes)
        if new_accounts:
            returned = self.session.execute(
                insert(core(SipAccountRow)).returning(SipAccountRow.id, SipAccountRow.username),
                new_accounts,
            )
            for account_id, _username in returned:
                note_change(self.session, "sip_account", account_id)
        if new_mailboxes:
            self.session.execute(insert(core(MailboxRow)), new_mailboxes)
        self.tick(self.result.rows)

    def _move_mailboxes(self, moves: list[tuple[int, int]]) -> None:
        for mailbox_id, person_id in moves:
            self.session.execute(
                update(MailboxRow)
                .where(MailboxRow.id == mailbox_id)
                .values(
                    person_id=person_id,
                    greeting=str(GreetingState.DEFAULT),
                    greeting_path="",
                    pin_hash=None,  # the previous holder's PIN must not open it
                )
            )
            paths = list(
                self.session.scalars(
                    select(VoicemailRow.path).where(VoicemailRow.mailbox_id == mailbox_id)
                )
            )
            if paths:
                self.session.execute(
                    delete(VoicemailRow).where(VoicemailRow.mailbox_id == mailbox_id)
                )
                self.result.voicemail_files_removed.extend(paths)
                self.log(
                    "voicemail.delete",
                    f"mailbox:{mailbox_id}",
                    f"{len(paths)} messages of the previous holder",
                )
            note_change(self.session, "mailbox", mailbox_id)

    def flush_audit(self, rows: int) -> None:
        if self.dry_run:
            return
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
