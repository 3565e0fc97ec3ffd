"""Callbacks: a message taken by the switchboard reaches the person; done is done."""

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


def test_the_operator_takes_a_message_and_the_person_sees_it(web: Web) -> None:
    web.login("telefonist")
    response = web.client.post("/api/callbacks", json={
        "for_person_id": web.ids.people["anna"], "caller_number": "070-123 45 67",
        "caller_name": "Sven Berg", "note": "Om bygglov på Storgatan 3",
    })  # fmt: skip
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["caller_number"] == "+46701234567"
    assert task["reason_label"] == "meddelande från växeln"
    assert task["due_text"] == "i morgon 17.00"  # the end of the next working day
    web.logout()
    web.login("anna")
    mine = web.client.get("/api/callbacks").json()
    assert [(c["caller_name"], c["note"]) for c in mine] == [
        ("Sven Berg", "Om bygglov på Storgatan 3")
    ]
    page = web.client.get("/me/callbacks").text
    assert "Sven Berg" in page and "Om bygglov på Storgatan 3" in page


def test_an_extension_is_a_callers_number_too(web: Web) -> None:
    web.login("telefonist")
    task = web.client.post("/api/callbacks", json={
        "for_person_id": web.ids.people["anna"], "caller_number": "4102",
    }).json()  # fmt: skip
    assert task["caller_number"] == "+46101304102"
    bad = web.client.post("/api/callbacks", json={
        "for_person_id": web.ids.people["anna"], "caller_number": "12",
    })  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["field"] == "caller_number"


def test_open_overdue_and_done(web: Web) -> None:
    web.login("chef")
    overdue = web.client.get("/api/callbacks?scope=units&state=overdue").json()
    assert [c["for_name"] for c in overdue] == ["Björn Ängström"]
    assert overdue[0]["state_label"] == "Försenad"
    task = web.ids.callbacks["bjorn-overdue"]
    done = web.client.post(f"/api/callbacks/{task}/done", json={"how": "ringde upp"}).json()
    assert done["status"] == "done" and done["completed_how"] == "ringde upp"
    assert web.client.get("/api/callbacks?scope=units&state=overdue").json() == []
    again = web.client.post(f"/api/callbacks/{task}/done", json={})
    assert again.status_code == 422
    closed = web.client.get("/api/callbacks?scope=units&state=done").json()
    assert [c["id"] for c in closed] == [task]


def test_the_person_marks_done_from_self_service(web: Web) -> None:
    web.login("maja")
    task = web.ids.callbacks["maja-open"]
    assert web.client.post(f"/api/callbacks/{task}/done", json={}).status_code == 200
    assert web.client.get("/api/callbacks").json() == []
    done = web.client.get("/api/callbacks?state=done").json()
    assert done[0]["completed_how"] == "markerad klar på webben"


def test_click_to_call_without_a_switch_is_503_in_swedish(web: Web) -> None:
    web.login("maja")
    response = web.client.post(f"/api/callbacks/{web.ids.callbacks['maja-open']}/call")
    assert response.status_code == 503
    assert "inte ansluten till växeln" in response.json()["detail"]


def test_click_to_call_rings_my_phone_then_the_caller(wired: Web, switch: FakeSwitch) -> None:
    wired.login("maja")
    response = wired.client.post(f"/api/callbacks/{wired.ids.callbacks['maja-open']}/call")
    assert response.status_code == 202
    assert switch.asked == [("click_to_call", str(wired.ids.people["maja"]), "+46706543210")]
    wired.logout()
    wired.login("anna")
    response = wired.client.post(f"/api/callbacks/{wired.ids.callbacks['maja-open']}/call")
    assert response.status_code == 403
