"""Directory search: name, unit, title, keyword or number, as the operator types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from vaxel.web.deps import Ctx, CurrentUser
from vaxel.web.i18n import language_of, message
from vaxel.web.presenters import hit_info

router = APIRouter(prefix="/directory", tags=["directory"])


@router.get("/search")
def search(
    request: Request,
    context: Ctx,
    viewer: CurrentUser,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict[str, Any]:
    """Hits in Swedish order, best first; each with presence, hours, numbers and devices.

    Operators see the reason for an absence; others see sick leave and VAB as "away".
    """
    now = context.now()
    lang = language_of(request)
    hits = context.index.search(q, now, limit)
    discreet = not viewer.is_operator
    return {"query": q, "hits": [hit_info(h, now, lang, discreet=discreet) for h in hits]}


@router.get("/entries/{key}")
def entry(key: str, request: Request, context: Ctx, viewer: CurrentUser) -> dict[str, Any]:
    """One person ("p:12") or function number ("f:+4610130100")."""
    now = context.now()
    hit = context.index.get(key, now)
    lang = language_of(request)
    if hit is None:
        raise HTTPException(404, message("error_not_found", lang))
    return hit_info(hit, now, lang, discreet=not viewer.is_operator)
