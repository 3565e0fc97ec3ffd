"""The queue and call handling: 503 without the switch, the switch's answers with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeSwitch
from seeding import Seeded
from webtest import Web, make_web


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
