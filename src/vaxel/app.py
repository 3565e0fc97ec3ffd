"""Composition root: builds storage and the services, and runs them in one process.

For now it opens the database, brings the schema up to date and serves a small web app with
a health check; the SIP stack and the web UI are wired in here as they land.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from vaxel import __version__
from vaxel.config import Config
from vaxel.storage import Database

log = logging.getLogger(__name__)


def open_database(config: Config) -> Database:
    """The configured database, migrated to the newest schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(config.db_url)
    db.upgrade()
    return db


def build_web(db: Database) -> FastAPI:
    web = FastAPI(title="vaxel", version=__version__)

    @web.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "schema": db.current_revision()}

    return web


def serve(config: Config) -> None:
    """Run the switchboard until interrupted."""
    import uvicorn

    db = open_database(config)
    web = build_web(db)
    log.info("vaxel %s: web on http://%s (SIP %s: not yet)", __version__, config.http, config.sip)
    try:
        uvicorn.run(web, host=config.http.host, port=config.http.port, log_level="info")
    finally:
        db.dispose()
