"""An employee sets hänvisning in the web and the next caller hears it; back again, the next
call rings their phone.

The whole of vaxel as `vaxel serve` runs it (SIP, media and web in one process, one database),
Chromium on its web, SIPp as the caller and as the employee's phone. The caller's audio is
compared frame by frame with the announcement rendered for the same sentence, as in
tests/interop/test_policy_calls.py, whose helpers this test imports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import accessibility_problems, log_in_at, new_page, root_conftest, screenshot
from peers import free_port, sipp
from playwright.sync_api import expect
from switchkit import provision
from test_policy_calls import RING_TIMEOUT, Vaxel, call, register, spoken

from vaxel.app import SPEECH_CACHE
from vaxel.domain.accounts import DeviceKind
from vaxel.domain.clock import TZ
from vaxel.domain.people import Person
from vaxel.domain.presence import AbsenceReason, Channel
from vaxel.media.speech import Speech
from vaxel.storage.db import Database
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.presence import PresenceRepository
from vaxel.storage.users import Role, UserRepository
from vaxel.switch.routing import (
    AnnounceStep,
    DeviceRef,
    IncomingCall,
    PersonTarget,
    RingStep,
    RoutingSettings,
    route,
)

pytestmark = [pytest.mark.browser, pytest.mark.interop]

CALLER, EMPLOYEE = "2001", "2002"
NAME = "Maja Nilsson"
USERNAME, PASSWORD = "maja", "maja-web-secret-1"


@pytest.fixture
def sipp_bin() -> str:
    conftest = root_conftest()
    conftest.need_program("espeak-ng")  # the announcement is spoken
    return str(conftest.need_program("sipp"))


@pytest.fixture
def vaxel(tmp_path: Path, sipp_bin: str) -> Iterator[Vaxel]:
    """`vaxel serve` on two extensions: 2001 calls, 2002 is Maja, who logs in on the web."""
    data = tmp_path / "data"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'vaxel.db'}")
    database.upgrade()
    extensions = provision(database, 2)
    with database.session() as session:
        directory = DirectoryRepository(session)
        [maja] = directory.find(EMPLOYEE)
        directory.update_person(
            dataclasses.replace(maja, name=NAME), actor="test", channel=Channel.SYSTEM
        )
        UserRepository(session).create(
            USERNAME,
            PASSWORD,
            Role.MEDARBETARE,
            now=datetime.now(TZ),
            actor="test",
            channel=Channel.SYSTEM,
            person_id=maja.id,
        )
    running = Vaxel(data, database, extensions)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def employee(vaxel: Vaxel) -> Person:
    with vaxel.database.session() as session:
        [person] = DirectoryRepository(session).find(EMPLOYEE)
    return person


def test_hanvisning_set_in_the_web_is_heard_by_the_next_caller(
    chromium: Any, vaxel: Vaxel, sipp_bin: str
) -> None:
    url = f"http://127.0.0.1:{vaxel.http_port}"
    speech = Speech(vaxel.data_dir / SPEECH_CACHE)
    maja = employee(vaxel)
    assert maja.name == NAME

    # Maja's desk phone, registered; it rings once (180) and is CANCELed when nobody answers.
    phone_port = free_port()
    phone = sipp(sipp_bin, "uas_ring.xml", vaxel.target, vaxel.data_dir, "phone", phone_port,
                 ["-m", "1", "-timeout", "120"])  # fmt: skip
    page = new_page(chromium)
    try:
        register(vaxel, sipp_bin, vaxel.ext(EMPLOYEE), phone_port)

        log_in_at(page, url, USERNAME, PASSWORD)
        expect(page).to_have_url(f"{url}/me")
        presence = page.locator("#my-presence")
        expect(presence).to_contain_text("Tillgänglig")
        page.locator("label", has_text="Kurs").click()  # click 1: the reason
        page.get_by_role("button", name="I morgon 08.00").click()  # click 2: the return time
        expect(page.locator(".flash")).to_contain_text("Din telefon är hänvisad")
        expect(presence).to_contain_text("Åter i morgon 08.00")

        # What routing makes of the stored hänvisning is what the page says callers hear.
        now = datetime.now(TZ)
        with vaxel.database.session() as session:
            absence = PresenceRepository(session).current(maja.id, now)
        assert absence is not None and absence.reason is AbsenceReason.KURS
        info = route(
            IncomingCall(CALLER, EMPLOYEE, True),
            PersonTarget(maja, "Interopkommun", absence=absence),
            now,
            RoutingSettings(),
        ).steps[0]
        assert isinstance(info, AnnounceStep)
        assert info.text_sv == f"{NAME} är på kurs, åter i morgon klockan åtta."
        expect(presence).to_contain_text(info.text_sv)
        assert accessibility_problems(page) == []
        screenshot(page, "me-presence-call")

        diverted = call(vaxel, sipp_bin, vaxel.ext(CALLER), EMPLOYEE, "diverted")
        try:
            diverted.ear.heard(
                spoken(speech, info.text_sv), 30, f"the hänvisning: {info.text_sv!r}"
            )
            diverted.hang_up()
        finally:
            diverted.finish()
        assert phone.proc.poll() is None, "the phone rang although Maja is hänvisad"

        page.get_by_role("button", name="Jag är tillbaka").click()
        expect(page.locator(".flash")).to_contain_text("Välkommen tillbaka")
        expect(presence).to_contain_text("Tillgänglig")

        ringing, told = route(
            IncomingCall(CALLER, EMPLOYEE, True),
            PersonTarget(
                maja, "Interopkommun", devices=(DeviceRef(EMPLOYEE, DeviceKind.SOFTPHONE),)
            ),
            datetime.now(TZ),
            RoutingSettings(ring_timeout_s=RING_TIMEOUT),
        ).steps[:2]
        assert isinstance(ringing, RingStep) and isinstance(told, AnnounceStep)
        back = call(vaxel, sipp_bin, vaxel.ext(CALLER), EMPLOYEE, "back")
        try:
            # The phone got the INVITE and rang; nobody answered, so the caller is told so
            # ("Maja Nilsson svarar inte.") instead of hearing the hänvisning.
            back.ear.heard(spoken(speech, told.text_sv), RING_TIMEOUT + 20, "that nobody answers")
            assert back.ear.find(spoken(speech, info.text_sv)) is None
            back.hang_up()
        finally:
            back.finish()
        assert phone.wait(10) == 0, phone.output()  # rang, then was CANCELed
    finally:
        page.context.close()
        phone.stop()
