"""The command line: ``vaxel serve``, ``demo``, ``db``, ``people``, ``callbacks``, ``absence``,
``policy``. Operators' scripts rely on these commands and their JSON output (docs/cli.md).

A user's mistake gets one line on stderr ("vaxel: ...") and exit code 2; a database that
cannot be reached, exit code 1. Never a traceback.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from vaxel.config import Config, ConfigError
from vaxel.domain.clock import TZ, local
from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Absence, Channel, parse_reason
from vaxel.domain.when import parse_when
from vaxel.storage import Ambiguous, Database, NotFound

USER_ERROR = 2
SYSTEM_ERROR = 1


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


class UserError(Exception):
    """Something the user can fix; the message is shown as it is."""


app = typer.Typer(
    name="vaxel",
    help="vaxel: a municipal switchboard (växel) that keeps the telephony policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
people_app = typer.Typer(help="People in the directory.", no_args_is_help=True)
callbacks_app = typer.Typer(help="Callback tasks (återuppringning).", no_args_is_help=True)
absence_app = typer.Typer(help="Hänvisning: mark someone absent or back.", no_args_is_help=True)
policy_app = typer.Typer(help="The telephony policy and its follow-up.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(people_app, name="people")
app.add_typer(callbacks_app, name="callbacks")
app.add_typer(absence_app, name="absence")
app.add_typer(policy_app, name="policy")

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default ./data, or VAXEL_DATA_DIR)."),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (default SQLite in the data directory, or VAXEL_DATABASE_URL).",
    ),
]
SipOption = Annotated[str | None, typer.Option("--sip", help="SIP listen HOST:PORT.")]
HttpOption = Annotated[str | None, typer.Option("--http", help="Web listen HOST:PORT.")]
FormatOption = Annotated[Format, typer.Option("--format", help="table or json.")]


@dataclass
class _Global:
    data_dir: Path | None = None
    database: str | None = None


@app.callback()
def _options(
    ctx: typer.Context, data_dir: DataDirOption = None, database: DatabaseOption = None
) -> None:
    ctx.obj = _Global(data_dir, database)


# --- plumbing -------------------------------------------------------------------------------


def _out() -> Console:
    """Standard output; plain lines are not wrapped, so scripts can read them.

    Piped into a file or another program, tables keep one row per line, however wide.
    """
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, width=10_000)
    return console


def _table(out: Console, table: Table) -> None:
    """Print a table; piped, without the padding after the last column."""
    if out.is_terminal:
        out.print(table)
        return
    with out.capture() as captured:
        out.print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _err(message: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"vaxel: {message}", markup=False)


# Domain fields named as the option a user typed.
_OPTION_OF_FIELD = {"until": "--until", "when": "--until", "reason": "--reason", "note": "--note"}


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn what a user can fix into one line on stderr and a non-zero exit."""
    from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

    from vaxel.storage.errors import BadDatabaseUrl, DatabaseUnavailable
    from vaxel.storage.people_import import ImportFailed

    try:
        yield
    except ImportFailed as exc:
        for error in exc.errors:
            _err(str(error))
        _err(str(exc))
        raise typer.Exit(USER_ERROR) from None
    except Ambiguous as exc:
        _err(str(exc.args[0]))
        raise typer.Exit(USER_ERROR) from None
    except (UserError, NotFound, ConfigError, BadDatabaseUrl) as exc:
        _err(str(exc))
        raise typer.Exit(USER_ERROR) from None
    except DomainError as exc:
        _err(f"{_OPTION_OF_FIELD.get(exc.field, exc.field)}: {exc.reason}")
        raise typer.Exit(USER_ERROR) from None
    except DatabaseUnavailable as exc:
        _err(f"the database cannot be used: {exc}")
        raise typer.Exit(SYSTEM_ERROR) from None
    except OperationalError as exc:
        _err(f"the database cannot be used: {_first_line(exc.orig)}")
        raise typer.Exit(SYSTEM_ERROR) from None
    except IntegrityError as exc:
        # Another writer got there first (e.g. assigned the same number): nothing was written.
        _err(
            "the change conflicts with one made at the same time; try again "
            f"({_first_line(exc.orig)})"
        )
        raise typer.Exit(SYSTEM_ERROR) from None
    except SQLAlchemyError as exc:
        _err(f"the database failed: {_first_line(exc)}")
        raise typer.Exit(SYSTEM_ERROR) from None


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _config(
    ctx: typer.Context,
    *,
    data_dir: Path | None = None,
    database_url: str | None = None,
    sip: str | None = None,
    http: str | None = None,
) -> Config:
    """Settings: this command's options, then the global ones, then VAXEL_* variables."""
    state = ctx.obj if isinstance(ctx.obj, _Global) else _Global()
    return Config.from_env(
        data_dir=data_dir or state.data_dir,
        database_url=database_url or state.database,
        sip=sip,
        http=http,
    )


