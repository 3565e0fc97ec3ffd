"""Message-waiting indication end to end (RFC 6665 SUBSCRIBE/NOTIFY, RFC 3842 message-summary):
a SIPp phone subscribes to its owner's mailbox on `vaxel serve`, a SIPp caller leaves a message
in that mailbox (voicemail after the absence announcement, key 1), the owner marks it heard on
the web, and the phone unsubscribes. What the phone was told is read from SIPp's message log.
baresip's mwi module subscribes the same way (`mwi=yes` on the account).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from peers import Baresip, free_port, running, sipp, wait_for
from switchkit import REALM
from test_policy_calls import Kommun, Vaxel, call, provision_kommun, spoken, tone, traced

from vaxel.app import SPEECH_CACHE
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.media.g711 import PCMU
from vaxel.media.sources import PcmSource
from vaxel.media.speech import Speech
from vaxel.media.tones import beep
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.storage.voicemail import VoicemailRepository
from vaxel.switch.routing import (
    AnnounceStep,
    IncomingCall,
    MenuStep,
    PersonTarget,
    RoutingSettings,
    SwitchboardTarget,
    VoicemailStep,
    route,
)

pytestmark = pytest.mark.interop

OWNER = "2003"  # absent, with a mailbox (provision_kommun)
CALLER = "2001"
WEB_USER = "anna"
WEB_PASSWORD = "mwi-test-password-1"
SCENARIO = "subscribe_mwi"


@pytest.fixture
def kommun_and_vaxel(tmp_path: Path) -> Iterator[tuple[Vaxel, Kommun]]:
    data = tmp_path / "data"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'vaxel.db'}")
    database.upgrade()
    now = datetime.now(TZ)
    extensions, kommun = provision_kommun(database, now)
    with database.session() as session:
        owner = DirectoryRepository(session).find(OWNER)[0]
        UserRepository(session).create(WEB_USER, WEB_PASSWORD, Role.MEDARBETARE, now=now,
                                       actor="t", channel=Channel.SYSTEM,
                                       person_id=owner.id)  # fmt: skip
    running = Vaxel(data, database, extensions)
    try:
        running.start()
        yield running, kommun
    finally:
        running.stop()


@dataclass(frozen=True)
class Traced:
    """One message in SIPp's -trace_msg log."""

    received: bool
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    def header(self, name: str) -> str | None:
        found = re.search(rf"^{name}:\s*(.*?)\s*$", self.text, re.MULTILINE | re.IGNORECASE)
        return None if found is None else found.group(1)


def sipp_messages(workdir: Path, scenario: str) -> list[Traced]:
    """The messages SIPp logged, in order: each entry is a dashed line, a line that says
    "message sent" or "message received", then the message."""
    [log] = workdir.glob(f"{scenario}_*_messages.log")
    found = []
    for entry in re.split(r"^-{10,}.*$", log.read_text(errors="replace"), flags=re.MULTILINE):
        lines = entry.strip("\r\n").split("\n", 1)
        if len(lines) < 2 or "message" not in lines[0]:
            continue
        received = "received" in lines[0]
        found.append(Traced(received, lines[1].lstrip("\r\n").replace("\r\n", "\n")))
    return found


def leave_voicemail(vaxel: Vaxel, kommun: Kommun, speech: Speech, sipp_bin: str) -> None:
    """2001 calls 2003 (absent), presses 1 at the menu and speaks for three seconds."""
    with vaxel.database.session() as session:
        owner = DirectoryRepository(session).find(OWNER)[0]
        [box] = VoicemailRepository(session).mailboxes(owner.id)
    plan = route(
        IncomingCall(CALLER, OWNER, True),
        PersonTarget(owner, "Interopkommun", absence=kommun.absent, mailbox=box),
        datetime.now(TZ),
        RoutingSettings(switchboard=SwitchboardTarget(name="Växeln")),
    )
    info, menu = plan.steps
    assert isinstance(info, AnnounceStep) and isinstance(menu, MenuStep)
    voicemail = menu.options["1"]
    assert isinstance(voicemail, VoicemailStep)
    said = spoken(speech, info.text_sv)
    asked = spoken(speech, menu.prompt_sv)
    greeting = spoken(speech, voicemail.text_sv)
    bleep = PcmSource(beep()).frame_list(PCMU)
    caller = call(vaxel, sipp_bin, vaxel.ext(CALLER), OWNER, "caller")
    try:
        ear = caller.ear
        after = ear.heard(said, 30, f"the absence: {info.text_sv!r}")
        ear.hearing(asked, 15, "the menu")
        ear.press("1")
        after = ear.heard(greeting, 15, "the greeting", start=after)
        ear.heard(bleep, 10, "the beep", start=after)
        ear.talk(tone(3.0))
        time.sleep(0.3)
        caller.hang_up()
    finally:
        caller.finish()


