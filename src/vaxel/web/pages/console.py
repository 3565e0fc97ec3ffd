"""The operator console page (the searching and acting happen in console.js over the API)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vaxel.web.api.switchboard import operators_snapshot, queue_snapshot
from vaxel.web.deps import Ctx, Operator, SessionDep
from vaxel.web.i18n import language_of, translator
from vaxel.web.presenters import reason_choices
from vaxel.web.templating import render

router = APIRouter(include_in_schema=False)

# What console.js says, in the page's language.
JS_TEXT = (
    "no_hits", "one_hit", "hits", "none", "no_hours", "registered", "not_registered", "back",
    "return_unknown", "function_number", "choose_first", "no_current_call", "message_saved",
    "absence_saved", "absence_cleared", "pick", "queue_empty", "connected", "operators_none",
    "operator_since", "operator_me", "sign_in", "sign_out",
)  # fmt: skip


@router.get("/console")
def console(
    request: Request, context: Ctx, session: SessionDep, viewer: Operator, q: str = ""
) -> HTMLResponse:
    lang = language_of(request)
    _ = translator(lang)
    return render(
        request, "console.html", viewer=viewer, title_key="nav_console",
        queue=queue_snapshot(context, lang), reasons=reason_choices(lang), q=q,
        operators=operators_snapshot(context, session, viewer, lang),
        js_text={key: _(f"js_{key}") for key in JS_TEXT},
    )  # fmt: skip
