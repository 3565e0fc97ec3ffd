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
                 "/api/switchboard/calls/x/transfer/complete"):  # fmt: skip
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
