"""The in-process feed of committed changes: what changed, published to listeners.

`Database` publishes here after each of its own commits; its change-log follower
(`storage.change_log`) publishes what other processes committed. Listeners cannot tell the
two apart, which is the point: one source of truth, whichever process wrote it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """Something was committed: ``kind`` names the aggregate ("person", "absence", "number",
    "unit", "sip_account", "registration", "callback", "mailbox", "barring", "policy", "user",
    "queue_sign_in"), ``id`` its key (a person id for "absence" and "queue_sign_in")."""

    kind: str
    id: int | str


Listener = Callable[[Change], None]


class ChangeFeed:
    """In-process publish/subscribe of committed changes.

    Listeners are called after the commit, so what they read is already visible: in the thread
    that committed for this process's own changes, in the change-log follower's thread for
    other processes'. A listener in an event loop should hand over with
    ``loop.call_soon_threadsafe``. A listener that raises is logged, never the writer's problem.

    ``on_demand(True)`` is called when the first listener subscribes and ``on_demand(False)``
    when the last one leaves (the Database starts and stops its follower so); it must not block.
    """

    def __init__(self, on_demand: Callable[[bool], None] | None = None) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._on_demand = on_demand

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every committed change; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)
            if len(self._listeners) == 1:
                self._demand(True)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
                    if not self._listeners:
                        self._demand(False)

        return unsubscribe

    def publish(self, changes: list[Change]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for change in changes:
            for listener in listeners:
                try:
                    listener(change)
                except Exception:
                    log.exception("change listener failed on %s", change)

    def _demand(self, wanted: bool) -> None:
        # Under the lock, so that starts and stops happen in the order of the subscriptions.
        if self._on_demand is None:
            return
        try:
            self._on_demand(wanted)
        except Exception:
            log.exception("the change feed could not %s following other processes",
                          "start" if wanted else "stop")  # fmt: skip