def _open(config: Config) -> Database:
    """The database, ready to use: an embedded SQLite file is migrated on the fly; another
    database must have been migrated with ``vaxel db upgrade``."""
    db = Database(config.db_url)
    if db.is_current():
        return db
    if db.dialect == "sqlite":
        db.upgrade()
        return db
    db.dispose()
    raise UserError(
        f"the database schema is not up to date; run: vaxel db upgrade ({_safe(config)})"
    )


def _safe(config: Config) -> str:
    """The database URL without its password, for messages."""
    from vaxel.storage.db import database_url

    return database_url(config.db_url).render_as_string(hide_password=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _now() -> datetime:
    return datetime.now(TZ)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _when(at: datetime | None) -> str:
    return "" if at is None else f"{local(at):%Y-%m-%d %H:%M}"


# --- serve, demo, db ------------------------------------------------------------------------


@app.command()
def serve(
    ctx: typer.Context,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    sip: SipOption = None,
    http: HttpOption = None,
) -> None:
    """Run the switchboard (SIP and web)."""
    from vaxel import app as composition

    with _user_errors():
        config = _config(ctx, data_dir=data_dir, database_url=database, sip=sip, http=http)
        composition.serve(config)


@app.command()
def demo(
    ctx: typer.Context,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    sip: SipOption = None,
    http: HttpOption = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Create the demo data, then stop.")
    ] = False,
) -> None:
    """Create a demo municipality (first run only), print the log-ins, then serve."""
    import vaxel.demo as demo_data
    from vaxel import app as composition

    with _user_errors():
        config = _config(ctx, data_dir=data_dir, database_url=database, sip=sip, http=http)
        db = composition.open_database(config)
        try:
            summary = demo_data.ensure_demo(db, config, now=_now())
        finally:
            db.dispose()
        demo_data.print_welcome(summary, config, _out())
        if not no_serve:
            logins = [(user, pw, role) for role, user, pw, _who in summary.web_logins]
            composition.serve(config, demo_logins=logins)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    with _user_errors():
        config = _config(ctx)
        db = Database(config.db_url)
        try:
            before = db.current_revision()
            db.upgrade()
            after = db.current_revision()
        finally:
            db.dispose()
    _out().print(
        f"{_safe(config)}: schema {after}"
        + ("" if before == after else f" (was {before or 'empty'})"),
        markup=False,
    )


# --- people ---------------------------------------------------------------------------------


