"""A change made by another process reaches the running switch at once: `vaxel absence set` and
`vaxel absence clear`, run from the command line as separate processes against the data
directory of a running `vaxel serve`, decide the very next call (through the change log,
`vaxel.storage.change_log`), not the switch's periodic reload 30 s later.

What the caller hears is compared frame by frame with what vaxel.media.speech renders for the
same sentence, as in test_policy_calls.py, whose vaxel, callers and ears this test borrows.
Every wait is bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from peers import ROOT, free_port, sipp
from switchkit import REALM
from test_policy_calls import RING_TIMEOUT, Vaxel, call, provision_kommun, register, spoken

from vaxel.app import SPEECH_CACHE
from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.media.speech import Speech
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.routing import (
    AnnounceStep,
    DeviceRef,
    IncomingCall,
    PersonTarget,
    RingStep,
    RoutingSettings,
    SwitchboardTarget,
    VoicemailStep,
    route,
)

pytestmark = pytest.mark.interop

# The CLI's change must decide a call placed this soon after the CLI is done. (The follower
# reads the log every 0.5 s; the routing directory then reloads in milliseconds.)
CALL_AFTER_S = 1.5
# The switch reloads its routing directory every 30 s anyway (TargetSettings.refresh_every_s).
# Every call here is placed before the first of those reloads, so only the change log can have
# told the switch.
PERIODIC_RELOAD_S = 30.0
SETTINGS = RoutingSettings(
    switchboard=SwitchboardTarget(name="Växeln"), ring_timeout_s=RING_TIMEOUT
)


def cli(data_dir: Path, *args: str) -> str:
    """`vaxel --data-dir DIR …` as a process of its own; its output."""
    result = subprocess.run(
        [sys.executable, "-m", "vaxel.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=dict(os.environ, VAXEL_REALM=REALM),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_absence_set_and_cleared_from_the_cli_decides_the_next_call(
    tmp_path: Path, sipp_bin: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'vaxel.db'}")
    database.upgrade()
    now = datetime.now(TZ)
    extensions, _kommun = provision_kommun(database, now)  # 2003 on semester, with a mailbox
    with database.session() as session:
        directory = DirectoryRepository(session)
        olle = directory.find("2004")[0]
        anna = directory.find("2003")[0]
        [box] = VoicemailRepository(session).mailboxes(anna.id)

    # What callers must hear, rendered before the switch starts (the same espeak, one cache):
    # 2004 away on business until tomorrow 08:00; 2003 back, so her phone rings, unanswered,
    # and then her voicemail greets the caller (not the announcement of her absence).
    back = (now + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    away = Absence(AbsenceReason.TJANSTERESA, back)
    told = route(IncomingCall("2001", "2004", True), PersonTarget(olle, "Interopkommun",
                 absence=away), now, SETTINGS).steps[0]  # fmt: skip
    assert isinstance(told, AnnounceStep) and "tjänsteresa" in told.text_sv, told
    rings = route(
        IncomingCall("2002", "2003", True),
        PersonTarget(anna, "Interopkommun", devices=(DeviceRef("2003", DeviceKind.SOFTPHONE),),
                     mailbox=box),
        now,
        SETTINGS,
    ).steps  # fmt: skip
    assert isinstance(rings[0], RingStep) and isinstance(rings[1], VoicemailStep), rings
    speech = Speech(data / SPEECH_CACHE)
    said_away = spoken(speech, told.text_sv)
    greeting = spoken(speech, rings[1].text_sv)

    vaxel = Vaxel(data, database, extensions)
    launched = time.monotonic()
    phone_port = free_port()
    phone = None
    try:
        vaxel.start()
        # 2003's phone: registered, rings, never answers.
        phone = sipp(sipp_bin, "uas_ring.xml", vaxel.target, data, "anna-phone", phone_port,
                     ["-m", "1", "-timeout", "90"])  # fmt: skip
        register(vaxel, sipp_bin, vaxel.ext("2003"), phone_port)

        # Away: set from the command line, heard by the next caller.
        out = cli(data, "absence", "set", "2004", "--reason", "tjänsteresa",
                  "--until", f"{back:%Y-%m-%d %H:%M}")  # fmt: skip
        done = time.monotonic()
        assert "Test Person 2004: tjänsteresa" in out
        with database.session() as session:
            stored = PresenceRepository(session).current(olle.id, datetime.now(TZ))
        assert stored is not None and (stored.reason, stored.until) == (away.reason, back)
        time.sleep(max(0.0, done + CALL_AFTER_S - time.monotonic()))
        invited = time.monotonic()
        assert invited - done < CALL_AFTER_S + 1.0
        caller = call(vaxel, sipp_bin, vaxel.ext("2001"), "2004", "to-olle")
        try:
            caller.ear.heard(said_away, 30, f"that 2004 is away: {told.text_sv!r}")
            caller.hang_up()
        finally:
            caller.finish()
        assert invited - launched < PERIODIC_RELOAD_S, "too slow to tell the log from the reload"

        # Back: cleared from the command line; the next caller's call rings her phone.
        assert "Test Person 2003: tillgänglig" in cli(data, "absence", "clear", "2003")
        done = time.monotonic()
        time.sleep(max(0.0, done + CALL_AFTER_S - time.monotonic()))
        invited = time.monotonic()
        assert invited - done < CALL_AFTER_S + 1.0
        caller = call(vaxel, sipp_bin, vaxel.ext("2002"), "2003", "to-anna")
        try:
            caller.ear.heard(greeting, RING_TIMEOUT + 20, "2003's voicemail, after her phone rang")
            caller.hang_up()
        finally:
            caller.finish()
        assert phone.wait(15) == 0, phone.output()  # it rang, and was cancelled
        assert invited - launched < PERIODIC_RELOAD_S, "too slow to tell the log from the reload"
    finally:
        if phone is not None:
            phone.stop()
        vaxel.stop()
