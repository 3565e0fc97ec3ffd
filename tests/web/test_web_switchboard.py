"""The queue and call handling: 503 without the switch, the switch's answers with it; who is
signed in to the queue, from storage, as it changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import FakeSwitch
from seeding import NOW, Seeded
from webtest import Web, make_web

from vaxel.storage.audit import AuditRepository
from vaxel.storage.queue_sign_ins import QueueSignInRepository
from vaxel.web.live import LiveHub


@pytest.fixture
def switch() -> FakeSwitch:
    return FakeSwitch()


@pytest.fixture
def wired(tmp_path: Path, seeded: tuple[Path, Seeded], switch: FakeSwitch) -> Iterator[Web]:
    yield from make_web(tmp_path, seeded, call_control=switch)


def test_without_the_switch_call_handling_says_so(web: Web) -> None:
    web.login("telefonist")
    queue = web.client.get("/api/switchboard/queue").json()
    assert queue["available"] is False
    assert "inte ansluten" in queue["detail"]
    for path in ("/api/switchboard/answer-next", "/api/switchboard/calls/x/pick",
                 "/api/switchboard/calls/x/transfer/complete", "/api/switchboard/sign-in",
                 "/api/switchboard/sign-out"):  # fmt: skip
        response = web.client.post(path)
        assert response.status_code == 503, path
        assert "inte ansluten till växeln" in response.json()["detail"]
    response = web.client.post("/api/switchboard/calls/x/transfer", json={"target": "4101"})
    assert response.status_code == 503
    page = web.client.get("/console").text
    assert "inte ansluten till växeln" in page


def test_queue_with_waiting_times(wired: Web) -> None:
    wired.login("telefonist")
    queue = wired.client.get("/api/switchboard/queue").json()
    assert queue["available"] is True
    assert [(c["call_id"], c["waiting_s"], c["caller_display"]) for c in queue["calls"]] == [
        ("c1", 75, "070-111 22 33"), ("c2", 20, "070-222 33 44")
    ]  # fmt: skip


def test_answer_pick_and_transfer(wired: Web, switch: FakeSwitch) -> None:
    wired.login("telefonist")
    elin = str(wired.ids.people["elin"])
    first = wired.client.post("/api/switchboard/answer-next").json()
    assert first["call"]["call_id"] == "c1"
    picked = wired.client.post("/api/switchboard/calls/c2/pick").json()
    assert picked["call"]["caller_name"] == "Eva Sund"
    gone = wired.client.post("/api/switchboard/calls/c9/pick")
    assert gone.status_code == 404 and gone.json()["detail"] == "Samtalet finns inte längre i kön."
    blind = wired.client.post("/api/switchboard/calls/c1/transfer", json={"target": "4102"})
    assert blind.status_code == 202
    consult = wired.client.post(
        "/api/switchboard/calls/c2/transfer", json={"target": "4101", "mode": "consult"}
    )
    assert consult.status_code == 202
    assert wired.client.post("/api/switchboard/calls/c2/transfer/complete").status_code == 202
    empty = wired.client.post("/api/switchboard/answer-next").json()
    assert empty["call"] is None and empty["detail"] == "Ingen väntar i kön."
    assert switch.asked == [
        ("answer_next", elin), ("pick", "c2", elin), ("pick", "c9", elin),
        ("blind", "c1", "4102"), ("consult", "c2", "4101"), ("complete", "c2"),
        ("answer_next", elin),
    ]  # fmt: skip


def sign_in(web: Web, who: str, number: str, minutes_ago: int, queue: str = "vaxeln") -> None:
    with web.db.session() as s:
        QueueSignInRepository(s).sign_in(
            queue, web.ids.people[who], number, NOW - timedelta(minutes=minutes_ago)
        )


def test_the_console_shows_who_is_signed_in_to_the_queue(web: Web) -> None:
    web.login("telefonist")
    empty = web.client.get("/api/switchboard/operators").json()
    assert (empty["queue"], empty["operators"]) == ("vaxeln", [])
    assert 'id="operators-none"' in web.client.get("/console").text
    sign_in(web, "anna", "4101", 30)
    sign_in(web, "elin", "4001", 95)  # the telefonist herself, signed in first
    sign_in(web, "maja", "4103", 5, queue="bygglov")  # another queue: not the switchboard's
    shown = web.client.get("/api/switchboard/operators").json()["operators"]
    assert [(o["name"], o["number"], o["since_text"], o["me"]) for o in shown] == [
        ("Elin Lund", "4001", "08.25", True),
        ("Anna Öberg", "4101", "09.30", False),
    ]
    page = web.client.get("/console").text
    panel = page.split('id="operator-list"')[1].split("</ul>")[0]
    assert "Elin Lund</strong> (du)" in panel and "4101 · sedan 09.30" in panel
    assert 'id="operators-none"' not in panel
    assert 'id="operator-count" class="badge info">2<' in page
    web.logout()
    web.login("anna")  # a medarbetare does not see the switchboard's operators
    assert web.client.get("/api/switchboard/operators").status_code == 403


def test_a_sign_in_reaches_the_open_pages(web: Web) -> None:
    """A committed sign-in or sign-out is a "queue_sign_in" event on every stream (the page
    then asks /api/switchboard/operators again)."""

    async def run() -> list[tuple[str, str]]:
        hub = LiveHub(web.db.changes)
        hub.start(asyncio.get_running_loop())
        try:
            with hub.subscribe() as stream:
                sign_in(web, "elin", "4001", 1)
                with web.db.session() as s:
                    QueueSignInRepository(s).sign_out("vaxeln", web.ids.people["elin"])
                events = [await asyncio.wait_for(stream.get(), 2) for _ in range(2)]
        finally:
            hub.stop()
        return [(e.kind, e.id) for e in events]

    elin = str(web.ids.people["elin"])
    assert asyncio.run(run()) == [("queue_sign_in", elin), ("queue_sign_in", elin)]


def test_an_operator_signs_in_and_out_from_the_console(wired: Web, switch: FakeSwitch) -> None:
    """The switch signs the telefonist in on her number; the list (from storage) and the
    console's button follow; each change is audited with who asked (a request that changes
    nothing is not)."""
    elin = wired.ids.people["elin"]
    switch.phones[elin] = "4001"
    switch.database = wired.db
    wired.login("telefonist")
    page = wired.client.get("/console").text
    assert 'data-signed-in="false"><span data-label>Logga in i kön</span>' in page
    assert "Logga in här eller med *21# från telefonen." in page

    signed = wired.client.post("/api/switchboard/sign-in")
    assert signed.status_code == 200, signed.text
    assert signed.json() == {
        "signed_in": True, "changed": True, "number": "4001",
        "detail": "Du är inloggad i kön. Samtalen ringer på 4001.",
    }  # fmt: skip
    operators = wired.client.get("/api/switchboard/operators").json()
    assert operators["signed_in"] is True
    assert [(o["name"], o["number"], o["me"]) for o in operators["operators"]] == [
        ("Elin Lund", "4001", True)
    ]
    page = wired.client.get("/console").text
    assert 'data-signed-in="true"><span data-label>Logga ut ur kön</span>' in page
    again = wired.client.post("/api/switchboard/sign-in").json()
    assert (again["changed"], again["detail"]) == (
        False, "Du var redan inloggad i kön. Samtalen ringer på 4001."
    )  # fmt: skip

    out = wired.client.post("/api/switchboard/sign-out").json()
    assert (out["signed_in"], out["changed"], out["detail"]) == (
        False, True, "Du är utloggad ur kön."
    )  # fmt: skip
    assert wired.client.get("/api/switchboard/operators").json()["operators"] == []
    wired.client.cookies.set("vaxel_lang", "en")
    out = wired.client.post("/api/switchboard/sign-out").json()
    assert (out["changed"], out["detail"]) == (False, "You were not signed in to the queue.")

    assert switch.asked == [("sign_in", str(elin))] * 2 + [("sign_out", str(elin))] * 2
    with wired.db.session() as s:
        entries = AuditRepository(s).entries(action_prefix="queue.")
    assert [(e.action, e.actor, e.channel, e.subject, e.detail) for e in reversed(entries)] == [
        ("queue.sign_in", "telefonist", "web", f"person:{elin}", "vaxeln 4001"),
        ("queue.sign_out", "telefonist", "web", f"person:{elin}", "vaxeln"),
    ]  # the repeated sign-in and sign-out changed nothing: not audited


def test_signing_in_without_a_registered_phone_says_why(wired: Web, switch: FakeSwitch) -> None:
    wired.login("telefonist")
    refused = wired.client.post("/api/switchboard/sign-in")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Du kan inte logga in i kön. Din telefon är inte registrerad. Starta den och försök igen."
    )
    wired.client.cookies.set("vaxel_lang", "en")
    refused = wired.client.post("/api/switchboard/sign-in")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "You cannot sign in to the queue. Your phone is not registered. Start it and try again."
    )
    with wired.db.session() as s:
        assert AuditRepository(s).entries(action_prefix="queue.") == []  # nothing happened


@pytest.mark.parametrize("who", ["anna", "chef"])
def test_only_operators_sign_in_to_the_queue(wired: Web, switch: FakeSwitch, who: str) -> None:
    """A medarbetare or a chef is not an operator: 403, and the switch is not asked."""
    switch.phones[wired.ids.people[who if who == "anna" else "karin"]] = "4101"
    wired.login(who)
    for path in ("/api/switchboard/sign-in", "/api/switchboard/sign-out"):
        response = wired.client.post(path)
        assert response.status_code == 403, path
    assert switch.asked == []


def test_an_admin_without_a_person_cannot_sign_in(wired: Web, switch: FakeSwitch) -> None:
    """The queue rings a person's phone: a log-in that is nobody has none."""
    wired.login("admin")
    response = wired.client.post("/api/switchboard/sign-in")
    assert response.status_code == 403
    assert switch.asked == []
