"""SQLAlchemy 2.0 models, repositories and Alembic migrations: the only place that writes SQL.

    db = Database(config.db_url); db.upgrade()
    with db.session() as s:                      # one transaction, committed at the end
        PresenceRepository(s).set_absence(...)
    unsubscribe = db.changes.subscribe(on_change)  # Change(kind, id), after each commit

Repositories live one per aggregate in this package (directory, numbers, accounts,
registrations, presence, callbacks, voicemail, barring, policy, calls, audit, users) and return
the frozen dataclasses of ``vaxel.domain``.
"""

from vaxel.storage.db import Change, ChangeFeed, Database, note_change
from vaxel.storage.errors import Ambiguous, NotFound

__all__ = ["Ambiguous", "Change", "ChangeFeed", "Database", "NotFound", "note_change"]
