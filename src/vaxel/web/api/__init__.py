"""The JSON API under /api: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from vaxel.web.api import (
    admin,
    auth,
    callbacks,
    directory,
    events,
    exceptions,
    me,
    presence,
    switchboard,
    units,
)

router = APIRouter(prefix="/api")
for _module in (
    auth,
    directory,
    presence,
    callbacks,
    switchboard,
    me,
    units,
    exceptions,
    admin,
    events,
):
    router.include_router(_module.router)
