"""Composition root: builds storage, the SIP switch and the web app, and runs them in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from vaxel import __version__
from vaxel.config import Config
from vaxel.storage import Database

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def open_database(config: Config) -> Database:
    """The configured database, migrated to the newest schema."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(config.db_url)
    db.upgrade()
    return db


def serve(config: Config, demo_logins: Sequence[tuple[str, str, str]] = ()) -> None:
    """Run the switchboard (SIP and web) until interrupted."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(config, demo_logins))


async def run(config: Config, demo_logins: Sequence[tuple[str, str, str]] = ()) -> None:
    """Start everything on the running loop; return when the web server stops."""
    import uvicorn

    from vaxel.switch.server import SipServer, tune_gc
    from vaxel.web import create_app

    db = open_database(config)
    sip_server = SipServer(config, db)
    await sip_server.start()
    web = create_app(db, config, demo_logins=demo_logins)
    server = uvicorn.Server(
        uvicorn.Config(
            web,
            host=config.http.host,
            port=config.http.port,
            log_level="info",
            timeout_graceful_shutdown=3,
        )
    )
    log.info("vaxel %s: web on http://%s, SIP on %s", __version__, config.http, config.sip)
    tune_gc()
    try:
        await server.serve()
    finally:
        await sip_server.stop()
        db.dispose()
