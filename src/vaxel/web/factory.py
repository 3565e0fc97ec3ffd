"""``create_app``: the web application, its routers, error pages and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from vaxel.config import Config
from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.storage.db import Database
from vaxel.storage.errors import Ambiguous, NotFound
from vaxel.web import api, pages
from vaxel.web.callcontrol import CallControl, CallControlError
from vaxel.web.context import Clock, WebContext
from vaxel.web.deps import AuthError
from vaxel.web.i18n import domain_error_text, language_of, message, validation_text
from vaxel.web.live import LiveHub
from vaxel.web.presenters import hit_info
from vaxel.web.search import DirectoryIndex
from vaxel.web.security import SessionSigner, load_or_create_secret
from vaxel.web.templating import make_templates, render

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

# Our own scripts and styles only; nothing inline, nothing from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _now() -> datetime:
    return datetime.now(TZ)


def create_app(
    db: Database,
    config: Config,
    *,
    call_control: CallControl | None = None,
    clock: Clock | None = None,
    secret: bytes | None = None,
    secure_cookies: bool = False,
    demo_logins: Sequence[tuple[str, str, str]] = (),
    switchboard_queue: str = "vaxeln",
) -> FastAPI:
    """The web app on ``db``.

    ``call_control`` is the switch (None: call handling answers 503); ``clock`` gives "now"
    (tests); ``secret`` signs session cookies (None: kept in ``config.data_dir``);
    ``secure_cookies`` marks cookies Secure (set it when served over HTTPS);
    ``demo_logins`` (user name, password, role) are shown on the log-in page by ``vaxel demo``;
    ``switchboard_queue`` is the queue whose signed-in operators the console shows.
    """
    context = WebContext(
        db=db,
        config=config,
        clock=clock or _now,
        signer=SessionSigner(secret or load_or_create_secret(config.data_dir)),
        templates=make_templates(),
        index=DirectoryIndex(db),
        live=LiveHub(db.changes),
        call_control=call_control,
        secure_cookies=secure_cookies,
        demo_logins=list(demo_logins),
        switchboard_queue=switchboard_queue,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.live.start(asyncio.get_running_loop())
        # Warm the search index (and the holiday and number tables a hit needs) before the
        # first operator types.
        await asyncio.to_thread(_warm_up, context)
        try:
            yield
        finally:
            context.live.stop()
            context.index.close()

    app = FastAPI(
        title="vaxel",
        summary="Växelns webb: operatörskonsol, självservice, chef och administration",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.web = context
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    for router in pages.routers:
        app.include_router(router)
    _install_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _warm_up(context: WebContext) -> None:
    now = context.now()
    for hit in context.index.search("a", now, limit=3):
        hit_info(hit, now, "sv")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        lang = language_of(request)
        if _is_api(request):
            return JSONResponse({"detail": message(exc.key, lang)}, status_code=exc.status)
        if exc.status == 401:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
        return render(
            request, "error.html", viewer=None, title_key="error_title", status_code=exc.status,
            detail=message(exc.key, lang),
        )  # fmt: skip

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        detail = domain_error_text(exc, language_of(request))
        return JSONResponse({"detail": detail, "field": exc.field}, status_code=422)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _plain(request, 404, str(exc))

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, exc: Ambiguous) -> Response:
        return JSONResponse({"detail": str(exc), "candidates": exc.candidates}, status_code=409)

    @app.exception_handler(CallControlError)
    async def call_control_error(request: Request, exc: CallControlError) -> Response:
        detail = exc.message_in(language_of(request))
        return JSONResponse({"detail": detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = str(first.get("loc", ("", ""))[-1])
        detail = validation_text(field, first, language_of(request), request.url.path)
        return JSONResponse({"detail": detail, "field": field, "errors": _jsonable(errors)},
                            status_code=422)  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _plain(request, exc.status_code, str(exc.detail), exc.headers)


def _plain(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))
    key = "error_not_found" if status == 404 else "error_title"
    return render(
        request, "error.html", viewer=None, title_key=key, status_code=status,
        detail=message(key, language_of(request)) if status == 404 else detail,
    )  # fmt: skip


def _jsonable(errors: Sequence[object]) -> list[dict[str, object]]:
    out = []
    for error in errors:
        if isinstance(error, dict):
            out.append({k: str(v) if k == "ctx" else v for k, v in error.items() if k != "input"})
    return out


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
