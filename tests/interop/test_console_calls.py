"""The operator console's calls, end to end: the web API of `vaxel serve` drives the switch, and
SIPp phones (the operator's, colleagues') answer with the test's own sockets as their media.

* sign in from the web: the operator is signed in to the queue on their phone's number (no
  *21#), and the next caller to the main number is offered to their phone by the queue itself;
* answer next: a caller waiting in the queue is connected to the operator's registered phone;
* blind transfer: the operator's phone is let go, a colleague's rings and gets the caller;
* consultation: the caller hears hold music while the operator talks to a colleague, then the
  operator joins them and is let go;
* click to call: a callback task is called back from the web: vaxel rings the employee's phone,
  then the caller's, connects them, and the connected call completes the task by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from peers import SippRun, free_port, sipp, wait_for
from switchkit import PLAN
from test_policy_calls import (
    MAIN,
    Ear,
    Vaxel,
    call,
    provision_kommun,
    records,
    register,
    spoken,
    tone,
)

from vaxel.domain.callbacks import CallbackReason, CallbackStatus
from vaxel.domain.calls import CallOutcome
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.media.g711 import PCMU
from vaxel.media.sources import hold_music_source
from vaxel.media.speech import Speech
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.switch.apps import prompts

pytestmark = pytest.mark.interop

PASSWORD = "console-test-password-1"


@pytest.fixture
def vaxel(tmp_path: Path) -> Iterator[Vaxel]:
    data = tmp_path / "data"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'vaxel.db'}")
    database.upgrade()
    now = datetime.now(TZ)
    extensions, _ = provision_kommun(database, now)
    with database.session() as session:
        directory = DirectoryRepository(session)
        users = UserRepository(session)
        for username, role, extension in (
            ("telefonist", Role.TELEFONIST, "2005"),
            ("medarbetare", Role.MEDARBETARE, "2004"),
        ):
            person = directory.find(extension)[0]
            users.create(username, PASSWORD, role, now=now, actor="t", channel=Channel.SYSTEM,
                         person_id=person.id)  # fmt: skip
    running = Vaxel(data, database, extensions)
    try:
        running.start()
        yield running
    finally:
        running.stop()


class Web:
    """A logged-in browser session on the API (cookie and CSRF token)."""

    def __init__(self, vaxel: Vaxel, username: str) -> None:
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{vaxel.http_port}", timeout=20)
        token = self.client.get("/api/auth/session").json()["csrf_token"]
        answer = self.client.post(
            "/api/auth/login",
            json={"username": username, "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        assert answer.status_code == 200, answer.text
        self.csrf = answer.headers["X-CSRF-Token"]

    def get(self, path: str) -> Any:
        answer = self.client.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})

    def close(self) -> None:
        self.client.close()


@dataclass
class DeskPhone:
    """A SIPp phone registered as an extension, answering after ringing `ring_ms`."""

    run: SippRun
    ear: Ear

    def stop(self) -> None:
        self.run.stop()
        self.ear.close()


def desk_phone(vaxel: Vaxel, sipp_bin: str, extension: str, calls: int = 1) -> DeskPhone:
    ear = Ear()
    port = free_port()
    run = sipp(
        sipp_bin,
        "uas_media.xml",
        vaxel.target,
        vaxel.data_dir,
        f"phone-{extension}",
        port,
        ["-key", "rtp_port", str(ear.port), "-d", "1000", "-m", str(calls), "-timeout", "120"],
    )
    register(vaxel, sipp_bin, vaxel.ext(extension), port)
    return DeskPhone(run, ear)


def test_answer_next_then_blind_transfer(vaxel: Vaxel, sipp_bin: str) -> None:
    speech = Speech(vaxel.data_dir / "speech-cache")
    waiting = spoken(speech, prompts.queue_position_sv(1))
    operator = desk_phone(vaxel, sipp_bin, "2005")
    colleague = desk_phone(vaxel, sipp_bin, "2004")
    web = Web(vaxel, "telefonist")
    caller = call(vaxel, sipp_bin, vaxel.ext("2001"), MAIN, "queued")
    try:
        caller.ear.hearing(waiting, 30, "the place in the queue")
        queue = web.get("/api/switchboard/queue")
        assert queue["available"] and [c["caller_number"] for c in queue["calls"]] == ["2001"]
        call_id = queue["calls"][0]["call_id"]
        assert call_id == caller.call_id

        answered = web.post("/api/switchboard/answer-next")
        assert answered.status_code == 200, answered.text
        assert answered.json()["call"]["call_id"] == call_id
        talk, words = caller.ear.talking(tone(6.0, 613))
        operator.ear.got_run(words, 15)  # the operator's phone rang, answered, hears the caller
        talk.join(10)
        wait_for(lambda: web.get("/api/switchboard/queue")["calls"] == [], 5, "an empty queue")

        moved = web.post(f"/api/switchboard/calls/{call_id}/transfer", {"target": "2004"})
        assert moved.status_code == 202, moved.text
        assert operator.run.wait(15) == 0, operator.run.output()  # let go: BYE to the operator
        talk, words = caller.ear.talking(tone(6.0, 733))
        colleague.ear.got_run(words, 15)  # the colleague's phone rang, answered, hears the caller
        talk.join(10)
        back = colleague.ear.talk(tone(1.5, 911))
        caller.ear.got_run(back, 10)
        caller.hang_up()
        caller.finish()
        assert colleague.run.wait(15) == 0, colleague.run.output()
    finally:
        web.close()
        for phone in (operator, colleague):
            phone.stop()
        caller.run.stop()
        caller.ear.close()
    [record] = [r for r in records(vaxel.database, 1) if r.to_number == MAIN]
    assert record.outcome is CallOutcome.ANSWERED and record.answered_by == "2004"


def test_sign_in_on_the_web_then_the_queue_offers_the_caller(vaxel: Vaxel, sipp_bin: str) -> None:
    """Refused while the operator's phone is not registered; then signed in on the number *21#
    would use, a caller to the main number rings the operator's SIPp phone without anyone
    pressing "answer next"; signed out on the web, the list is empty again."""
    web = Web(vaxel, "telefonist")
    operator: DeskPhone | None = None
    caller = None
    try:
        refused = web.post("/api/switchboard/sign-in")
        assert refused.status_code == 409, refused.text
        assert "Din telefon är inte registrerad" in refused.json()["detail"]
        assert web.get("/api/switchboard/operators")["operators"] == []

        operator = desk_phone(vaxel, sipp_bin, "2005")
        signed = web.post("/api/switchboard/sign-in")
        assert signed.status_code == 200, signed.text
        assert (signed.json()["signed_in"], signed.json()["number"]) == (True, "2005")
        [me] = web.get("/api/switchboard/operators")["operators"]  # stored before the answer
        assert (me["number"], me["me"]) == ("2005", True)

        caller = call(vaxel, sipp_bin, vaxel.ext("2001"), MAIN, "offered")
        ear = caller.ear
        wait_for(lambda: ear.remote is not None, 20, "the queue's answer (its media)")
        # Nobody asks for the caller: the queue offers them, the operator's phone answers.
        wait_for(lambda: web.get("/api/switchboard/queue")["calls"] == [], 20, "the offer taken")
        talk, words = caller.ear.talking(tone(6.0, 613))
        operator.ear.got_run(words, 15)  # the operator hears the caller
        talk.join(10)
        caller.hang_up()
        caller.finish()
        assert operator.run.wait(15) == 0, operator.run.output()

        out = web.post("/api/switchboard/sign-out")
        assert out.status_code == 200, out.text
        assert (out.json()["signed_in"], out.json()["changed"]) == (False, True)
        assert web.get("/api/switchboard/operators")["operators"] == []
    finally:
        web.close()
        if operator is not None:
            operator.stop()
        if caller is not None:
            caller.run.stop()
            caller.ear.close()
    [record] = [r for r in records(vaxel.database, 1) if r.to_number == MAIN]
    assert record.outcome is CallOutcome.ANSWERED and record.answered_by == "2005"


def test_pick_refused_without_a_registered_phone(vaxel: Vaxel, sipp_bin: str) -> None:
    web = Web(vaxel, "telefonist")
    try:
        refused = web.post("/api/switchboard/calls/nosuchcall/pick")
        assert refused.status_code == 409
        assert "registrerad" in refused.json()["detail"]
        nothing = web.post("/api/switchboard/calls/nosuchcall/transfer", {"target": "2004"})
        assert nothing.status_code == 404
    finally:
        web.close()


def test_click_to_call_connects_and_completes_the_callback(vaxel: Vaxel, sipp_bin: str) -> None:
    caller_number = PLAN.e164_for_extension("2006")
    with vaxel.database.session() as session:
        me = DirectoryRepository(session).find("2004")[0]
        task = CallbackRepository(session).create(
            caller_number, CallbackReason.MISSED_CALL, at=datetime.now(TZ), actor="t",
            channel=Channel.SYSTEM, for_person_id=me.id,
        )  # fmt: skip
    mine = desk_phone(vaxel, sipp_bin, "2004")
    theirs = desk_phone(vaxel, sipp_bin, "2006")
    web = Web(vaxel, "medarbetare")
    try:
        started = web.post(f"/api/callbacks/{task.id}/call")
        assert started.status_code == 202, started.text
        # My phone rings first and answers; then theirs: we talk through vaxel.
        wait_for(lambda: mine.ear.remote is not None, 20, "vaxel's media at my phone")
        talk, words = mine.ear.talking(tone(8.0, 613))
        theirs.ear.got_run(words, 20)
        talk.join(10)
        deadline = time.monotonic() + 10
        while True:
            with vaxel.database.session() as session:
                status = CallbackRepository(session).get(task.id).status
            if status is CallbackStatus.DONE or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status is CallbackStatus.DONE
    finally:
        web.close()
        mine.stop()
        theirs.stop()


def test_consultation_then_complete(vaxel: Vaxel, sipp_bin: str) -> None:
    """The operator asks a colleague first (the caller hears hold music meanwhile), then joins
    them: the operator's phone is let go and the caller talks to the colleague."""
    speech = Speech(vaxel.data_dir / "speech-cache")
    waiting = spoken(speech, prompts.queue_position_sv(1))
    music = hold_music_source().frame_list(PCMU)
    operator = desk_phone(vaxel, sipp_bin, "2005")
    colleague = desk_phone(vaxel, sipp_bin, "2004")
    web = Web(vaxel, "telefonist")
    caller = call(vaxel, sipp_bin, vaxel.ext("2001"), MAIN, "consulted")
    try:
        caller.ear.hearing(waiting, 30, "the place in the queue")
        assert web.post("/api/switchboard/answer-next").status_code == 200
        talk, words = caller.ear.talking(tone(6.0, 613))
        operator.ear.got_run(words, 15)
        talk.join(10)
        call_id = caller.call_id

        asked = web.post(f"/api/switchboard/calls/{call_id}/transfer",
                         {"target": "2004", "mode": "consult"})  # fmt: skip
        assert asked.status_code == 202, asked.text
        start = caller.ear.last_slot()
        caller.ear.heard(music[:50], 10, "hold music", start=start)
        talk, words = operator.ear.talking(tone(6.0, 733))
        colleague.ear.got_run(words, 15)  # operator and colleague talk; the caller waits
        talk.join(10)
        assert not any(w in caller.ear.payloads for w in words[10:20])

        joined = web.post(f"/api/switchboard/calls/{call_id}/transfer/complete")
        assert joined.status_code == 202, joined.text
        assert operator.run.wait(15) == 0, operator.run.output()  # let go
        talk, words = caller.ear.talking(tone(4.0, 911))
        colleague.ear.got_run(words, 15)
        talk.join(10)
        caller.hang_up()
        caller.finish()
        assert colleague.run.wait(15) == 0, colleague.run.output()
    finally:
        web.close()
        for phone in (operator, colleague):
            phone.stop()
        caller.run.stop()
        caller.ear.close()
    [record] = [r for r in records(vaxel.database, 1) if r.to_number == MAIN]
    assert record.outcome is CallOutcome.ANSWERED and record.answered_by == "2004"
