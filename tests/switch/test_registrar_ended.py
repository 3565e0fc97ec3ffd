"""A person whose last day has passed: their phones get the answer a stranger gets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from switchboard import Switchboard
from test_directory import LAST_DAY, Clock, add_people, on
from test_registrar import challenge_shape

from vaxel.sip.message import Response
from vaxel.storage import Database


def test_an_ended_contractor_cannot_register_or_call_the_next_day(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'vaxel.db'}")
    db.upgrade()
    add_people(db)
    board = Switchboard()
    board.directory.database = db  # the registrar's directory, now read from storage
    clock = Clock(on(LAST_DAY, 16))
    board.directory.clock = clock
    board.directory.load()
    kim = board.phone("4300", 5070)
    assert kim.register().status == 200  # the last working day: still fine

    clock.now = on(LAST_DAY + timedelta(days=1), 0, 0, 1)
    board.directory.load()  # what the midnight reload does
    refused = kim.register()  # the right password
    stranger = board.phone("9999", 5071)
    unknown = stranger.register()
    assert (
        (refused.status, refused.reason)
        == (unknown.status, unknown.reason)
        == (
            401,
            "Unauthorized",
        )
    )
    assert challenge_shape(refused) == challenge_shape(unknown)
    assert board.auth.failures == 2
    # Calls need the same credentials: challenged again, never put through.
    kim.call("4100")
    last = kim.inbox[-1]
    assert isinstance(last, Response) and last.status == 407
    assert not any(m == "INVITE" for p in board.phones.values() for m in p.got())
    # Anna, who still works here, is not affected.
    assert board.phone("4100", 5072).register().status == 200
    db.dispose()