@people_app.command("import")
def people_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file (see docs/csv-import.md).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, write nothing.")
    ] = False,
    create_units: Annotated[
        bool, typer.Option("--create-units", help="Create units that do not exist yet.")
    ] = False,
) -> None:
    """Import people from a CSV file: all or nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from vaxel.domain.numbers import NumberPlan
    from vaxel.storage.people_import import ImportResult, import_people

    with _user_errors():
        config = _config(ctx)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UserError(f"{file}: {exc.strerror or exc}") from None
        db = _open(config)
        plan = NumberPlan(config.did_prefix, config.extension_digits)
        result: ImportResult | None = None
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn())
        errors = Console(stderr=True)
        try:
            with (
                Progress(
                    *columns, console=errors, transient=True, disable=not errors.is_terminal
                ) as bar,
                db.session() as session,
            ):
                task = bar.add_task("import", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                result = import_people(
                    session, data, now=_now(), plan=plan, realm=config.realm, actor=_actor(),
                    channel=Channel.IMPORT, create_units=create_units, dry_run=dry_run,
                    progress=progress,
                )  # fmt: skip
                if dry_run:
                    session.rollback()
        finally:
            db.dispose()
    assert result is not None
    _remove_voicemail_files(config, result.voicemail_files_removed)
    out = _out()
    verb = "would import" if dry_run else "imported"
    moved = ""
    if result.mailboxes_moved or result.accounts_moved:
        boxes = _plural(result.mailboxes_moved, "mailbox", "mailboxes")
        moved = f"; taken over from a previous holder: {boxes}, "
        moved += _plural(result.accounts_moved, "SIP account")
    out.print(
        f"{verb} {_plural(result.rows, 'row')}: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged; numbers {result.numbers_assigned} assigned, "
        f"{result.numbers_released} released; SIP accounts {result.accounts_created} new, "
        f"{result.accounts_updated} changed; mailboxes {result.mailboxes_created} new{moved}",
        markup=False,
    )
    if result.encoding == "windows-1252":
        out.print(
            "note: the file is not UTF-8; it was read as Windows-1252 (Excel's CSV). "
            "Check that å, ä and ö came out right.",
            markup=False,
        )
    for path in result.units_created:
        out.print(f"{'would create' if dry_run else 'created'} unit: {path}", markup=False)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _remove_voicemail_files(config: Config, paths: list[str]) -> None:
    """Delete the audio of messages dropped with a mailbox that changed hands (after commit)."""
    root = config.data_dir.resolve()
    for text in paths:
        path = Path(text)
        path = (path if path.is_absolute() else root / path).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)


@people_app.command("list")
def people_list(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="A unit path or unique name.")] = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """List people (of a unit and the units below it)."""
    from vaxel.domain.people import is_active
    from vaxel.storage.directory import DirectoryRepository
    from vaxel.storage.numbers import NumberRepository
    from vaxel.storage.presence import PresenceRepository

    with _user_errors():
        config = _config(ctx)
        db = _open(config)
        now = _now()
        try:
            with db.session() as s:
                directory = DirectoryRepository(s)
                unit_id = directory.find_unit(unit).id if unit is not None else None
                people = directory.people(unit_id)
                paths = directory.unit_paths()
                numbers: dict[int, list[str]] = {}
                extensions: dict[int, list[str]] = {}
                for a in NumberRepository(s).assignments(at=now):
                    if a.person_id is not None:
                        numbers.setdefault(a.person_id, []).append(a.e164)
                        if a.extension:
                            extensions.setdefault(a.person_id, []).append(a.extension)
                absences = PresenceRepository(s).all_current(now)
        finally:
            db.dispose()
    today = local(now).date()
    rows: list[dict[str, Any]] = [
        {
            "id": p.id,
            "name": p.name,
            "email": p.email,
            "unit": paths.get(p.unit_id, ""),
            "unit_id": p.unit_id,
            "title": p.title,
            "kind": str(p.kind),
            "extensions": extensions.get(p.id, []),
            "numbers": numbers.get(p.id, []),
            "keywords": list(p.keywords),
            "valid_to": p.valid_to,
            "active": is_active(p, today),
            "absence": (
                None
                if p.id not in absences
                else {"reason": str(absences[p.id].reason), "until": absences[p.id].until}
            ),
        }
        for p in people
    ]
    if format is Format.JSON:
        _json(rows)
        return
    table = Table("Name", "Ext", "Unit", "Title", "Kind", "Status", box=None, pad_edge=False)
    for r in rows:
        absence = r["absence"]
        if not r["active"]:
            status = (
                f"slutade {r['valid_to']}"
                if r["valid_to"] and r["valid_to"] < today
                else "har inte börjat"
            )
        elif absence is None:
            status = ""
        else:
            status = f"{absence['reason']} {_when(absence['until'])}"
        table.add_row(
            r["name"], ", ".join(r["extensions"]), r["unit"], r["title"], r["kind"], status.strip()
        )
    out = _out()
    _table(out, table)
    out.print(_plural(len(rows), "person", "people"), markup=False)


# --- callbacks ------------------------------------------------------------------------------


@callbacks_app.command("list")
def callbacks_list(
    ctx: typer.Context,
    for_: Annotated[
        str | None, typer.Option("--for", help="Extension, e-mail or unique name.")
    ] = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """List open callback tasks, the earliest due first."""
    from vaxel.domain.callbacks import is_overdue
    from vaxel.storage.callbacks import CallbackRepository
    from vaxel.storage.directory import DirectoryRepository

    with _user_errors():
        config = _config(ctx)
        db = _open(config)
        now = _now()
        try:
            with db.session() as s:
                directory = DirectoryRepository(s)
                person_id = directory.resolve(for_, now).id if for_ is not None else None
                tasks = CallbackRepository(s).tasks(for_person_id=person_id)
                names = {p.id: p for p in directory.people()}
                paths = directory.unit_paths()
        finally:
            db.dispose()
    rows: list[dict[str, Any]] = []
    for t in tasks:
        person = names.get(t.for_person_id) if t.for_person_id is not None else None
        unit_id = person.unit_id if person else t.for_unit_id
        rows.append(
            {
                "id": t.id,
                "caller_number": t.caller_number,
                "caller_name": t.caller_name,
                "for": person.name if person else "",
                "for_email": person.email if person else "",
                "unit": paths.get(unit_id, "") if unit_id is not None else "",
                "reason": str(t.reason),
                "note": t.note,
                "attempts": t.attempts,
                "created_at": t.created_at,
                "due_at": t.due_at,
                "overdue": is_overdue(t, now),
            }
        )
    if format is Format.JSON:
        _json(rows)
        return
    table = Table("#", "Caller", "For", "Reason", "Created", "Due", box=None, pad_edge=False)
    for r in rows:
        due = _when(r["due_at"]) + (" FÖRSENAD" if r["overdue"] else "")
        caller = f"{r['caller_name']} {r['caller_number']}".strip()
        table.add_row(
            str(r["id"]), caller, r["for"] or r["unit"], r["reason"], _when(r["created_at"]), due
        )
    out = _out()
    _table(out, table)
    overdue = sum(1 for r in rows if r["overdue"])
    out.print(f"{len(rows)} open, {overdue} overdue", markup=False)


# --- absence --------------------------------------------------------------------------------


@absence_app.command("set")
def absence_set(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="Extension, e-mail or unique name.")],
    reason: Annotated[str, typer.Option("--reason", help="lunch, möte, semester, sjuk, ...")],
    until: Annotated[
        str | None,
        typer.Option("--until", help='"14:00", "i morgon 08:00", "2026-12-03 08:00".'),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note for the operator.")] = "",
) -> None:
    """Mark someone absent (hänvisa) with a reason and a return time."""
    from vaxel.storage.directory import DirectoryRepository
    from vaxel.storage.presence import PresenceRepository

    with _user_errors():
        config = _config(ctx)
        now = _now()
        why = parse_reason(reason)
        back = parse_when(until, now) if until else None
        db = _open(config)
        try:
            with db.session() as s:
                person = DirectoryRepository(s).resolve(who, now)
                PresenceRepository(s).set_absence(
                    person.id, Absence(why, back, note=note), _actor(), Channel.CLI, now
                )
        finally:
            db.dispose()
    back_text = f"åter {_when(back)}" if back else "okänd återkomst"
    _out().print(f"{person.name}: {why}, {back_text}", markup=False)


@absence_app.command("clear")
def absence_clear(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="Extension, e-mail or unique name.")],
) -> None:
    """Mark someone available again."""
    from vaxel.storage.directory import DirectoryRepository
    from vaxel.storage.presence import PresenceRepository

    with _user_errors():
        config = _config(ctx)
        now = _now()
        db = _open(config)
        try:
            with db.session() as s:
                person = DirectoryRepository(s).resolve(who, now)
                was = PresenceRepository(s).clear_absence(person.id, _actor(), Channel.CLI, now)
        finally:
            db.dispose()
    text = "tillgänglig" if was else "var redan tillgänglig"
    _out().print(f"{person.name}: {text}", markup=False)


# --- policy ---------------------------------------------------------------------------------


@policy_app.command("check")
def policy_check(ctx: typer.Context, format: FormatOption = Format.TABLE) -> None:
    """Findings per unit where the telephony policy is not kept."""
    from vaxel.domain.compliance import check, count_by_kind
    from vaxel.storage.snapshot import compliance_snapshot

    with _user_errors():
        config = _config(ctx)
        db = _open(config)
        try:
            with db.session() as s:
                findings = check(compliance_snapshot(s, _now()))
        finally:
            db.dispose()
    if format is Format.JSON:
        _json(
            [
                {
                    "kind": str(f.kind),
                    "unit_id": f.unit_id,
                    "unit": f.unit_path,
                    "subject": f.subject,
                    "detail": f.detail,
                }
                for f in findings
            ]
        )
        return
    out = _out()
    table = Table("Unit", "Finding", "Subject", "Detail", box=None, pad_edge=False)
    for f in findings:
        table.add_row(f.unit_path or "(kommunen)", str(f.kind), f.subject, f.detail)
    _table(out, table)
    counts = ", ".join(f"{kind}: {n}" for kind, n in count_by_kind(findings).items() if n)
    out.print(f"{len(findings)} findings" + (f" ({counts})" if counts else ""), markup=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
