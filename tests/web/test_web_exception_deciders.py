"""Who decides a request for an exception, at the API's role boundary: the verksamhetschef
above the person; at the top of the tree, where there is none, an administrator in their own
name (their log-in, and their person if it has one); never the person, and never a
medarbetare."""

from __future__ import annotations

import pytest
from seeding import NOW
from webtest import Web

from vaxel.domain.people import Person
from vaxel.domain.presence import Channel
from vaxel.storage.audit import AuditRepository
from vaxel.storage.barring import BarringRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.users import Role, UserRepository

ASK = {
    "kind": "after_hours",
    "reason": "Nåbar för krisledningen",
    "wanted_from": "2026-04-01",
    "wanted_to": "2026-04-30",
}
IDA_PASSWORD = "ekby-ida-admin-1"
OWN = "Ingen beslutar om sin egen ansökan; den går till nivån över dig."
ADMIN_DECIDES = "Ingen verksamhetschef står över personen, så en administratör beslutar."
NOT_THE_CHEF = "Det här gäller en enhet där du inte är verksamhetschef."


@pytest.fixture
def ida(web: Web) -> int:
    """An administrator whose log-in is Ida Holm, of Kontaktcenter (no chef above her)."""
    with web.db.session() as s:
        person = DirectoryRepository(s).add_person(
            Person(0, "Ida Holm", "ida@ekby.se", web.ids.units["Kontaktcenter"]),
            actor="seed",
            channel=Channel.SYSTEM,
        )
        UserRepository(s).create(
            "ida", IDA_PASSWORD, Role.ADMIN, now=NOW, actor="seed", channel=Channel.SYSTEM,
            person_id=person.id,
        )  # fmt: skip
    return person.id


def user_id(web: Web, username: str) -> int:
    with web.db.session() as s:
        user = UserRepository(s).user(username)
    assert user is not None
    return user.id


def ask(web: Web, user: str, password: str | None = None, **changes: str) -> int:
    web.login(user, password)
    response = web.client.post("/api/exceptions/requests", json=ASK | changes)
    assert response.status_code == 201, response.text
    web.logout()
    return int(response.json()["id"])


