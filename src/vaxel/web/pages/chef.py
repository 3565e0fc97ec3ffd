"""The verksamhetschef's pages: my units at a glance, exceptions, telephone hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vaxel.domain.barring import ExceptionKind, decider_for, may_decide
from vaxel.domain.clock import local
from vaxel.domain.errors import DomainError
from vaxel.domain.telephone_hours import TelephoneHours
from vaxel.storage.directory import DirectoryRepository
from vaxel.web.api.exceptions import KIND_LABELS, list_exceptions, requests_to_decide
from vaxel.web.api.units import FINDING_KEYS, overview
from vaxel.web.context import WebContext
from vaxel.web.deps import Chef, Ctx, SessionDep, Viewer
from vaxel.web.i18n import language_of
from vaxel.web.presenters import hours_info, pick
from vaxel.web.templating import render

router = APIRouter(prefix="/chef", include_in_schema=False)

SUBNAV = [
    ("/chef", "nav_chef_overview"),
    ("/chef/exceptions", "nav_chef_exceptions"),
    ("/chef/hours", "nav_chef_hours"),
]


def page(
    request: Request, template: str, viewer: Viewer, title: str, **values: Any
) -> HTMLResponse:
    return render(request, template, viewer=viewer, title_key=title, subnav=SUBNAV,
                  subnav_key="nav_chef", **values)  # fmt: skip


def unit_hours_rows(
    context: WebContext, session: Session, viewer: Viewer, lang: str, only_managed: bool
) -> list[dict[str, Any]]:
    """Each unit's effective hours, and its own as text that the schedule reader reads back."""
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    own = directory.unit_hours()
    now = context.now()
    context.index.refresh(now)
    rows = []
    for unit in directory.units():
        if only_managed and not viewer.manages(unit.id):
            continue
        own_text = ""
        if unit.id in own:
            try:
                own_text = TelephoneHours.from_json(own[unit.id]).describe_sv()
            except DomainError:
                own_text = ""
        rows.append({
            "id": unit.id,
            "path": paths.get(unit.id, unit.name),
            "managed": viewer.manages(unit.id),
            "inherited": unit.id not in own,
            "own_text": own_text,
            "effective": hours_info(context.index.hours_of_unit(unit.id), now, lang),
        })  # fmt: skip
    return sorted(rows, key=lambda r: r["path"])


@router.get("")
def chef_overview(
    request: Request, context: Ctx, session: SessionDep, viewer: Chef
) -> HTMLResponse:
    data = overview(request, context, session, viewer)
    paths = DirectoryRepository(session).unit_paths()
    # The top units a chef manages (not every unit below them) name the page.
    managed = viewer.managed_units
    units = [
        {"id": u, "path": paths.get(u, "")}
        for u in sorted(managed, key=lambda u: paths.get(u, ""))
        if not any(paths.get(u, "").startswith(paths.get(o, "") + " / ") for o in managed if o != u)
    ]
    kinds = [(str(k), key) for k, key in FINDING_KEYS.items() if str(k) != "revision_due"]
    waiting = requests_to_decide(session, viewer, language_of(request))
    title = "chef_heading_admin" if viewer.is_admin else "chef_heading"
    return page(request, "chef/overview.html", viewer, title, units=units,
                counts=data["counts"], findings=data["findings"], kinds=kinds,
                waiting=sum(1 for r in waiting if r["may_decide"]),
                live="absence callback mailbox barring")  # fmt: skip


@router.get("/exceptions")
def chef_exceptions(
    request: Request, context: Ctx, session: SessionDep, viewer: Chef
) -> HTMLResponse:
    lang = language_of(request)
    directory = DirectoryRepository(session)
    paths = directory.unit_paths()
    units = directory.units_by_id()
    me = viewer.person.id if viewer.person is not None else None
    # Whom the viewer may grant an exception: a chef their units' people; an admin (in their
    # own person's name) those with no verksamhetschef above them.
    people = [
        {"id": p.id, "name": p.name, "unit": paths.get(p.unit_id, "")}
        for p in directory.people()
        if viewer.manages(p.unit_id)
        and may_decide(decider_for(units, p.unit_id, p.id), p.id, me, admin=viewer.is_admin)
    ]
    today = local(context.now()).date()
    return page(
        request, "chef/exceptions.html", viewer, "chef_exceptions_heading", people=people,
        kinds=[(str(k), pick(KIND_LABELS[k], lang)) for k in ExceptionKind],
        exceptions=list_exceptions(request, context, session, viewer),
        requests=requests_to_decide(session, viewer, lang), live="barring",
        today=today.isoformat(), default_to=(today + timedelta(days=364)).isoformat(),
    )  # fmt: skip


@router.get("/hours")
def chef_hours(request: Request, context: Ctx, session: SessionDep, viewer: Chef) -> HTMLResponse:
    rows = unit_hours_rows(context, session, viewer, language_of(request), only_managed=True)
    return page(request, "hours.html", viewer, "hours_heading", units=rows)
