"""What every request handler shares: the database, the clock, the switch, the search index."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from vaxel.config import Config
from vaxel.domain.numbers import NumberPlan
from vaxel.storage.db import Database
from vaxel.web.callcontrol import CallControl
from vaxel.web.live import LiveHub
from vaxel.web.search import DirectoryIndex
from vaxel.web.security import SESSION_LIFETIME, SessionSigner

Clock = Callable[[], datetime]


@dataclass(eq=False)
class WebContext:
    db: Database
    config: Config
    clock: Clock
    signer: SessionSigner
    templates: Jinja2Templates
    index: DirectoryIndex
    live: LiveHub
    call_control: CallControl | None = None
    secure_cookies: bool = False
    # Demo log-ins shown on the log-in page (only ``vaxel demo`` passes them).
    demo_logins: list[tuple[str, str, str]] = field(default_factory=list)
    # The switchboard queue whose signed-in operators the console shows (the switch's
    # CallSettings.switchboard_queue, "vaxeln" unless the composition root says otherwise).
    switchboard_queue: str = "vaxeln"
    revoked: RevokedSessions = field(default_factory=lambda: RevokedSessions())

    def now(self) -> datetime:
        return self.clock()

    @property
    def plan(self) -> NumberPlan:
        return NumberPlan(self.config.did_prefix, self.config.extension_digits)

    @property
    def greetings_dir(self) -> Path:
        return self.config.data_dir / "greetings"


class RevokedSessions:
    """Session ids logged out before their cookie expired (kept only as long as they could live).

    In memory: after a restart a logged-out cookie would work again until it expires, which
    is why the cookie lifetime is one working day.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, session_id: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._until = {k: v for k, v in self._until.items() if v > now}
            self._until[session_id] = now + SESSION_LIFETIME.total_seconds()

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._until