def test_a_chefs_request_with_nobody_above_goes_to_an_admin(web: Web, ida: int) -> None:
    """Karin Ek is verksamhetschef of Samhällsbyggnadsförvaltningen, and no chef is above her."""
    web.login("chef")
    assert "går till en administratör" in web.client.get("/me/exceptions").text
    web.logout()
    request_id = ask(web, "chef")
    approve = f"/api/exceptions/requests/{request_id}/approve"
    deny = f"/api/exceptions/requests/{request_id}/deny"

    # Karin may not decide her own request, nor even see it among those to decide.
    web.login("chef")
    assert web.client.get("/api/exceptions/requests").json() == []
    for url, body in ((approve, {}), (deny, {"reason": "nej"})):
        refused = web.client.post(url, json=body)
        assert (refused.status_code, refused.json()["detail"]) == (403, OWN)
    web.logout()
    # Another chef is not above her either; a medarbetare decides nothing.
    web.login("per")
    refused = web.client.post(approve, json={})
    assert (refused.status_code, refused.json()["detail"]) == (403, ADMIN_DECIDES)
    web.logout()
    web.login("anna")
    assert web.client.post(approve, json={}).status_code == 403
    assert web.client.post(deny, json={"reason": "nej"}).status_code == 403
    web.logout()
    # Any administrator may decide it: the seed's admin log-in, which is nobody, as well.
    web.login("admin")
    (seen,) = web.client.get("/api/exceptions/requests").json()
    assert (seen["id"], seen["may_decide"], seen["decided_by_admin"]) == (request_id, True, True)
    web.logout()
    with web.db.session() as s:
        assert BarringRepository(s).get_request(request_id).is_pending

    # Ida, an administrator who is a person, decides it in her own name.
    web.login("ida", IDA_PASSWORD)
    assert "väntar på en administratörs beslut: 1" in web.client.get("/admin").text
    page = web.client.get("/admin/exceptions").text
    assert f'data-api="{approve}"' in page and f'data-api="{deny}"' in page
    approved = web.client.post(approve, json={"valid_to": "2026-04-14", "reason": "Två veckor"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by_name"]) == (
        "approved",
        "Ida Holm",
    )
    assert "väntar på en administratörs beslut" not in web.client.get("/admin").text
    web.logout()
    with web.db.session() as s:
        (exception,) = BarringRepository(s).exceptions(web.ids.people["karin"])
        entries = AuditRepository(s).entries(subject=f"person:{web.ids.people['karin']}")
    assert (exception.decided_by_id, exception.decided_by_user_id) == (ida, user_id(web, "ida"))
    assert ("barring.request.approved", "ida") in {(e.action, e.actor) for e in entries}
    web.login("chef")
    (mine,) = web.client.get("/api/exceptions/requests/mine").json()
    assert (mine["decided_by_name"], mine["granted_to"]) == ("Ida Holm", "2026-04-14")


def test_an_admin_decides_only_at_the_top_and_never_for_themselves(web: Web, ida: int) -> None:
    annas = ask(web, "anna")  # Karin Ek, her verksamhetschef, decides it
    karins = ask(web, "chef", kind="private_use")
    idas = ask(web, "ida", IDA_PASSWORD)  # nobody is above Ida either
    web.login("ida", IDA_PASSWORD)
    listed = {r["id"]: r["may_decide"] for r in web.client.get("/api/exceptions/requests").json()}
    assert listed == {annas: False, karins: True, idas: False}
    refused = web.client.post(f"/api/exceptions/requests/{annas}/approve", json={})
    assert refused.status_code == 403 and "inte är verksamhetschef" in refused.json()["detail"]
    own = web.client.post(f"/api/exceptions/requests/{idas}/approve", json={})
    assert (own.status_code, own.json()["detail"]) == (403, OWN)
    denied = web.client.post(
        f"/api/exceptions/requests/{karins}/deny", json={"reason": "Privata samtal från egen"}
    )
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    top = web.client.get("/admin/exceptions").text
    assert "Ida Holm – Nåbar efter arbetstid" in top and "Anna Öberg" not in top
    assert OWN in top  # her own request says why she cannot decide it
    web.logout()
    with web.db.session() as s:
        barring = BarringRepository(s)
        assert [r.id for r in barring.pending_for_admin()] == [idas]
        assert barring.get_request(annas).is_pending
        assert barring.decider_of(web.ids.people["anna"]) == web.ids.people["karin"]
        assert barring.decider_of(ida) is None


def test_an_admin_grants_directly_only_at_the_top(web: Web, ida: int) -> None:
    grant = {"kind": "after_hours", "reason": "Krisledning", "valid_from": "2026-03-10",
             "valid_to": "2026-06-30"}  # fmt: skip
    web.login("ida", IDA_PASSWORD)
    page = web.client.get("/chef/exceptions").text
    offered = page.split('id="ex-person"')[1].split("</select>")[0]
    assert "Karin Ek" in offered and "Per Åberg" in offered
    assert "Anna Öberg" not in offered and "Ida Holm" not in offered
    made = web.client.post("/api/exceptions", json=grant | {"person_id": web.ids.people["karin"]})
    assert made.status_code == 201, made.text
    assert made.json()["decided_by_name"] == "Ida Holm"
    chef_decides = web.client.post(
        "/api/exceptions", json=grant | {"person_id": web.ids.people["anna"]}
    )
    assert chef_decides.status_code == 422 and chef_decides.json()["field"] == "decided_by"
    herself = web.client.post("/api/exceptions", json=grant | {"person_id": ida})
    assert herself.status_code == 422 and herself.json()["field"] == "decided_by"
    web.logout()
    web.login("admin")  # a log-in with no person grants at the top too, under its own name
    page = web.client.get("/chef/exceptions").text
    offered = page.split('id="ex-person"')[1].split("</select>")[0]
    assert "Per Åberg" in offered and "Anna Öberg" not in offered
    made = web.client.post("/api/exceptions", json=grant | {"person_id": web.ids.people["per"]})
    assert made.status_code == 201, made.text
    assert (made.json()["decided_by_id"], made.json()["decided_by_name"]) == (
        None,
        "Administratören admin",
    )
    chef_decides = web.client.post(
        "/api/exceptions", json=grant | {"person_id": web.ids.people["maja"]}
    )
    assert chef_decides.status_code == 422 and chef_decides.json()["field"] == "decided_by"
    listed = web.client.get("/chef/exceptions").text
    assert "Administratören admin" in listed and "Ida Holm" in listed
    with web.db.session() as s:
        (pers,) = BarringRepository(s).exceptions(web.ids.people["per"])
    assert (pers.decided_by_id, pers.decided_by_user_id) == (None, user_id(web, "admin"))


def test_the_admin_log_in_with_no_person_decides_at_the_top(web: Web) -> None:
    """The demo's admin belongs to nobody: it approves and denies at the top of the tree in the
    log-in's name, and the chef who asked reads who decided; a chef's request it may not."""
    karins = ask(web, "chef")
    karins_private = ask(web, "chef", kind="private_use")
    annas = ask(web, "anna")  # Karin decides this one
    admin = user_id(web, "admin")
    web.login("admin")
    listed = {r["id"]: r["may_decide"] for r in web.client.get("/api/exceptions/requests").json()}
    assert listed == {karins: True, karins_private: True, annas: False}
    page = web.client.get("/admin/exceptions").text
    assert 'id="admin-no-person"' in page and "Din inloggning (admin)" in page
    assert f'data-api="/api/exceptions/requests/{karins}/approve"' in page
    refused = web.client.post(f"/api/exceptions/requests/{annas}/approve", json={})
    assert (refused.status_code, refused.json()["detail"]) == (403, NOT_THE_CHEF)
    approved = web.client.post(
        f"/api/exceptions/requests/{karins}/approve", json={"valid_to": "2026-04-14"}
    )
    assert approved.status_code == 200, approved.text
    got = approved.json()
    assert (got["status"], got["decided_by_id"], got["decided_by_user_id"]) == (
        "approved",
        None,
        admin,
    )
    assert got["decided_by_name"] == "Administratören admin"
    denied = web.client.post(
        f"/api/exceptions/requests/{karins_private}/deny", json={"reason": "Inte i tjänsten"}
    )
    assert denied.status_code == 200 and denied.json()["decided_by_user_id"] == admin
    web.logout()

    with web.db.session() as s:
        barring = BarringRepository(s)
        (exception,) = barring.exceptions(web.ids.people["karin"])
        decided = barring.get_request(karins_private)
        entries = AuditRepository(s).entries(subject=f"person:{web.ids.people['karin']}")
    assert (exception.decided_by_id, exception.decided_by_user_id) == (None, admin)
    assert (decided.decided_by_id, decided.decided_by_user_id) == (None, admin)
    details = {(e.action, e.actor, e.detail) for e in entries}
    assert ("barring.request.approved", "admin", f"request:{karins} by user:{admin}") in details
    assert any(
        action == "barring.exception" and actor == "admin" and f"by user:{admin} " in detail
        for action, actor, detail in details
    )
    web.login("chef")
    mine = {r["id"]: r for r in web.client.get("/api/exceptions/requests/mine").json()}
    assert mine[karins]["decided_by_name"] == "Administratören admin"
    assert mine[karins]["granted_to"] == "2026-04-14"
    assert mine[karins_private]["decision_reason"] == "Inte i tjänsten"
    assert "Administratören admin" in web.client.get("/me/exceptions").text
