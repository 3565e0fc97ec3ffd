"""Administration pages: people, units, numbers, SIP accounts, telephone hours, closures and
holidays, the CSV import, web log-ins. Changes are made through the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import local
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberKind
from vaxel.domain.organisation import UnitKind
from vaxel.domain.people import PersonKind
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.registrations import RegistrationRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.web.api.admin import person_info
from vaxel.web.api.exceptions import requests_to_decide
from vaxel.web.api.units import holidays, list_closures, list_units
from vaxel.web.deps import Admin, Ctx, SessionDep, Viewer
from vaxel.web.i18n import language_of, translator
from vaxel.web.pages.chef import unit_hours_rows
from vaxel.web.presenters import DEVICE_LABELS, NUMBER_LABELS, hours_info, pick
from vaxel.web.templating import format_phone, format_when, render, without_root

router = APIRouter(prefix="/admin", include_in_schema=False)

SUBNAV = [
    ("/admin", "nav_admin_people"),
    ("/admin/units", "nav_admin_units"),
    ("/admin/numbers", "nav_admin_numbers"),
    ("/admin/sip", "nav_admin_sip"),
    ("/admin/hours", "nav_admin_hours"),
    ("/admin/closures", "nav_admin_closures"),
    ("/admin/import", "nav_admin_import"),
    ("/admin/users", "nav_admin_users"),
    ("/admin/exceptions", "nav_admin_exceptions"),
]
PAGE_ROWS = 200


def page(
    request: Request, template: str, viewer: Viewer, title: str, **values: Any
) -> HTMLResponse:
    return render(request, template, viewer=viewer, title_key=title, subnav=SUBNAV,
                  subnav_key="nav_admin", **values)  # fmt: skip


def unit_choices(paths: dict[int, str]) -> list[dict[str, Any]]:
    """Units for a <select>, in path order."""
    return [{"id": u, "path": p} for u, p in sorted(paths.items(), key=lambda item: item[1])]


def matches(query: str, *fields: str | None) -> bool:
    wanted = query.strip().casefold()
    return not wanted or any(wanted in (f or "").casefold() for f in fields)


@router.get("")
def people(
    request: Request, session: SessionDep, viewer: Admin, q: str = "", edit: int | None = None
) -> HTMLResponse:
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    found = [
        person_info(p, paths)
        for p in directory.people()
        if matches(q, p.name, p.email, p.title, paths.get(p.unit_id), " ".join(p.keywords))
    ]
    editing = None
    if edit is not None:
        editing = person_info(directory.person(edit), paths)
    units = unit_choices(paths)
    return page(
        request, "admin/people.html", viewer, "admin_people_heading", people=found[:PAGE_ROWS],
        total=len(found), q=q, editing=editing, units=units, kinds=[str(k) for k in PersonKind],
        waiting=sum(1 for r in BarringRepository(session).pending_for_admin()
                    if not viewer.is_me(r.person_id)), live="barring",
    )  # fmt: skip


@router.get("/units")
def units(request: Request, session: SessionDep, viewer: Admin) -> HTMLResponse:
    rows = list_units(session, viewer)
    directory = DirectoryRepository(session)
    chefs: dict[int | None, str] = {}
    for row in rows:
        chef_id = row["verksamhetschef_id"]
        if chef_id is not None and chef_id not in chefs:
            chefs[chef_id] = directory.person(chef_id).name
    return page(request, "admin/units.html", viewer, "admin_units_heading", units=rows,
                chefs=chefs, unit_kinds=[str(k) for k in UnitKind])  # fmt: skip


@router.get("/numbers")
def numbers(
    request: Request, context: Ctx, session: SessionDep, viewer: Admin, q: str = "",
    kind: str = "",
) -> HTMLResponse:  # fmt: skip
    lang = language_of(request)
    now = context.now()
    directory = DirectoryRepository(session)
    names = {p.id: p.name for p in directory.people()}
    paths = directory.unit_paths()
    wanted = NumberKind(kind) if kind in {str(k) for k in NumberKind} else None
    rows = []
    for n in NumberRepository(session, context.plan).assignments(kind=wanted, at=now):
        if n.person_id is not None:
            owner = names.get(n.person_id, f"person {n.person_id}")
        else:
            owner = f"{n.label} ({without_root(paths.get(n.unit_id or 0, ''))})"
        if not matches(q, n.e164, n.extension, owner, format_phone(n.e164)):
            continue
        rows.append({
            "e164": n.e164, "display": format_phone(n.e164), "extension": n.extension,
            "kind_label": pick(NUMBER_LABELS[n.kind], lang), "owner": owner,
            "since": format_when(n.valid_from, now, lang) if n.valid_from else "",
        })  # fmt: skip
    unit_list = unit_choices(paths)
    return page(
        request, "admin/numbers.html", viewer, "admin_numbers_heading", numbers=rows[:PAGE_ROWS],
        total=len(rows), q=q, kind=kind, units=unit_list,
        number_kinds=[(str(k), pick(NUMBER_LABELS[k], lang)) for k in NumberKind],
    )  # fmt: skip


@router.get("/sip")
def sip_accounts(
    request: Request, context: Ctx, session: SessionDep, viewer: Admin, q: str = ""
) -> HTMLResponse:
    lang = language_of(request)
    names = {p.id: p.name for p in DirectoryRepository(session).people()}
    registered = {b.account_id for b in RegistrationRepository(session).active(context.now())}
    repo = AccountRepository(session)
    rows = []
    for a in repo.accounts():
        name = names.get(a.person_id, "")
        if not matches(q, a.username, name, a.label):
            continue
        rows.append({
            "id": a.id, "username": a.username, "person_name": name,
            "device_label": a.label or pick(DEVICE_LABELS[a.device], lang),
            "enabled": repo.account(a.realm, a.username) is not None,
            "registered": a.id in registered,
        })  # fmt: skip
    return page(
        request, "admin/sip.html", viewer, "admin_sip_heading", accounts=rows[:PAGE_ROWS],
        total=len(rows), q=q,
        devices=[(str(d), pick(DEVICE_LABELS[d], lang)) for d in DeviceKind],
    )  # fmt: skip


@router.get("/hours")
def hours(request: Request, context: Ctx, session: SessionDep, viewer: Admin) -> HTMLResponse:
    lang = language_of(request)
    now = context.now()
    rows = unit_hours_rows(context, session, viewer, lang, only_managed=False)
    paths = DirectoryRepository(session).unit_paths()
    functions: list[dict[str, Any]] = []
    for number, own in NumberRepository(session, context.plan).function_numbers(now):
        parsed = None
        if own:
            try:
                parsed = TelephoneHours.from_json(own)
            except DomainError:
                parsed = None
        functions.append({
            "e164": number.e164, "label": number.label, "display": format_phone(number.e164),
            "unit_path": paths.get(number.unit_id or 0, ""),
            "own_text": parsed.describe_sv() if parsed else "",
            "effective": hours_info(parsed, now, lang) if parsed else None,
        })  # fmt: skip
    functions.sort(key=lambda f: str(f["label"]))
    return page(request, "hours.html", viewer, "hours_heading", units=rows, functions=functions)


@router.get("/closures")
def closures(request: Request, context: Ctx, session: SessionDep, viewer: Admin) -> HTMLResponse:
    lang = language_of(request)
    now = context.now()
    rows = []
    for c in list_closures(context, session, viewer):
        rows.append({
            **c,
            "starts_text": format_when(datetime.fromisoformat(c["starts_at"]), now, lang),
            "ends_text": format_when(datetime.fromisoformat(c["ends_at"]), now, lang),
        })  # fmt: skip
    year = local(now).year
    days = [(y, holidays(y, viewer)) for y in (year, year + 1)]
    paths = DirectoryRepository(session).unit_paths()
    unit_list = unit_choices(paths)
    return page(request, "admin/closures.html", viewer, "admin_closures_heading",
                closures=rows, holidays=days, units=unit_list)  # fmt: skip


@router.get("/import")
def import_page(request: Request, viewer: Admin) -> HTMLResponse:
    _ = translator(language_of(request))
    keys = ("dry_run_done", "import_done", "import_failed", "import_moved", "import_encoding")
    return page(request, "admin/import.html", viewer, "admin_import_heading",
                js_text={k: _(f"js_{k}") for k in keys})  # fmt: skip


@router.get("/users")
def users(request: Request, context: Ctx, session: SessionDep, viewer: Admin) -> HTMLResponse:
    lang = language_of(request)
    now = context.now()
    names = {p.id: p.name for p in DirectoryRepository(session).people()}
    rows = [
        {
            "id": u.id, "username": u.username, "role": str(u.role),
            "person_name": names.get(u.person_id or -1, ""),
            "last_login_text": format_when(u.last_login_at, now, lang) if u.last_login_at else "–",
            "locked": u.locked_until is not None and u.locked_until > now,
            "locked_text": format_when(u.locked_until, now, lang) if u.locked_until else "",
        }
        for u in UserRepository(session).users()
    ]  # fmt: skip
    return page(request, "admin/users.html", viewer, "admin_users_heading", users=rows,
                roles=[str(r) for r in Role])  # fmt: skip


@router.get("/exceptions")
def exceptions(request: Request, session: SessionDep, viewer: Admin) -> HTMLResponse:
    """Requests for exceptions with no verksamhetschef above the person: an admin decides."""
    rows = requests_to_decide(session, viewer, language_of(request), top_only=True)
    return page(request, "admin/exceptions.html", viewer, "admin_exceptions_heading",
                requests=rows, live="barring")  # fmt: skip