def mark_heard_on_the_web(vaxel: Vaxel) -> None:
    """The owner logs in and marks their one message heard (the self-service API)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{vaxel.http_port}", timeout=20) as web:
        token = web.get("/api/auth/session").json()["csrf_token"]
        login = web.post("/api/auth/login", json={"username": WEB_USER, "password": WEB_PASSWORD},
                         headers={"X-CSRF-Token": token})  # fmt: skip
        assert login.status_code == 200, login.text
        csrf = login.headers["X-CSRF-Token"]
        messages = web.get("/api/me/voicemail").json()
        assert [m["heard"] for m in messages] == [False], messages
        heard = web.post(f"/api/voicemail/{messages[0]['id']}/heard",
                         headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert heard.status_code == 204, heard.text


def test_a_subscribed_phone_is_told_of_a_message_left_then_heard(
    kommun_and_vaxel: tuple[Vaxel, Kommun], sipp_bin: str
) -> None:
    vaxel, kommun = kommun_and_vaxel
    speech = Speech(vaxel.data_dir / SPEECH_CACHE)
    owner = vaxel.ext(OWNER)
    phone = sipp(
        sipp_bin,
        f"{SCENARIO}.xml",
        vaxel.target,
        vaxel.data_dir,
        "mwi",
        free_port(),
        [
            "-au", owner.username, "-ap", owner.password,
            "-key", "user", owner.username,
            "-key", "domain", REALM,
            "-m", "1", "-timeout", "180", "-trace_msg",
        ],
    )  # fmt: skip
    try:
        wait_for(lambda: traced(vaxel, SCENARIO, "Messages-Waiting: no"), 15, "the first NOTIFY")
        leave_voicemail(vaxel, kommun, speech, sipp_bin)
        wait_for(lambda: traced(vaxel, SCENARIO, "Voice-Message: 1/0"), 20, "the NOTIFY: 1/0")
        mark_heard_on_the_web(vaxel)
        assert phone.wait(30) == 0, phone.output()
    finally:
        phone.stop()

    messages = sipp_messages(vaxel.data_dir, SCENARIO)
    got = [m for m in messages if m.received]
    assert [m.first_line.split(" ", 2)[1] for m in got if m.first_line.startswith("SIP/2.0")] == [
        "401", "200", "200",
    ]  # fmt: skip
    ok = next(m for m in got if m.first_line.startswith("SIP/2.0 200"))
    assert ok.header("Expires") == "600"
    notifies = [m for m in got if m.first_line.startswith("NOTIFY ")]
    states = [(n.header("Subscription-State") or "").split(";")[0] for n in notifies]
    assert states == ["active", "active", "active", "terminated"], states
    assert {n.header("Event") for n in notifies} == {"message-summary"}
    assert {n.header("Content-Type") for n in notifies} == {"application/simple-message-summary"}
    counts = [(n.header("Messages-Waiting"), n.header("Voice-Message")) for n in notifies]
    assert counts == [
        ("no", "0/0 (0/0)"),
        ("yes", "1/0 (0/0)"),
        ("no", "0/1 (0/0)"),
        ("no", "0/1 (0/0)"),  # the last one says how things stand as it ends
    ], counts
    # One dialog: every NOTIFY in the SUBSCRIBE's Call-ID, CSeq rising.
    assert len({n.header("Call-ID") for n in notifies}) == 1
    seqs = [int((n.header("CSeq") or "0").split()[0]) for n in notifies]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert "Traceback" not in vaxel.log()


def test_baresip_subscribes_with_mwi_yes(
    kommun_and_vaxel: tuple[Vaxel, Kommun], baresip_bin: str, tmp_path: Path
) -> None:
    """baresip 1.0's mwi module: SUBSCRIBE after its REGISTER, digest auth, the counts."""
    vaxel, _ = kommun_and_vaxel
    owner, other = vaxel.ext(OWNER), vaxel.ext(CALLER)
    # peers.Baresip starts with one account (mwi=no) and no mwi module: load it, then add
    # the owner's account with mwi=yes; it registers, then subscribes.
    phone = Baresip(baresip_bin, tmp_path / "baresip", other.username, other.password,
                    vaxel.target)  # fmt: skip
    with running(phone):
        phone.start()
        phone.wait_log("200 OK () [1 binding]", 10)
        phone.command("insmod", "mwi")
        phone.command(
            "uanew",
            f"<sip:{owner.username}@{vaxel.target};transport=udp>;auth_pass={owner.password};"
            "regint=300;mwi=yes",
        )
        told = phone.wait_event("MWI_NOTIFY", 15)
    assert told["accountaor"] == f"sip:{owner.username}@{vaxel.target}"
    assert told["param"] == "Messages-Waiting: no\r\nVoice-Message: 0/0 (0/0)\r\n"
